"""The partners' manners around one delivery's call, the same for a partner and for the library system: the
circuit breaker shared by all workers (held while down, one elected probe), the call (which keeps the agreed rate
itself and says so with OverRate), a passing failure counted towards tripping the breaker and tried again with
backoff, all within the time budget since the request was first sent; and the backlog of waiting requests that
spreads a held backlog's looks. Pure: the breakers, the clock and the draws come in. When and how long: retry_policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from onecard.links import retry_policy


@dataclass(frozen=True)
class Manners:
    """The partners' manners, from the template's parameters (LinkRetry*, PartnerTripAfterFailures,
    PartnerProbeSeconds, and the partner's entry in PartnerRateLimits)."""

    rate_per_second: int | None
    trip_after: int = 5
    probe_seconds: float = 30
    retry_base: float = 30
    retry_cap: float = 900
    retry_for: float = 259_200

    @classmethod
    def of(cls, settings: Any, partner: str) -> Manners:
        return cls(
            rate_per_second=settings.partner_rates().get(partner),
            trip_after=settings.partner_trip_after_failures,
            probe_seconds=settings.partner_probe_seconds,
            retry_base=settings.link_retry_base_seconds,
            retry_cap=settings.link_retry_max_delay_seconds,
            retry_for=settings.link_retry_for_seconds,
        )


class OverRate(Exception):
    """The partner has had its agreed calls in this second: this was the ``place``-th ask in ``second``."""

    def __init__(self, place: int, second: int):
        super().__init__(f"ask {place} in second {second}")
        self.place, self.second = place, second


class Cause(Enum):
    HELD = "held"  # the partner is down: not called
    OVER_RATE = "over rate"
    UNAVAILABLE = "unavailable"  # a passing failure (5xx, timeout, connection)
    BACKING_OFF = "backing off"  # the caller's own reason to try again later


@dataclass(frozen=True)
class Answered:
    result: Any


@dataclass(frozen=True)
class Wait:
    """Put back for ``seconds``; ``why`` is the failure's own words for UNAVAILABLE and BACKING_OFF; ``down``: the
    partner is down, and the request waits with the held ones."""

    seconds: int
    cause: Cause
    why: str = ""
    down: bool = False


@dataclass(frozen=True)
class OutOfBudget:
    """The request's time budget has passed: it fails for good (``why``: what it last met)."""

    cause: Cause
    why: str = ""


Decision = Answered | Wait | OutOfBudget


class Watcher(Protocol):
    """What the manners met, for the caller's logs and metrics."""

    def held(self, down_for: float) -> None: ...
    def over_rate(self) -> None: ...
    def tripped(self, failures: int) -> None: ...
    def back(self, down_seconds: int) -> None: ...


class Quiet:
    def held(self, down_for: float) -> None:
        pass

    def over_rate(self) -> None:
        pass

    def tripped(self, failures: int) -> None:
        pass

    def back(self, down_seconds: int) -> None:
        pass


@dataclass
class PoliteCall:
    """One partner's manners for one delivery. ``hold_after_tripping``: a failure that leaves the partner down (the
    one that tripped it, or a failed probe) waits with the held requests rather than after the backoff."""

    partner: str
    manners: Manners
    breakers: Any
    """PartnerBreakers: what all workers know of each partner's health, and its backlog."""
    clock: Callable[[], float]
    draw: Callable[[], float]
    unavailable: tuple[type[Exception], ...]
    watcher: Watcher = field(default_factory=Quiet)
    hold_after_tripping: bool = False

    def deliver(self, sent_at: float, call: Callable[[bool], Any]) -> Decision:
        """``call(probe)`` makes the delivery's call (a probe of a down partner should make one try only). An
        exception neither OverRate nor ``unavailable`` goes to the caller, with the breaker left as it was."""
        m, partner, now = self.manners, self.partner, self.clock()
        health = self.breakers.read(partner)
        decision = retry_policy.gate(health, now)
        if decision is retry_policy.Gate.PROBE and not self.breakers.elect_prober(
            partner, health, now, m.probe_seconds
        ):
            decision = retry_policy.Gate.HOLD
        if decision is retry_policy.Gate.HOLD:
            self.watcher.held(now - float(health.down_since or now))
            if retry_policy.out_of_budget(sent_at, now, m.retry_for):
                return OutOfBudget(Cause.HELD)
            return Wait(self._hold_delay(health, now, sent_at), Cause.HELD, down=True)
        try:
            result = call(decision is retry_policy.Gate.PROBE)
        except OverRate as over:
            self.watcher.over_rate()
            seconds = retry_policy.rate_wait_delay(
                over.place,
                m.rate_per_second or 1,
                over.second,
                self.clock(),
                backlog=health.backlog,
                cap=m.retry_cap,
                draw=self.draw(),
            )
            return Wait(seconds, Cause.OVER_RATE)
        except self.unavailable as error:
            now = self.clock()
            after, tripped = self.breakers.record_failure(
                partner, now, trip_after=m.trip_after, probe_seconds=m.probe_seconds
            )
            if tripped:
                self.watcher.tripped(after.failures)
            if self.hold_after_tripping and after.down and not retry_policy.out_of_budget(sent_at, now, m.retry_for):
                return Wait(self._hold_delay(after, now, sent_at), Cause.UNAVAILABLE, str(error), down=True)
            return self.backing_off(sent_at, now, str(error), Cause.UNAVAILABLE)
        if health.failures or health.down:
            down_since = self.breakers.record_answer(partner)
            if down_since is not None:
                self.watcher.back(round(self.clock() - down_since))
        return Answered(result)

    def backing_off(self, sent_at: float, now: float, why: str, cause: Cause = Cause.BACKING_OFF) -> Decision:
        """Tried again after the backoff, unless the budget has passed."""
        m = self.manners
        if retry_policy.out_of_budget(sent_at, now, m.retry_for):
            return OutOfBudget(cause, why)
        seconds = retry_policy.retry_delay(
            sent_at, now, base=m.retry_base, cap=m.retry_cap, retry_for=m.retry_for, draw=self.draw()
        )
        return Wait(seconds, cause, why)

    def count_in_backlog(self, waits: bool, receive_count: int) -> None:
        """A request's first wait counts it in the partner's backlog; its end after waiting takes it out."""
        if waits and receive_count == 1:
            self.breakers.add_to_backlog(self.partner, 1)
        elif not waits and receive_count > 1:
            self.breakers.add_to_backlog(self.partner, -1)

    def _hold_delay(self, health: Any, now: float, sent_at: float) -> int:
        m = self.manners
        return retry_policy.hold_delay(
            now - float(health.down_since or now),
            backlog=health.backlog,
            rate=m.rate_per_second,
            probe_seconds=m.probe_seconds,
            cap=m.retry_cap,
            until_deadline=retry_policy.deadline(sent_at, m.retry_for) - now,
            draw=self.draw(),
        )
