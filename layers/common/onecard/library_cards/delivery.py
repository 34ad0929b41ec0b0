"""The library system's writes, taken from its queue with the partners' manners: its circuit breaker (shared by all
workers, as a partner's), its agreed rate (the same per-second counters), retries with backoff for the link
requests' time budget; and idempotent: a worker holds the reader's lease, looks the patron up before it creates
one, and brings it to what the reader's record says now, so a retry or a message delivered twice never makes a
second patron. A card holder's patron record is read the same way (the phones a login's SIP2 answer cannot
tell). No AWS import here: the parts are handed in.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onecard.ils.records import (
    DeletionRefused,
    LibrarySystemUnavailable,
    PasswordRefused,
    PatronCategory,
    PatronConflict,
    PatronRecord,
    PatronRecords,
    PatronRefused,
    StoredPatron,
)
from onecard.library_cards import LIBRARY_SYSTEM_PARTNER, READ_RECORD, password_associated_data
from onecard.library_cards.patron_record import CARD_WAITING, changes_needed, patron_record, wanted_category
from onecard.links import retry_policy
from onecard.links.manners import Answered, Cause, Manners, OutOfBudget, OverRate, PoliteCall, Quiet
from onecard.observability import logger

LIBRARY_SYSTEM = LIBRARY_SYSTEM_PARTNER
LEASE_SECONDS = 60


@dataclass
class DeliveryDependencies:
    repository: Any
    """LibraryCardRepository."""
    readers: Any
    """ReaderRepository (get_profile)."""
    records: Callable[[], PatronRecords]
    decrypt: Callable[[dict[str, str], str], str]
    breakers: Any
    """PartnerBreakers (onecard.infra.partner_health)."""
    rate_counter: Any
    """PartnerRateCounter."""
    manners: Manners
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    draw: Callable[[], float]
    holder: str
    """Who holds the lease (the invocation's id)."""
    valid_years: int = 2
    iso: Callable[[float], str] = lambda epoch: ""
    from_record: Callable[[dict[str, Any], StoredPatron, float], Any] = lambda profile, stored, now: None
    """What a card holder's patron record changes of their profile, read at ``now`` (a Refreshed, or None:
    onecard.readers.library_refresh.from_record)."""


@dataclass(frozen=True)
class Outcome:
    """``wait``: put back for that many seconds (``why``); otherwise done (``result`` says how)."""

    result: str
    wait: int | None = None
    why: str | None = None
    failed_for_good: bool = False


class LeaseBusy(Exception):
    """Another worker is writing this reader's patron right now."""


class _Paced:
    """The library system, each call of it taking a slot of its agreed rate first (all workers together): a call
    that finds the second's slots taken waits for the next second when it is close, otherwise gives up the
    message (OverRate) to come back at its turn."""

    def __init__(self, records: PatronRecords, deps: DeliveryDependencies):
        self._records, self._deps = records, deps

    def _slot(self) -> None:
        limit = self._deps.manners.rate_per_second
        if limit is None:
            return
        for attempt in range(2):
            now = self._deps.clock()
            second, wait = retry_policy.slot_window(now, 0.05)
            if wait:
                self._deps.sleep(wait)
            count = self._deps.rate_counter.take(LIBRARY_SYSTEM, second)
            if count <= limit and math.floor(self._deps.clock()) == second:
                return
            if count > limit and (attempt or count > 2 * limit):
                raise OverRate(count, second)
            self._deps.sleep(max(0.0, second + 1 - self._deps.clock()))  # the next second is near: wait for it
        raise OverRate(limit + 1, math.floor(self._deps.clock()))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        call = getattr(self._records, name)

        def paced(*args: Any, **kwargs: Any) -> Any:
            self._slot()
            return call(*args, **kwargs)

        return paced


def handle(
    message: dict[str, Any], first_sent_at: float, deps: DeliveryDependencies, receive_count: int = 1
) -> Outcome:
    """One message of the library-card queue: the breaker, then the write (each call at the agreed rate). A write's
    first wait counts it in the library system's backlog (which spreads the held writes' looks, as a partner's), and
    its end after waiting takes it out."""
    polite = PoliteCall(
        LIBRARY_SYSTEM,
        deps.manners,
        deps.breakers,
        deps.clock,
        deps.draw,
        unavailable=(LibrarySystemUnavailable,),
        watcher=_Watcher(),
        hold_after_tripping=True,
    )
    outcome = _handle(message, first_sent_at, deps, polite)
    polite.count_in_backlog(outcome.wait is not None, receive_count)
    return outcome


class _Watcher(Quiet):
    def tripped(self, failures: int) -> None:
        logger.warning("library system marked down", extra={"failures": failures})

    def back(self, down_seconds: int) -> None:
        logger.info("library system back", extra={"down_seconds": down_seconds})


def _handle(message: dict[str, Any], first_sent_at: float, deps: DeliveryDependencies, polite: PoliteCall) -> Outcome:
    try:
        decided = polite.deliver(first_sent_at, lambda probe: _with_lease(message, deps))
    except LeaseBusy:
        return Outcome("busy", max(1, int(deps.manners.probe_seconds) // 10), "queued")
    if isinstance(decided, Answered):
        return Outcome(decided.result)
    if isinstance(decided, OutOfBudget):
        why = decided.why if decided.cause is Cause.UNAVAILABLE else "the library system was down past the retry budget"
        return _failed_for_good(message, deps, why)
    if decided.cause is Cause.OVER_RATE:
        return Outcome("over rate", decided.seconds, "rate")
    if decided.cause is Cause.HELD:
        return Outcome("held", decided.seconds, "down")
    with contextlib.suppress(Exception):  # only words for the counter: the retry matters, not this write
        deps.repository.record_waiting(message["reader_id"], "unreachable")
    return Outcome("unavailable", decided.seconds, "down" if decided.down else "unreachable")


def _failed_for_good(message: dict[str, Any], deps: DeliveryDependencies, why: str) -> Outcome:
    if message.get("action") == READ_RECORD:  # nothing is lost: the reader's next login asks for another read
        logger.info("library system record not read", extra={"request_id": message["request_id"], "why": why})
        return Outcome("not read")
    logger.warning("library system write failed for good", extra={"request_id": message["request_id"], "why": why})
    if message.get("action") == "sync":
        with contextlib.suppress(Exception):
            deps.repository.record_refused(message["reader_id"], "failed", None, deps.iso(deps.clock()))
    return Outcome("failed", failed_for_good=True)


def _with_lease(message: dict[str, Any], deps: DeliveryDependencies) -> str:
    reader_id = message["reader_id"]
    if not deps.repository.take_lease(reader_id, deps.holder, deps.clock(), LEASE_SECONDS):
        raise LeaseBusy()
    try:
        records = _Paced(deps.records(), deps)
        if message.get("action") == "delete":
            return _delete(message, records)
        if message.get("action") == READ_RECORD:
            return _read_record(message["reader_id"], records, deps)
        return _sync(message, records, deps)
    finally:
        deps.repository.release_lease(reader_id, deps.holder)


def _delete(message: dict[str, Any], records: Any) -> str:
    """An expired or rejected application's provisional patron goes; a full card is never deleted this way."""
    patron: StoredPatron | None = None
    if message.get("patron_id"):
        patron = records.get_patron(message["patron_id"])
    if patron is None:
        patron = records.find_patron(external_id=message["reader_id"])
    if patron is None:
        return "nothing to delete"
    if patron.record.category is not PatronCategory.PROVISIONAL:
        logger.warning("not deleting a patron that may borrow", extra={"request_id": message["request_id"]})
        return "kept: not provisional"
    try:
        records.delete_patron(patron.patron_id)
    except DeletionRefused as refused:
        logger.warning("library system kept a provisional patron", extra={"code": refused.code})
        return f"kept: {refused.code}"
    return "deleted"


def _read_record(reader_id: str, records: Any, deps: DeliveryDependencies) -> str:
    """A card holder's phones from their patron record, for what a login's SIP2 answer could not tell; written
    only while this service's copy of what it changes is as read."""
    profile = deps.readers.get_profile(reader_id)
    patron_id = (profile or {}).get("library_patron_id")
    if not patron_id:
        return "nothing to read"
    stored = records.get_patron(str(patron_id))
    if stored is None:
        return "not in the library system"
    refreshed = deps.from_record(profile, stored, deps.clock())
    if refreshed is None:
        return "unchanged"
    watched = [name for name in refreshed.changes if name in ("mobile", "phone_home", "library_updated_on")]
    if not deps.readers.refresh_unless_changed(profile, refreshed, watched):
        return "corrected here meanwhile"
    return "refreshed"


def _find(records: Any, state: dict[str, Any], reader_id: str, wanted: PatronRecord) -> StoredPatron | None:
    """Looked up before any create: by the patron id already known, else by this reader's id (a create whose
    answer was lost), else by the ID number (a reader whom a counter typed into the library system by hand before
    this service wrote there: that patron is theirs)."""
    patron = records.get_patron(state["patron_id"]) if state.get("patron_id") else None
    patron = patron or records.find_patron(external_id=reader_id)
    if patron is None and wanted.id_number:
        patron = records.find_patron(id_number=wanted.id_number)
    return patron


def _sync(message: dict[str, Any], records: Any, deps: DeliveryDependencies) -> str:
    reader_id, repo = message["reader_id"], deps.repository
    state = repo.state(reader_id) or {}
    if state.get("pending_request") not in (None, message["request_id"]):
        return "superseded"  # a newer write waits for this reader: it brings the patron up to date
    profile = deps.readers.get_profile(reader_id)
    category = wanted_category(profile) if profile else None
    if profile is None or category is None:
        return "nothing to write"  # erased, expired or rejected: its deletion is a message of its own
    at = deps.iso(deps.clock())
    wanted = patron_record(
        profile,
        category,
        id_number=deps.decrypt(profile["id_number_encrypted"], f"{reader_id}:id_number"),
        register_number=deps.decrypt(profile["household"]["register_number_encrypted"], f"{reader_id}:register_number")
        if (profile.get("household") or {}).get("register_number_encrypted")
        else None,
        valid_years=deps.valid_years,
    )
    try:
        patron = _find(records, state, reader_id, wanted)
        if patron is None:
            patron = records.create_patron(wanted, confirmed_not_duplicate=bool(message.get("confirmed_not_duplicate")))
        else:
            changes = changes_needed(patron.record, wanted)
            if changes is not None:
                patron = records.update_patron(patron.patron_id, changes)
    except PatronConflict as conflict:
        repo.record_refused(reader_id, conflict.kind, None, at)
        if conflict.kind == "duplicate":
            review = profile.get("review") or {}
            repo.send_to_review(
                reader_id, at, list(review.get("resembles") or []) if review.get("status") == "open" else []
            )
        return f"refused: {conflict.kind}"
    except PatronRefused as refused:
        repo.record_refused(reader_id, "data", refused.reason, at)
        return "refused: data"
    if profile.get(CARD_WAITING):  # the card the counter gave in place of another: the library system has it now
        repo.card_delivered(reader_id, profile[CARD_WAITING])
    result = "held"
    sealed = repo.password(reader_id)
    if sealed is not None:
        result = _deliver_password(profile, sealed, patron, records, deps, at)
    repo.record_held(reader_id, message["request_id"], patron.patron_id, category.value, at)
    if result != "held":
        repo.record_refused(reader_id, "password", result, at)
    return "held"


def _deliver_password(
    profile: dict[str, Any],
    sealed: dict[str, Any],
    patron: StoredPatron,
    records: Any,
    deps: DeliveryDependencies,
    at: str,
) -> str:
    """The password chosen here, set in the library system, then forgotten here: its sealed copy and the hash."""
    reader_id = profile["reader_id"]
    password = deps.decrypt(sealed["password_encrypted"], password_associated_data(reader_id))
    try:
        records.set_password(patron.patron_id, password)
    except PasswordRefused as refused:
        deps.repository.forget_password(reader_id)  # the reader keeps logging in here until it is reset
        return refused.reason
    finally:
        del password
    if not deps.repository.password_delivered(profile, sealed, at, int(deps.clock())):
        logger.info("password changed here meanwhile; the next write sets it", extra={"reader_id": reader_id})
    return "held"
