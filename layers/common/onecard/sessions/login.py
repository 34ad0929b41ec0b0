"""個人書房 login. A reader who applied here is checked against the password hash held here; anyone else against the
library system, which holds existing card holders' passwords. Every failure looks alike and counts towards one
lockout.

One lockout per card holder, whichever field they type into: the value typed is counted under every account it
could be (an ID number's blind index, under each live key version, and a card barcode's), the reader's own account
when they are known here, and, once the library system has said whose card it is, the patron's accounts too. A lock
is set on all of them at once, so that a locked card holder's guesses never reach the library system by either
field.

Every attempt is counted *before* its password is checked (the claim): the login reads the reader's pointer with
the lockout items and the per-address counter (one BatchGetItem), then writes the attempt against the items as
read, with the address's hit (one transaction). Of simultaneous attempts on one account only one is written that
way; the others count the reserve-first way (Lockout.reserve_attempt). So however many attempts arrive at once, no
more than MAX_FAILURES passwords are verified or sent to the library system in a window. A right password gives
its attempt (and the failures before it) back in the write of its session, removing the lockout items it left as
they are (so the next login finds none, and its claim needs no more than that); a wrong one leaves it counted, and
the one that fills the window locks. A successful login of a reader who applied here makes three requests: the
read, the claim, the session. So does a known card holder's, by either field: the barcode pointer names the
reader's own account, counted in the claim, and the profile is read while the library system checks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from onecard.domain.identity import normalise_barcode, normalise_id_number
from onecard.ils import LibrarySystemUnavailable
from onecard.observability import logger
from onecard.readers.library_patrons import LIBRARY_SYSTEM, holds_password, library_unavailable
from onecard.security.passwords import dummy_hash, verify_password
from onecard.sessions.lockout import LOCK_SECONDS, MAX_FAILURES
from onecard.sessions.password_check import LOCKED
from onecard.sessions.store import Session
from onecard.web import problems

LOGIN_FAILED = "證號、借閱證條碼或密碼錯誤 (Wrong ID number, card barcode or password)"
TOO_MANY = "登入嘗試過於頻繁，請稍後再試"
NO_ID_NUMBER = "圖書館系統未提供您的證號，請改以證號登入 (Please log in with your ID number)"


@dataclass(frozen=True)
class Credentials:
    """Who logs in: by ID number (證號) or by card barcode (借閱證條碼), and the password."""

    password: str
    id_number: str | None = None
    card_barcode: str | None = None


@dataclass(frozen=True)
class Admission:
    """The per-address login limit: its counter's key (read with the reader), the verdict from the counter as
    read, its hit as a transaction action against the counter as read (written with the attempt's claim), and a
    hit on its own (when the counter changed since it was read)."""

    key: dict[str, Any]
    verdict: Callable[[dict[str, Any] | None], Any]
    hit_action: Callable[[dict[str, Any] | None], dict[str, Any]]
    hit: Callable[[], Any]


@dataclass
class LoginDependencies:
    sessions: Any
    """SessionStore."""
    lockout: Any
    """Lockout."""
    records: Any
    """LoginRecords: the reads and the writes."""
    admission: Admission
    identity_index: Callable[[str], Any]
    """An ID number's blind index (or its indexes under every live key version: Indexes)."""
    barcode_index: Callable[[str], str]
    """The lockout's account for a card barcode."""
    clock: Callable[[], float]
    library: Callable[[], Any] = lambda: None
    """The library system (LibrarySystem), where existing card holders and their passwords are; None: none.
    Asked for only when a login needs it, so readers who applied here log in whatever its state."""
    adopt_patron: Callable[[Any, str], dict[str, Any]] = lambda patron, number: {}
    """Keeps the reader record of a card holder the library system vouched for and who is new here; the profile."""
    refresh_actions: Callable[[dict[str, Any], Any], tuple[list[dict[str, Any]], dict[str, Any]]] = (
        lambda profile, patron: ([], profile)
    )
    """What the library system says of a known card holder now, as actions for the login's write (none when
    nothing changed: the record, its audit entries), and the profile as it will be."""
    password_wanted: Callable[[str, str, str], None] = lambda reader_id, password, password_hash: None
    """A reader brought into the library system by the operators' command typed their password here, which matched
    ``password_hash``: it goes to the library system (onecard.library_cards.migration)."""


_background: ThreadPoolExecutor | None = None


def _in_background(work: Callable[[], Any]) -> Future:
    """Reads a card holder's profile while the library system checks the password (the SDK's network calls
    release the GIL)."""
    global _background
    if _background is None:
        _background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="login")
    return _background.submit(work)


def _each(index: Any) -> list[str]:
    """An identity's accounts: one index, or one per live key version during a rotation of the blind-index key."""
    return [index] if isinstance(index, str) else list(index)


@dataclass
class _Attempt:
    at: int
    rate: dict[str, Any]
    locks: dict[str, dict[str, Any]]
    """Each account the attempt counts under, and its lockout item as read ({} for none)."""
    claimed: dict[str, int] = field(default_factory=dict)
    """Each account the attempt was counted under before its check, and the attempts its window then held."""
    left: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The lockout item as the attempt's claim wrote it, where the claim wrote a known state (for a right
    password's give-back: Lockout.cleared_action)."""
    guessed: set[str] = field(default_factory=set)
    """Accounts counted without their lockout item read first, taken to have none (the reader's own account,
    named by the barcode pointer): their claim fails when there is one, which is then read (_claim)."""
    also_locked: set[str] = field(default_factory=set)
    """The card holder's other accounts, locked with these when the attempt sets a lock."""
    rotating: bool = False
    """During a rotation of the blind-index key an identity has an account under each live index: every attempt
    is counted under each, even while one is locked (password_check.check_password says why), so a rotation
    neither resets nor splits a lock."""

    def read(self, accounts: list[str], items: list[dict[str, Any]]) -> None:
        for account, item in zip(accounts, items, strict=True):
            self.locks.setdefault(account, item)


def login(credentials: Credentials, deps: LoginDependencies) -> tuple[str, Session]:
    at = int(deps.clock())
    by_id = credentials.id_number is not None
    typed = (credentials.id_number if by_id else credentials.card_barcode) or ""
    identity = deps.identity_index(normalise_id_number(typed))
    # Every account the typed value could be: the library system finds a patron by either.
    accounts = list(dict.fromkeys([*_each(identity), deps.barcode_index(normalise_barcode(typed))]))
    keys = [deps.admission.key, *(deps.lockout.key(account) for account in accounts)]
    if by_id:
        found = deps.records.by_identity(identity, keys)
    else:
        found = deps.records.by_barcode(normalise_barcode(typed), keys)
    attempt = _Attempt(at, found.items[0], dict(zip(accounts, found.items[1:], strict=True)))
    attempt.rotating = len(_each(identity)) > 1
    _refuse_when_limited(attempt, deps)
    copied_hash = found.pointer.get("password_hash") if by_id else None
    if copied_hash and found.reader_id:
        return _with_hash_on_guard(found, copied_hash, credentials, attempt, deps)
    card_holder = found.reader_id is not None and found.pointer.get("password_source") == LIBRARY_SYSTEM
    own = found.pointer.get("identity_index")
    profile, read_profile = None, None
    if found.reader_id is not None and card_holder and (by_id or own):  # read while the library system checks
        reader_id = found.reader_id
        if own and own not in attempt.locks:
            # The reader's own account, which the barcode pointer names, is counted with the others; its item
            # is taken to be absent (a right password removes it) and read only when it is there.
            attempt.locks[own] = {}
            attempt.guessed.add(own)

        def read_profile() -> dict[str, Any] | None:
            return deps.records.profile(reader_id, [])[0]

    elif found.reader_id is not None:
        profile = _profile(found, attempt, deps)
    if profile is not None and not holds_password(profile):  # applied here: the hash held here decides
        return _with_password_hash(profile, credentials.password, attempt, deps, found.pointer if by_id else None)
    library = deps.library()
    if library is None:  # no library system: an unknown identifier fails as slowly as a wrong password
        return _with_password_hash(None, credentials.password, attempt, deps)
    identifier = normalise_id_number(typed) if by_id else normalise_barcode(typed)
    return _with_library(library, identifier, credentials, profile, read_profile, attempt, deps)


def _refuse_when_limited(attempt: _Attempt, deps: LoginDependencies) -> None:
    verdict = deps.admission.verdict(attempt.rate or None)
    if not verdict.allowed:
        raise problems.TooManyRequests(TOO_MANY, retry_after_seconds=verdict.retry_after_seconds)
    if attempt.rotating:  # counted under each index first, then refused while any is locked (_claim)
        return
    wait = max((deps.lockout.retry_after(item, attempt.at) for item in attempt.locks.values()), default=0)
    if wait > 0:
        raise problems.TooManyRequests(LOCKED, retry_after_seconds=wait)


def _profile(found: Any, attempt: _Attempt, deps: LoginDependencies) -> dict[str, Any] | None:
    """The reader's profile, and their own account's lockout (by identity index: read with the profile when the
    pointer names it, otherwise after it), counted with the others and refused while locked."""
    index = found.pointer.get("identity_index")
    first = [index] if index and index not in attempt.locks else []
    profile, items = deps.records.profile(found.reader_id, [deps.lockout.key(account) for account in first])
    attempt.read(first, items)
    if profile is None:
        return None
    own = profile["identity_index"]
    if own not in attempt.locks:
        attempt.read([own], deps.records.sessions_items([deps.lockout.key(own)]))
    if holds_password(profile) and profile.get("card_barcode"):
        attempt.also_locked.add(deps.barcode_index(profile["card_barcode"]))
    _refuse_when_limited(attempt, deps)
    return profile


def _settle(work: Future | None) -> None:
    """Waits for background work whose answer is not needed."""
    if work is not None:
        with contextlib.suppress(Exception):  # the answer is not used
            work.result()


def _claim(attempt: _Attempt, deps: LoginDependencies) -> None:
    """Counts the attempt under each of its accounts before its password is checked (see above); the 429 problem
    when an account allows no check now, or the address's logins of this minute are used up."""
    if attempt.claimed:
        return
    while not attempt.rotating:
        claims = {
            account: deps.lockout.claim_action(account, attempt.at, item) for account, item in attempt.locks.items()
        }
        if not all(claims.values()):
            break
        hit = deps.admission.hit_action(attempt.rate or None)
        codes = deps.records.commit([hit, *(claim[0] for claim in claims.values() if claim)])
        if codes is None:
            attempt.claimed = {account: claim[1] for account, claim in claims.items() if claim}
            attempt.left = {account: claim[2] for account, claim in claims.items() if claim}
            return
        if codes[0] != "None":  # the address's counter changed since it was read: its hit decides (below)
            break
        there = [a for a, code in zip(claims, codes[1:], strict=False) if a in attempt.guessed and code != "None"]
        if not there:
            break
        # An account taken to have no lockout item has one: read, refused while it allows no check (nothing was
        # counted), and counted against it as read.
        attempt.guessed -= set(there)
        for account, item in zip(there, deps.records.sessions_items([deps.lockout.key(a) for a in there]), strict=True):
            attempt.locks[account] = item
        _refuse_when_limited(attempt, deps)
    # Another attempt on one of these accounts changed its lockout since it was read: reserve first.
    verdict = deps.admission.hit()
    if not verdict.allowed:
        raise problems.TooManyRequests(TOO_MANY, retry_after_seconds=verdict.retry_after_seconds)
    waits = []
    for account in attempt.locks:
        wait, attempts = deps.lockout.reserve_attempt(account, attempt.at)
        if wait and not attempt.rotating:
            _give_back(attempt, deps)  # the accounts reserved already: no check is made
            raise problems.TooManyRequests(LOCKED, retry_after_seconds=wait)
        waits.append(wait)
        if not wait:
            attempt.claimed[account] = attempts
    if any(waits):  # a rotation's attempt stays counted under the others
        raise problems.TooManyRequests(LOCKED, retry_after_seconds=max(waits))


def _clearing(
    attempt: _Attempt, deps: LoginDependencies, exact: bool = False, after: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """A right password's actions: the attempt, and the failures before it, given back under each account (and
    under the accounts read only after the check, ``after``, the failures as read). ``exact``: the lockout
    items removed, on condition that they are still as this attempt left them (Lockout.cleared_action);
    otherwise given back by subtraction, which never fails."""
    after = after or {}
    if exact:
        left = {**{account: attempt.left.get(account) for account in attempt.claimed}, **after}
        if all(left.values()):
            return [deps.lockout.cleared_action(account, state) for account, state in left.items()]
    return [deps.lockout.give_back_action(account, attempt.at, n) for account, n in attempt.claimed.items()] + [
        deps.lockout.give_back_action(account, attempt.at, int(item.get("attempts", 0)))
        for account, item in after.items()
    ]


def _written(
    attempt: _Attempt,
    deps: LoginDependencies,
    actions: list[dict[str, Any]],
    after: dict[str, dict[str, Any]] | None = None,
) -> bool:
    """Writes ``actions`` (a session and what goes with it) with the right password's give-back, in one
    transaction: the exact one first (_clearing), and when another attempt changed a lockout item meanwhile,
    again by subtraction. False when one of ``actions`` was refused (nothing written)."""
    codes = deps.records.commit([*actions, *_clearing(attempt, deps, exact=True, after=after)])
    if codes is None:
        return True
    if all(code == "None" for code in codes[len(actions) :]):
        return False
    return deps.records.commit([*actions, *_clearing(attempt, deps, after=after)]) is None


def _give_back(attempt: _Attempt, deps: LoginDependencies) -> None:
    """A claimed check that was not made (the library system did not answer): not a failure."""
    actions = [deps.lockout.give_back_action(account, attempt.at) for account in attempt.claimed]
    if actions:
        deps.records.commit(actions)
    attempt.claimed = {}


def _failed(attempt: _Attempt, deps: LoginDependencies, after: list[str] | None = None) -> problems.Unauthenticated:
    """A wrong password: it stays counted; also under the accounts learnt only from the library system's answer
    (``after``). The failure that fills a window locks every account of the attempt and of the card holder."""
    after = after or []
    full = any(attempts >= MAX_FAILURES for attempts in attempt.claimed.values())
    for account in after:
        _, attempts = deps.lockout.reserve_attempt(account, attempt.at, attempt.locks.get(account))
        full = full or attempts >= MAX_FAILURES or deps.lockout.retry_after(attempt.locks[account], attempt.at) > 0
    if full:
        until = attempt.at + LOCK_SECONDS
        every = dict.fromkeys([*attempt.claimed, *after, *sorted(attempt.also_locked)])
        deps.records.commit([deps.lockout.mirrored_lock_action(account, until) for account in every])
    return problems.Unauthenticated(LOGIN_FAILED)


def _with_hash_on_guard(
    found: Any, copied_hash: str, credentials: Credentials, attempt: _Attempt, deps: LoginDependencies
) -> tuple[str, Session]:
    """A reader who applied here, found by an identity guard with a copy of their password hash: checked at once,
    and the session written only while the copy is still the profile's hash (otherwise the profile decides)."""
    password = credentials.password
    _claim(attempt, deps)
    if verify_password(copied_hash, password):
        token, session, put = deps.sessions.new(found.reader_id, attempt.at)
        still_theirs = deps.records.hash_unchanged(found.reader_id, copied_hash)
        if _written(attempt, deps, [put, still_theirs]):
            _hand_over(found.pointer, found.reader_id, password, copied_hash, deps)
            return token, session
    # A wrong password is counted only against the reader's real hash, too: the profile decides when the copy
    # is out of date (its check is the same attempt's).
    profile, _ = deps.records.profile(found.reader_id, [])
    if profile is not None and profile.get("password_hash") not in (None, copied_hash):
        return _with_password_hash(profile, password, attempt, deps, found.pointer)
    if profile is not None and holds_password(profile) and (library := deps.library()) is not None:
        # The password was handed to the library system while it was checked here (the hash went with it): the
        # library system decides now, within the same counted attempt.
        identifier = normalise_id_number(credentials.id_number or "")
        return _with_library(library, identifier, credentials, profile, None, attempt, deps)
    raise _failed(attempt, deps)


def _with_password_hash(
    profile: dict[str, Any] | None,
    password: str,
    attempt: _Attempt,
    deps: LoginDependencies,
    guard: dict[str, Any] | None = None,
) -> tuple[str, Session]:
    """Always exactly one argon2 verification (against a dummy hash when there is no reader). ``guard``: the identity
    guard that found the reader; a right password puts the hash's copy on it where it is missing or out of date."""
    _claim(attempt, deps)
    stored = profile.get("password_hash") if profile else None
    if profile is None or not (verify_password(stored or dummy_hash(), password) and stored is not None):
        raise _failed(attempt, deps)
    reader_id = profile["reader_id"]
    copy = (
        [deps.records.hash_copied(guard, reader_id, stored)] if guard and guard.get("password_hash") != stored else []
    )
    token, session, put = deps.sessions.new(reader_id, attempt.at)
    _hand_over(profile, reader_id, password, stored, deps)
    if _written(attempt, deps, [put, *copy]):
        return token, session
    return deps.sessions.create(reader_id, attempt.at, also=_clearing(attempt, deps))  # the guard went meanwhile


def _hand_over(
    facts: dict[str, Any], reader_id: str, password: str, password_hash: str, deps: LoginDependencies
) -> None:
    """A right password of a reader whose patron the library system holds without it (``facts``: the guard or the
    profile read): it goes there, and the hash here goes once it has. Never the login's failure."""
    if facts.get("library_password_wanted"):
        try:
            deps.password_wanted(reader_id, password, password_hash)
        except Exception:
            logger.warning("password not handed to the library system", extra={"reader_id": reader_id})


def _with_library(
    library: Any,
    identifier: str,
    credentials: Credentials,
    profile: dict[str, Any] | None,
    read_profile: Callable[[], dict[str, Any] | None] | None,
    attempt: _Attempt,
    deps: LoginDependencies,
) -> tuple[str, Session]:
    """The library system's check, counted like any password check; an unreachable one is a 503, not counted.
    ``read_profile``: a known card holder's profile, read while the library system checks (started only once the
    attempt is counted, so that the count, which the check waits for, is not queued behind it)."""
    _claim(attempt, deps)
    reading = _in_background(read_profile) if read_profile is not None else None
    try:
        check = library.check_password(identifier, credentials.password)
    except LibrarySystemUnavailable:
        _settle(reading)
        _give_back(attempt, deps)
        raise library_unavailable() from None
    except BaseException:
        _settle(reading)
        raise
    if reading is not None:
        profile = reading.result()
    patron = check.patron
    if profile is not None and holds_password(profile) and profile.get("card_barcode"):
        attempt.also_locked.add(deps.barcode_index(profile["card_barcode"]))
    # The patron the library system answered for: their accounts not read yet are counted now (a card holder
    # known here has theirs counted already; their locks are kept on all of them).
    patrons = _patron_accounts(patron, deps) if patron is not None else []
    known = profile is not None and profile.get("identity_index") in attempt.claimed
    after = [] if known else [account for account in patrons if account not in attempt.locks]
    if after:
        attempt.read(after, deps.records.sessions_items([deps.lockout.key(account) for account in after]))
    attempt.also_locked |= set(patrons)
    if not (check.password_valid and patron is not None):
        raise _failed(attempt, deps, after)
    wait = max((deps.lockout.retry_after(attempt.locks[account], attempt.at) for account in after), default=0)
    if wait > 0:  # that card holder is locked (by the other field): no session
        raise problems.TooManyRequests(LOCKED, retry_after_seconds=wait)
    failures_before = {account: attempt.locks[account] for account in after if attempt.locks[account]}
    clearing = _clearing(attempt, deps, after=failures_before)
    if profile is not None:  # known here: the record is brought up to date in the session's own write
        refresh, profile = deps.refresh_actions(profile, patron)
        token, session, put = deps.sessions.new(profile["reader_id"], attempt.at)
        if _written(attempt, deps, [put, *refresh], after=failures_before):
            return token, session
        return deps.sessions.create(profile["reader_id"], attempt.at, also=[*clearing, *refresh])
    try:
        adopted = _adopted(patron, normalise_id_number(credentials.id_number or "") or None, deps)
    except problems.Conflict:
        deps.records.commit(clearing)  # a right password: nothing stays counted
        raise
    return deps.sessions.create(adopted["reader_id"], attempt.at, also=clearing)


def _patron_accounts(patron: Any, deps: LoginDependencies) -> list[str]:
    """The accounts of the card holder the library system answered for: their ID number's and their card's."""
    number = [*_each(deps.identity_index(normalise_id_number(patron.id_number)))] if patron.id_number else []
    return list(dict.fromkeys([*number, deps.barcode_index(patron.barcode)]))


def _adopted(patron: Any, id_number: str | None, deps: LoginDependencies) -> dict[str, Any]:
    number = id_number or (normalise_id_number(patron.id_number) if patron.id_number else None)
    if number is None:
        raise problems.Conflict(NO_ID_NUMBER, extra={"code": "log_in_with_id_number"})
    return deps.adopt_patron(patron, number)
