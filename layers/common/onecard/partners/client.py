"""Calling a partner. The simulator and the HTTP client implement the same interface."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from onecard.partners.protocol import PATHS, signed_headers


@dataclass(frozen=True)
class PartnerAnswer:
    """``outcome``: active (linked now), accepted (will call back), unlinked, rejected (4xx), retry (try again)."""

    outcome: str
    partner_card_number: str | None = None
    reason: str | None = None


class PartnerClient(Protocol):
    def send(self, partner: str, action: str, request_id: str, payload: dict[str, Any]) -> PartnerAnswer: ...


class HttpAnswer(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def data(self) -> bytes: ...


class HttpPool(Protocol):
    """What the client needs of urllib3's PoolManager (tests put a recorder in its place)."""

    def request(self, method: str, url: str, *, body: bytes, headers: dict[str, str]) -> HttpAnswer: ...


def answer_from_http(status: int, body: bytes, action: str) -> PartnerAnswer:
    if status == 200:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        default = "unlinked" if action == "unlink" else "active"
        return PartnerAnswer(str(data.get("status", default)), data.get("partner_card_number"))
    if status == 202:
        return PartnerAnswer("accepted")
    if 400 <= status < 500 and status not in (408, 429):
        try:
            reason = json.loads(body or b"{}").get("reason") or f"HTTP {status}"
        except ValueError:
            reason = f"HTTP {status}"
        return PartnerAnswer("rejected", reason=str(reason))
    return PartnerAnswer("retry", reason=f"HTTP {status}")


class HttpPartnerClient:
    """``secret_for`` is asked for the partner's secret at every call, so a warm container signs with a rotated
    secret as soon as the secret store's cache lets it, and one partner's missing secret stops only its calls."""

    def __init__(self, base_urls: dict[str, str], secret_for: Callable[[str], bytes], timeout_seconds: float = 5.0):
        import urllib3

        self._base_urls = base_urls
        self._secret_for = secret_for
        self._http: HttpPool = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=2.0, read=timeout_seconds), retries=False, maxsize=10
        )

    def send(self, partner: str, action: str, request_id: str, payload: dict[str, Any]) -> PartnerAnswer:
        import urllib3

        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = signed_headers(self._secret_for(partner), request_id, int(time.time()), body)
        try:
            response = self._http.request(
                "POST", self._base_urls[partner].rstrip("/") + PATHS[action], body=body, headers=headers
            )
        except urllib3.exceptions.HTTPError as error:
            return PartnerAnswer("retry", reason=type(error).__name__)
        return answer_from_http(response.status, response.data, action)
