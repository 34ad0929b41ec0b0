"""One delivery of a link request to its partner: the partner's breaker, then its rate, then the call (once per
request, whatever the number of deliveries), and what its answer means. Every wait puts the request back without
a try. The parts come in (the partner, the stores, the queue, the clock), so the rules run the same in Lambda, on
the local stack, and in tests that drive time themselves."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from onecard.links import retry_policy
from onecard.links.delivery_rules import (
    LATE_SLOT_TRIES,
    RATE_SLOT_MARGIN_SECONDS,
    Delivered,
    PartnerUnavailable,
    Slot,
    Waiting,
    first_sent_at,
    quick_retry_pause,
    slot_has_passed,
    slot_taken,
    status_after,
    worth_a_quick_retry,
)
from onecard.links.manners import Cause, Manners, OutOfBudget, OverRate, PoliteCall, Quiet, Wait
from onecard.observability import logger, metrics
from onecard.partners.client import PartnerAnswer, PartnerClient
from onecard.partners.protocol import PartnerSecretNotSet

PARTNER_UNAVAILABLE_NOW = "合作館暫時無法回應"


class Clock(Protocol):
    def time(self) -> float: ...
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class LinkQueue(Protocol):
    def put_back(self, receipt_handle: str, seconds: int) -> None: ...
    def dead_letter(self, body: str) -> None: ...


@dataclass(frozen=True)
class Delivery:
    """A received request: its message, and what the queue says of it."""

    message: dict[str, Any]
    body: str
    receipt_handle: str
    receive_count: int
    sent_timestamp_ms: str | None


@dataclass
class DeliveryDependencies:
    partner: Callable[[], PartnerClient]
    breakers: Any
    """PartnerBreakers: what all workers know of each partner's health, and its backlog."""
    rate_counter: Any
    """PartnerRateCounter: the calls given to a partner in each second, for all workers together."""
    link_status: Any
    """LinkStatus."""
    queue: LinkQueue
    payload: Callable[[dict[str, Any]], dict[str, Any]]
    """What the partner receives for a message (its document's fields only)."""
    signing_secret: Callable[[str], Any]
    """Read before the slot is taken (or found in the cache), so nothing slow comes between slot and call."""
    once: Callable[..., dict[str, Any]]
    """Runs ``call()`` once per ``message`` (the idempotency record): a second delivery gets the first's outcome."""
    settings: Any
    clock: Clock = field(default_factory=SystemClock)
    draw: Callable[[], float] = random.random


def _metric(name: str, partner: str | None, value: float, unit: str = "Count") -> None:
    """A metric of the function, per partner when one is named."""
    if partner is None:
        metrics.add_metric(name=name, unit=MetricUnit(unit), value=value)
        return
    dimensions = metrics.default_dimensions
    with single_metric(name=name, unit=MetricUnit(unit), value=value, default_dimensions=dimensions) as metric:
        metric.add_dimension(name="partner", value=partner)


class _PartnerWatcher(Quiet):
    def __init__(self, partner: str):
        self.partner = partner

    def held(self, down_for: float) -> None:
        _metric("PartnerDownSeconds", self.partner, down_for, "Seconds")

    def over_rate(self) -> None:
        _metric("PartnerRateWaits", self.partner, 1)

    def tripped(self, failures: int) -> None:
        _metric("PartnerDown", self.partner, 1)
        logger.warning("partner marked down", extra={"partner": self.partner, "failures": failures})

    def back(self, down_seconds: int) -> None:
        _metric("PartnerDownSeconds", self.partner, 0, "Seconds")
        logger.info("partner back", extra={"partner": self.partner, "down_seconds": down_seconds})


_WHY_WAITING = {Cause.HELD: "partner down", Cause.OVER_RATE: "over the partner's rate"}


class LinkDelivery:
    def __init__(self, deps: DeliveryDependencies):
        self.deps = deps

    def deliver(self, delivery: Delivery) -> Delivered | Waiting:
        deps, message = self.deps, delivery.message
        partner = message["partner"]
        sent_at = first_sent_at(message, delivery.sent_timestamp_ms, deps.clock.time())
        polite = PoliteCall(
            partner,
            Manners.of(deps.settings, partner),
            deps.breakers,
            deps.clock.time,
            deps.draw,
            unavailable=(PartnerUnavailable,),
            watcher=_PartnerWatcher(partner),
        )
        try:
            decided = polite.deliver(sent_at, lambda probe: self._call_within_rate(message, probe))
        except PartnerSecretNotSet as error:
            # An operator's task, not a partner outage: the request waits (within its budget) rather than failing.
            logger.error(
                "link request not sent: partner secret not set",
                extra={"request_id": message["request_id"], "partner": partner, "reason": str(error)},
            )
            decided = polite.backing_off(sent_at, deps.clock.time(), "合作館金鑰未設定")
        if isinstance(decided, Wait):
            return self._waiting(delivery, decided.seconds, _WHY_WAITING.get(decided.cause) or decided.why)
        if isinstance(decided, OutOfBudget):
            why = "合作館停止服務超過重試期限" if decided.cause is Cause.HELD else decided.why
            return self._fail_for_good(delivery, why)
        self._settled(delivery)
        return Delivered(decided.result["outcome"])

    # --- The call, within the partner's rate ------------------------------------------------------------------
    def _call_within_rate(self, message: dict[str, Any], probe: bool) -> dict[str, Any]:
        """The slot is taken before the idempotency record is written: a request over the rate costs no writes."""
        partner = message["partner"]
        payload = self.deps.payload(message)
        self.deps.signing_secret(partner)
        slot = self._take_slot(partner)
        if not slot.allowed:
            raise OverRate(slot.place, slot.second)
        return self.deps.once(message=message, call=lambda: self._answered(message, payload, slot, probe))

    def _answered(self, message: dict[str, Any], payload: dict[str, Any], slot: Slot, probe: bool) -> dict[str, Any]:
        """A probe of a down partner makes one call only (no quick second try)."""
        answer = self._send(message, payload, slot, quick_retry=not probe)
        if answer.outcome == "retry":
            raise PartnerUnavailable(answer.reason or "partner unavailable")
        status = status_after(answer.outcome)
        if status:
            self.deps.link_status.set(
                message["reader_id"],
                message["partner"],
                message["request_id"],
                status,
                int(self.deps.clock.time() * 1000),
                partner_card_number=answer.partner_card_number,
                reason=answer.reason,
            )
        return {"outcome": answer.outcome}

    def _send(self, message: dict[str, Any], payload: dict[str, Any], slot: Slot, quick_retry: bool) -> PartnerAnswer:
        """The call goes in the second of the slot taken for it just before (only the idempotency record is written
        in between); a slot whose second has passed meanwhile is given up for one of the current second."""
        clock, partner = self.deps.clock, message["partner"]
        if slot_has_passed(slot, clock.time()):
            slot = self._take_slot(partner)
        if not slot.allowed:
            raise OverRate(slot.place, slot.second)
        started = clock.monotonic()
        answer = self.deps.partner().send(partner, message["action"], message["request_id"], payload)
        if quick_retry and worth_a_quick_retry(answer.outcome, clock.monotonic() - started):
            clock.sleep(quick_retry_pause(self.deps.draw()))
            if not self._take_slot(partner).allowed:  # the second call counts against the partner's rate too
                return answer
            answer = self.deps.partner().send(partner, message["action"], message["request_id"], payload)
        return answer

    def _take_slot(self, partner: str) -> Slot:
        """The partner's agreed calls per second, counted for all workers together in whole seconds of the time
        the call starts."""
        clock = self.deps.clock
        limit = self.deps.settings.partner_rates().get(partner)
        if limit is None:
            return Slot(True, 0, math.floor(clock.time()))
        slot = Slot(False, 0, 0)
        for _ in range(LATE_SLOT_TRIES):
            second, wait = retry_policy.slot_window(clock.time(), RATE_SLOT_MARGIN_SECONDS)
            if wait:
                clock.sleep(wait)
            slot, final = slot_taken(self.deps.rate_counter.take(partner, second), limit, second, clock.time())
            if final:
                return slot
        return slot

    # --- Waiting, and giving up -------------------------------------------------------------------------------
    def _waiting(self, delivery: Delivery, seconds: int, why: str) -> Waiting:
        """Puts the request back for ``seconds``; its first wait counts it in the partner's backlog."""
        if delivery.receive_count == 1:
            self.deps.breakers.add_to_backlog(delivery.message["partner"], 1)
        self.deps.queue.put_back(delivery.receipt_handle, seconds)
        return Waiting(seconds, why)

    def _settled(self, delivery: Delivery) -> None:
        """A request that had waited leaves the partner's backlog."""
        if delivery.receive_count > 1:
            self.deps.breakers.add_to_backlog(delivery.message["partner"], -1)

    def _fail_for_good(self, delivery: Delivery, why: str) -> Delivered:
        """Past the budget: the link is failed and the request moves to the dead-letter queue (sent there by the
        worker, since the number of receives says nothing about the time spent)."""
        message = delivery.message
        self.deps.link_status.set(
            message["reader_id"],
            message["partner"],
            message["request_id"],
            "failed",
            int(self.deps.clock.time() * 1000),
            reason=f"{PARTNER_UNAVAILABLE_NOW} ({why})",
        )
        _metric("LinkFailed", None, 1)
        logger.warning("link request failed for good", extra={"request_id": message["request_id"], "reason": why})
        self.deps.queue.dead_letter(delivery.body)
        self._settled(delivery)
        return Delivered("failed")


def partner_payload(message: dict[str, Any]) -> dict[str, Any]:
    """A link or an update carries the reader's fields that the agreed document lists (minimised); an unlink only
    names the request and the reader."""
    from onecard import wiring
    from onecard.consent.documents import default_library
    from onecard.partners.protocol import minimised

    reader_id = message["reader_id"]
    base = {"request_id": message["request_id"], "reader_id": reader_id}
    if message["action"] not in ("link", "update"):
        return base
    profile = wiring.readers().get_profile(reader_id) or {}
    document = default_library().get(message["partner"], int(message["document_version"]))
    id_number = wiring.cipher().decrypt(profile["id_number_encrypted"], associated_data=f"{reader_id}:id_number")
    return {**base, **minimised(profile, document.data_fields, id_number)}
