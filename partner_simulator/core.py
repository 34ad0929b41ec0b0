"""What a simulated partner decides, with faults injected on command. Usable in-process as a PartnerClient."""

from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from onecard.partners.client import PartnerAnswer, answer_from_http


@dataclass
class Faults:
    error_rate: float = 0.0  # share of calls answered with `error_status`
    error_status: int = 503
    reject_rate: float = 0.0  # share of link calls refused with 422
    timeout_rate: float = 0.0  # share of calls that hang past the client's timeout
    latency_ms: int = 0
    mode: str = "immediate"  # immediate: 200 now; callback: 202 now, a signed callback later
    callback_delay_ms: int = 300
    duplicate_callbacks: bool = False
    out_of_order: bool = False


@dataclass
class SimulatedPartner:
    name: str
    faults: Faults = field(default_factory=Faults)
    seen: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)  # every call answered with a failure or a refusal
    callback_answers: list[int] = field(default_factory=list)  # our API's status for each callback sent
    linked: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(default_factory=random.Random)

    def decide(self, action: str, request_id: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body) for one request; records each with ``at``, when it arrived (Unix seconds)."""
        at = time.time()
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)
        with self._lock:
            roll = self._random.random()
            if roll < self.faults.timeout_rate:
                self.refused.append({"action": action, "request_id": request_id, "status": 0, "at": at})
                return 0, {}
            if roll < self.faults.timeout_rate + self.faults.error_rate:
                self.refused.append(
                    {"action": action, "request_id": request_id, "status": self.faults.error_status, "at": at}
                )
                return self.faults.error_status, {"reason": "simulated failure"}
            if action == "link" and self._random.random() < self.faults.reject_rate:
                self.refused.append({"action": action, "request_id": request_id, "status": 422, "at": at})
                return 422, {"reason": "simulated refusal"}
            self.seen.append(
                {
                    "action": action,
                    "request_id": request_id,
                    "reader_id": payload.get("reader_id"),
                    "fields": sorted(payload),
                    "at": at,
                }
            )
            reader = str(payload.get("reader_id"))
            if action == "link":
                card = self.linked.setdefault(reader, f"{self.name.upper()}-{secrets.token_hex(4).upper()}")
                body = {"status": "active", "partner_card_number": card}
            elif action == "unlink":
                self.linked.pop(reader, None)
                body = {"status": "unlinked"}
            else:
                body = {"status": "active"}
        if self.faults.mode == "callback" and action in ("link", "unlink"):
            return 202, body
        return 200, body

    def send(self, partner: str, action: str, request_id: str, payload: dict[str, Any]) -> PartnerAnswer:
        """The PartnerClient interface, in-process (no signatures, no network)."""
        status, body = self.decide(action, request_id, payload)
        if status == 0:
            return PartnerAnswer("retry", reason="timeout")
        import json

        return answer_from_http(status, json.dumps(body).encode(), action)


class SimulatedPartners:
    """The three partners together; also a PartnerClient that routes by partner name."""

    def __init__(self, names: tuple[str, ...] = ("ntpc", "klcpl", "taipei-card")):
        self.partners = {name: SimulatedPartner(name) for name in names}

    def send(self, partner: str, action: str, request_id: str, payload: dict[str, Any]) -> PartnerAnswer:
        return self.partners[partner].send(partner, action, request_id, payload)
