"""When a link request is tried again, when it gives up, and when a partner counts as down: pure rules, no AWS.

- A request is tried until a time budget has passed since it was first sent (not a number of tries). After a
  passing failure it waits as long as it has already waited (so the waits double: base, base, 2·base, 4·base, …),
  at least ``base`` and at most ``cap``, with jitter in [½, 1] of that, and never past the budget's end (the last
  try is at the deadline).
- A partner's circuit breaker: after ``trip_after`` passing failures in a row it is down; requests for it are held
  without calling it, and one probe every ``probe_seconds`` finds out when it is back. A held request looks again
  after a probe period at first, so that when the partner is back its backlog comes back close behind the probe;
  longer only as far as the outage's length (the queue's receive limit) or the backlog's size (worker time) ask.
- A partner's agreed rate: a request over the rate waits for the second in which its turn comes, counting those
  refused before it in the same second, so that the partner receives its full rate every second of a drain; with
  a large backlog, a drawn share of the backlog's spread after that, so that the backlog does not ask as fast as
  the workers can receive it.
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


# A held request looks again after at most this share of the time its partner has been down: after a long outage
# the held requests are back within 2.5 % of it, and a request held through a whole budget of 3 days is received
# about 430 times (565 with the shortest jitter), within the queue's maxReceiveCount of 1000.
HOLD_SHARE_OF_OUTAGE = 1 / 40
# A partner's backlog spread is the time its waiting requests take to wake at this many times its agreed rate. Held
# requests wake over it (about twice the rate in all), requests over the rate within it after their turn (about
# four times): the worker time and queue receives of a backlog stay a small multiple of the partner's rate however
# large it grows, and it still asks often enough for the partner to receive its full rate every second.
WAKES_PER_RATE = 2


def backlog_spread(backlog: int, rate: int | None) -> float:
    """Seconds over which a partner's ``backlog`` of waiting requests is spread so that they wake at
    ``WAKES_PER_RATE`` × its rate (none for a partner without an agreed rate)."""
    return max(0, backlog) / (WAKES_PER_RATE * rate) if rate else 0.0


def hold_nominal(down_for: float, *, backlog: int, rate: int | None, probe_seconds: float, cap: float) -> float:
    """Seconds a request held for a partner down for ``down_for`` seconds waits, before jitter: a probe period, or
    a share of the outage so far, or its backlog's spread, whichever is longest; at most ``cap``."""
    spread = backlog_spread(backlog, rate)
    return max(0.0, min(cap, max(probe_seconds, down_for * HOLD_SHARE_OF_OUTAGE, spread)))


def hold_delay(
    down_for: float,
    *,
    backlog: int,
    rate: int | None,
    probe_seconds: float,
    cap: float,
    until_deadline: float,
    draw: float,
) -> int:
    """Whole seconds a request for a down partner waits before it looks again (the nominal wait with jitter in
    [¾, 1¼], so the held requests wake spread out rather than together), never past the budget's end. A hold is
    not a try: it costs a receive and nothing of the budget's tries."""
    nominal = hold_nominal(down_for, backlog=backlog, rate=rate, probe_seconds=probe_seconds, cap=cap)
    delay = max(1, math.ceil(nominal * (0.75 + 0.5 * draw)))
    return int(min(MAX_VISIBILITY_SECONDS, delay, max(1, math.ceil(until_deadline))))


def hold_schedule(
    outage: float, *, backlog: int, rate: int | None, probe_seconds: float, cap: float, draw: float
) -> list[float]:
    """Seconds into an outage of every look of a request held from its start (one ``draw`` for all): for
    documentation and tests (how many receives an outage costs, how late a request looks after it ends)."""
    looks, at = [0.0], 0.0
    while at < outage:
        at += hold_delay(
            at,
            backlog=backlog,
            rate=rate,
            probe_seconds=probe_seconds,
            cap=cap,
            until_deadline=MAX_VISIBILITY_SECONDS,
            draw=draw,
        )
        looks.append(at)
    return looks


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


def rate_turn(count: int, limit: int, second: int) -> int:
    """The second in which the ``count``-th caller of ``second`` (over the partner's ``limit``) finds a slot free:
    the ``count - limit - 1`` refused before it take the next seconds' slots first, ``limit`` a second."""
    return second + 1 + max(0, count - limit - 1) // limit


def rate_wait_delay(count: int, limit: int, second: int, now: float, *, backlog: int, cap: float, draw: float) -> int:
    """Whole seconds (SQS's unit) a request refused a slot in ``second`` waits: it comes back inside its turn's
    second, at the same fraction of a second as ``now``. The refusals of one second happen spread over it, so the
    requests that share a turn come back spread over their second too (SQS cannot place them any finer).

    When the partner has a large backlog, the request comes back a whole number of seconds after its turn, drawn
    evenly from its backlog's spread less a second (at most ``cap``): the backlog then asks at about four times the
    rate, spread over the seconds, rather than as fast as the workers can receive it. A backlog under four times
    the rate (a spread under 2 s) comes back exactly at its turns, so the partner is never left idle while its last
    requests wait."""
    turn = max(1, rate_turn(count, limit, second) - math.floor(now))
    after_turn = math.floor(draw * max(0.0, min(cap, backlog_spread(backlog, limit)) - 1))
    return int(min(MAX_VISIBILITY_SECONDS, turn + after_turn))


def slot_window(now: float, margin: float) -> tuple[int, float]:
    """The whole second a call may take a slot in, and how long to wait first: a call about to start in the last
    ``margin`` of a second could reach the partner in the next one, so it takes a slot of the next second."""
    window = math.floor(now)
    if window + 1 - now < margin:
        return window + 1, window + 1 - now
    return window, 0.0
