#!/usr/bin/env bash
# Debian's Chromium (browser tests), Noto CJK fonts (so Chinese is drawn, not empty boxes) and npm, if missing;
# then axe-core (package.json, pinned by package-lock.json) for the pages' accessibility checks.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Please install ${missing[*]} with your system's package manager (the browser tests need them)." >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} (Debian packages) for the browser tests…"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing axe-core (npm) for the accessibility checks…"
  npm ci --no-audit --no-fund --loglevel=error
fi
