"""When a link request is tried again, when it gives up, and when a partner counts as down: pure rules, no AWS.

- A request is tried until a time budget has passed since it was first sent (not a number of tries). After a
  passing failure it waits as long as it has already waited (so the waits double: base, base, 2·base, 4·base, …),
  at least ``base`` and at most ``cap``, with jitter in [½, 1] of that, and never past the budget's end (the last
  try is at the deadline).
- A partner's circuit breaker: after ``trip_after`` passing failures in a row it is down; requests for it are held
  without calling it, and one probe every ``probe_seconds`` finds out when it is back.
- A partner's agreed rate: a request over the rate waits about a second, plus a share for those already waiting
  ahead of it in that second, with jitter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

# ChangeMessageVisibility accepts at most 12 hours.
MAX_VISIBILITY_SECONDS = 43_200


def nominal_retry_delay(elapsed: float, base: float, cap: float) -> float:
    """The wait after a failed try, before jitter: the time already spent, between ``base`` and ``cap``."""
    return max(0.0, min(cap, max(base, elapsed)))


def jittered(delay: float, draw: float) -> float:
    """``draw`` in [0, 1): "equal jitter", the delay's second half drawn at random, so concurrent retries spread."""
    return delay * (0.5 + 0.5 * draw)


def deadline(first_sent_at: float, retry_for: float) -> float:
    return first_sent_at + retry_for


def out_of_budget(first_sent_at: float, now: float, retry_for: float) -> bool:
    return now >= deadline(first_sent_at, retry_for)


def retry_delay(first_sent_at: float, now: float, *, base: float, cap: float, retry_for: float, draw: float) -> int:
    """Whole seconds (SQS's unit) until the next try: jittered backoff, clipped to the budget's end."""
    delay = jittered(nominal_retry_delay(now - first_sent_at, base, cap), draw)
    remaining = max(0.0, deadline(first_sent_at, retry_for) - now)
    return int(min(math.ceil(delay), math.ceil(remaining), MAX_VISIBILITY_SECONDS))


def nominal_schedule(base: float, cap: float, retry_for: float) -> list[float]:
    """Seconds after the first send of every try while each fails (no jitter): for documentation and tests."""
    tries, at = [0.0], 0.0
    while at < retry_for:
        at = min(retry_for, at + max(nominal_retry_delay(at, base, cap), 1.0))
        tries.append(at)
    return tries


# --- Circuit breaker ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PartnerHealth:
    """What all workers know of a partner: ``down_since`` is None while it is up."""

    failures: int = 0
    down_since: float | None = None
    probe_at: float = 0.0
    backlog: int = 0

    @property
    def down(self) -> bool:
        return self.down_since is not None


class Gate(Enum):
    CALL = "call"  # up: call it
    PROBE = "probe"  # down, and a probe is due: try to become the one prober
    HOLD = "hold"  # down: put the request back without calling


def gate(health: PartnerHealth, now: float) -> Gate:
    if not health.down:
        return Gate.CALL
    return Gate.PROBE if now >= health.probe_at else Gate.HOLD


def after_failure(health: PartnerHealth, now: float, *, trip_after: int, probe_seconds: float) -> PartnerHealth:
    """A passing failure (5xx, timeout): one more in the row; the one that reaches ``trip_after`` marks it down."""
    failures = health.failures + 1
    if health.down:
        return PartnerHealth(failures, health.down_since, max(health.probe_at, now + probe_seconds), health.backlog)
    if failures >= trip_after:
        return PartnerHealth(failures, now, now + probe_seconds, health.backlog)
    return PartnerHealth(failures, None, health.probe_at, health.backlog)


def after_answer(health: PartnerHealth) -> PartnerHealth:
    """The partner answered (linked, accepted or refused): it is up and the row of failures ends."""
    return PartnerHealth(0, None, 0.0, health.backlog)


def hold_delay(first_sent_at: float, now: float, *, probe_seconds: float, cap: float, draw: float) -> int:
    """Whole seconds a request for a down partner waits before it looks again: a probe period at first, then a
    quarter of the time it has waited (at most ``cap``), so a long outage costs few receives per request and a
    short one keeps them close behind the probe. Jitter in [¾, 1¼] spreads them when the partner is back."""
    nominal = min(cap, max(probe_seconds, (now - first_sent_at) / 4))
    return int(min(MAX_VISIBILITY_SECONDS, max(1, math.ceil(nominal * (0.75 + 0.5 * draw)))))


# --- Rate limits ----------------------------------------------------------------------------------------------
def parse_rate_limits(text: str) -> dict[str, int]:
    """``"ntpc=20,klcpl=10"`` → {"ntpc": 20, "klcpl": 10}; every rate a whole number of requests per second ≥ 1."""
    limits: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if not name.strip() or not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"partner rate limit {part!r} is not partner=requests-per-second (at least 1)")
        limits[name.strip()] = int(value)
    return limits


def rate_wait_delay(count: int, limit: int, draw: float) -> int:
    """Whole seconds a request over the rate waits: the ``count``-th in a second of ``limit`` has
    ``count - limit - 1`` before it waiting too, which the partner takes ``(count - limit - 1) / limit`` seconds to
    receive; one second more and jitter."""
    ahead = max(0, count - limit - 1) / limit
    return int(min(MAX_VISIBILITY_SECONDS, math.ceil(1 + ahead + draw)))


def slot_window(now: float, margin: float) -> tuple[int, float]:
    """The whole second a call may take a slot in, and how long to wait first: a call about to start in the last
    ``margin`` of a second could reach the partner in the next one, so it takes a slot of the next second."""
    window = math.floor(now)
    if window + 1 - now < margin:
        return window + 1, window + 1 - now
    return window, 0.0
