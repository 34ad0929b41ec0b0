"""Versioned consent documents: files that are never edited, each sealed by the SHA-256 of its exact bytes."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PARTNERS: tuple[str, ...] = ("ntpc", "klcpl", "taipei-card")
_EN_MARKER = "<!-- en -->"


class UnknownPartner(LookupError):
    pass


class UnknownVersion(LookupError):
    pass


class TamperedDocument(RuntimeError):
    """A document's bytes no longer match the hash sealed in the manifest."""


@dataclass(frozen=True)
class ConsentDocument:
    partner: str
    version: int
    title: str
    title_en: str
    effective_from: dt.date
    data_fields: tuple[str, ...]
    text_zh: str
    text_en: str
    sha256: str
    summary_of_changes: str | None = None


def _front_matter(text: str) -> tuple[dict[str, object], str]:
    if not text.startswith("---\n"):
        raise ValueError("a consent document starts with front matter")
    header, body = text[4:].split("\n---\n", 1)
    values: dict[str, object] = {}
    for line in header.splitlines():
        key, _, raw = line.partition(":")
        raw = raw.strip()
        values[key.strip()] = [v.strip() for v in raw[1:-1].split(",") if v.strip()] if raw.startswith("[") else raw
    return values, body


def parse_document(raw: bytes, sha256: str) -> ConsentDocument:
    meta, body = _front_matter(raw.decode("utf-8"))
    zh, _, en = body.partition(_EN_MARKER)
    return ConsentDocument(
        partner=str(meta["partner"]),
        version=int(str(meta["version"])),
        title=str(meta["title"]),
        title_en=str(meta["title_en"]),
        effective_from=dt.date.fromisoformat(str(meta["effective_from"])),
        data_fields=tuple(meta["data_fields"]),  # type: ignore[arg-type]
        text_zh=zh.strip(),
        text_en=en.strip(),
        sha256=sha256,
        summary_of_changes=str(meta["summary_of_changes"]) if meta.get("summary_of_changes") else None,
    )


class ConsentLibrary:
    def __init__(self, folder: Path):
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        self._versions: dict[str, list[ConsentDocument]] = {}
        for partner, entries in manifest.items():
            documents = []
            for entry in entries:
                raw = (folder / partner / entry["file"]).read_bytes()
                actual = hashlib.sha256(raw).hexdigest()
                if actual != entry["sha256"]:
                    raise TamperedDocument(f"{partner}/{entry['file']} was changed after it was sealed")
                documents.append(parse_document(raw, actual))
            self._versions[partner] = sorted(documents, key=lambda d: d.version)

    def versions(self, partner: str) -> list[ConsentDocument]:
        if partner not in self._versions:
            raise UnknownPartner(partner)
        return list(self._versions[partner])

    def current(self, partner: str, on: dt.date) -> ConsentDocument:
        in_force = [d for d in self.versions(partner) if d.effective_from <= on]
        if not in_force:
            raise UnknownVersion(f"{partner} has no document in force on {on}")
        return in_force[-1]

    def get(self, partner: str, version: int) -> ConsentDocument:
        found = next((d for d in self.versions(partner) if d.version == version), None)
        if found is None:
            raise UnknownVersion(f"{partner} v{version}")
        return found

    def by_sha256(self, partner: str, sha256: str) -> ConsentDocument | None:
        return next((d for d in self.versions(partner) if d.sha256 == sha256), None)

    def partners(self) -> list[str]:
        return [p for p in PARTNERS if p in self._versions]


@functools.cache
def default_library() -> ConsentLibrary:
    """The documents shipped with the code; CONSENT_DOCUMENTS_DIR points elsewhere (to preview a new version)."""
    folder = os.environ.get("CONSENT_DOCUMENTS_DIR")
    return ConsentLibrary(Path(folder) if folder else Path(str(resources.files("onecard.consent_documents"))))
