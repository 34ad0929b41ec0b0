"""The local stack's mail: each message the service would send is a JSON file in the local state folder."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path
from typing import Any

from onecard.mail.mailer import Message


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class LocalMailSink:
    def __init__(self, folder: str | os.PathLike[str]):
        self._folder = Path(folder)

    def send(self, message: Message) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        sent_at = _now_iso()
        record = {"to": message.to, "subject": message.subject, "text": message.text, "sent_at": sent_at}
        # Written under a temporary name and renamed, so a reader never sees half a message.
        name = f"{sent_at.replace(':', '')}-{secrets.token_hex(4)}"
        partial = self._folder / f".{name}.tmp"
        partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        partial.replace(self._folder / f"{name}.json")


def read_messages(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every kept message, newest first."""
    path = Path(folder)
    if not path.is_dir():
        return []
    messages = [json.loads(file.read_text("utf-8")) for file in path.glob("*.json")]
    return sorted(messages, key=lambda m: m["sent_at"], reverse=True)
