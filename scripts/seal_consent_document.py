"""Seals a new consent document version: records its SHA-256 in the manifest. Existing entries never change.

Usage: python scripts/seal_consent_document.py <partner> <file name, e.g. v2.md>
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "layers/common/onecard/consent_documents"


def main(partner: str, file_name: str) -> None:
    manifest_path = FOLDER / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    entries = manifest.setdefault(partner, [])
    if any(e["file"] == file_name for e in entries):
        sys.exit(f"{partner}/{file_name} is already sealed; a new version is a new file")
    numbered = re.fullmatch(r"v(\d+)\.md", file_name)
    if numbered is None:
        sys.exit("a version's file is named v<number>.md")
    version = int(numbered.group(1))
    if entries and version != max(e["version"] for e in entries) + 1:
        sys.exit("versions are numbered consecutively")
    digest = hashlib.sha256((FOLDER / partner / file_name).read_bytes()).hexdigest()
    entries.append({"version": version, "file": file_name, "sha256": digest})
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"sealed {partner} v{version}: {digest}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
