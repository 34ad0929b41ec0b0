"""Stands in for the partner client's urllib3 pool: records each request and answers 200 with an empty body, which
the client reads as the partner's default answer (linked for a link or an update, unlinked for an unlink)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class _Answer:
    status: int
    data: bytes


class RecordingHttp:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.next_statuses: list[int] = []  # answered first, one per request (e.g. 503 for an outage)

    def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> _Answer:
        self.sent.append({"method": method, "url": url, "body": body, "headers": headers})
        return _Answer(self.next_statuses.pop(0) if self.next_statuses else 200, b"{}")
