"""What one delivery of a link request to its partner decides, as pure rules (no AWS, no clock of their own):
what a partner's answer means, when a passing failure earns a quick second try, and whether a slot of the
partner's agreed rate is still good when the call goes. When a request waits, and for how long: retry_policy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

# A partner's passing failure (a 503 while it restarts) is often over within a second: one quick second try in the
# same delivery spares a reader the queue's backoff. Only after a fast answer: a timeout has spent its time already.
QUICK_RETRY_AFTER_SECONDS = 0.5
QUICK_ANSWER_SECONDS = 2.0
# A call that starts this close to the end of a second could reach the partner in the next one.
RATE_SLOT_MARGIN_SECONDS = 0.05
# A slot may be taken late when DynamoDB answers slowly; a request asks again at most this many times in a row.
LATE_SLOT_TRIES = 3

_STATUS_OF_OUTCOME = {"active": "active", "unlinked": "unlinked", "rejected": "rejected"}


class Slot(NamedTuple):
    """A call's ask for a slot of its partner's rate: whether it may go, and which ask it was in which second."""

    allowed: bool
    place: int  # the how-many-th ask in its second, this one included
    second: int


class PartnerUnavailable(Exception):
    """5xx, timeout or connection error: the request is tried again with backoff (raised inside the idempotent
    call, so that no outcome is kept for it)."""


@dataclass(frozen=True)
class Delivered:
    """The partner answered for good (or the request failed for good): ``outcome`` as the worker reports it."""

    outcome: str


@dataclass(frozen=True)
class Waiting:
    """The request goes back to the queue for ``seconds`` (held for a down partner, over its rate, backing off)."""

    seconds: int
    why: str


def status_after(outcome: str) -> str | None:
    """The link's status after a partner's answer; None for "accepted" (its callback will tell) and "retry"."""
    return _STATUS_OF_OUTCOME.get(outcome)


def first_sent_at(message: dict[str, Any], sent_timestamp_ms: str | None, now: float) -> float:
    """When the relay first sent the request: the body's ``first_sent_at`` when a copy carries it, else the queue's
    SentTimestamp of this message (milliseconds), else now."""
    if message.get("first_sent_at"):
        return float(message["first_sent_at"])
    return int(sent_timestamp_ms) / 1000 if sent_timestamp_ms else now


def slot_has_passed(slot: Slot, now: float) -> bool:
    """A slot is for its whole second only: one whose second has passed is given up for one of the current one."""
    return slot.allowed and math.floor(now) != slot.second


def slot_taken(count: int, limit: int, second: int, now: float) -> tuple[Slot, bool]:
    """The ``count``-th ask in ``second`` of a partner allowing ``limit`` a second, its count answered at ``now``:
    the slot, and whether it is final. A slot counted after its second ended is given up rather than used in the
    next second, where it was not counted; its turn is now, so it asks again at once (not final)."""
    slot = Slot(count <= limit, count, second)
    if count > limit or math.floor(now) == second:
        return slot, True
    return slot._replace(allowed=False), False


def worth_a_quick_retry(outcome: str, took_seconds: float) -> bool:
    return outcome == "retry" and took_seconds < QUICK_ANSWER_SECONDS


def quick_retry_pause(draw: float) -> float:
    """Seconds before the quick second try, ``draw`` in [0, 1): spread, so that a batch does not retry at once."""
    return QUICK_RETRY_AFTER_SECONDS * (0.5 + draw)
