"""The running local stack (`python -m devstack`, what `make run` starts) on a free port, in a scratch state folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningStack:
    url: str
    state_dir: Path
    process: subprocess.Popen
    port: int
    log_path: Path

    def stop(self, timeout: float = 10) -> float:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=timeout)
        return time.monotonic() - started

    @property
    def simulator_url(self) -> str:
        import re

        return re.search(r"partner simulator on (http://\S+)", self.output()).group(1)

    def output(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")


def start_stack(state_dir: Path, port: int | None = None, extra_env: dict[str, str] | None = None) -> RunningStack:
    port = port or free_port()
    log_path = state_dir.parent / f"stack-{port}.log"
    env = {**os.environ, "PORT": str(port), "ONECARD_STATE_DIR": str(state_dir), **(extra_env or {})}
    env.pop("AWS_ENDPOINT_URL", None)
    log = open(log_path, "w")
    process = subprocess.Popen([sys.executable, "-m", "devstack"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local stack exited:\n{log_path.read_text()}")
        if "listening on" in log_path.read_text("utf-8", errors="replace"):
            break
        time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"local stack did not start:\n{log_path.read_text()}")
    return RunningStack(url, state_dir, process, port, log_path)


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[RunningStack]:
    # Every test here logs in from 127.0.0.1, the one address the per-address login limit counts.
    running = start_stack(tmp_path_factory.mktemp("stack") / "state",
                          extra_env={"PARAMETER_OVERRIDES": "LoginLimitPerMinute=100000 AvailabilityLimitPerMinute=100000"})
    yield running
    if running.process.poll() is None:
        try:
            running.stop(timeout=30)
        except subprocess.TimeoutExpired:
            running.process.kill()
            raise


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


# --- A real browser: Debian's Chromium driven by Playwright ---------------------------------------------------
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _script_problems(page) -> list[str]:
    """Uncaught errors and Content-Security-Policy refusals (an HTTP error status is the API talking, not a bug)."""
    found: list[str] = []
    page.on("pageerror", lambda error: found.append(f"uncaught: {error}"))
    page.on("console", lambda message: found.append(message.text) if message.type == "error"
            and not message.text.startswith("Failed to load resource") else None)
    return found


@pytest.fixture
def page(browser):
    """A fresh browser profile at desktop width in zh-TW; it fails the test on a script error or a CSP refusal."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-TW", accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    problems = _script_problems(opened)
    yield opened
    context.close()
    assert problems == [], f"the page reported errors: {problems}"
