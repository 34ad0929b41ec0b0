"""個人書房 login, in as few DynamoDB requests as the data allows. A reader who applied here is checked against the
password hash held here; anyone else against the library system, which holds existing card holders' passwords.
Every failure looks alike and counts towards one lockout.

A login by ID number reads the identity guard together with the lockout and the per-address counter (one
BatchGetItem), then the profile, and writes everything it changes in one transaction: the session, the lockout
outcome and the per-address hit (three requests). The lockout outcome is conditioned on the lockout as read
(Lockout.outcome_action): when another attempt on the same account changed it meanwhile, nothing is written and
that login goes the reserve-first way, as every password check inside a session does (password_check).

For a card holder the library system's answer is asked in the background as soon as the first read shows whose
password it is (the guard or barcode pointer says so) and that the address and account may try: the profile is
read meanwhile. Its answer is used only once the attempt is counted, so a lock set meanwhile still refuses it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from onecard.domain.identity import normalise_id_number
from onecard.ils import LibrarySystemUnavailable
from onecard.readers.library_patrons import LIBRARY_SYSTEM, library_unavailable
from onecard.security.passwords import dummy_hash, verify_password
from onecard.sessions.password_check import LOCKED, check_login_password, check_with_library
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
    read, its hit as a transaction action (written with the login's outcome), and a hit on its own."""

    key: dict[str, Any]
    verdict: Callable[[dict[str, Any] | None], Any]
    hit_action: Callable[[], dict[str, Any]]
    hit: Callable[[], Any]


@dataclass
class LoginDependencies:
    sessions: Any
    """SessionStore."""
    lockout: Any
    """Lockout."""
    records: Any
    """LoginRecords: the reads and the one write."""
    admission: Admission
    identity_index: Callable[[str], Any]
    """An ID number's blind index (or its indexes under every live key version: Indexes)."""
    barcode_index: Callable[[str], str]
    """The lockout's account for a card barcode not known here yet."""
    clock: Callable[[], float]
    library: Callable[[], Any] = lambda: None
    """The library system (LibrarySystem), where existing card holders and their passwords are; None: none.
    Asked for only when a login needs it, so readers who applied here log in whatever its state."""
    adopt_patron: Callable[[Any, str], dict[str, Any]] = lambda patron, number: {}
    """Keeps the reader record of a card holder the library system vouched for and who is new here; the profile."""
    refresh_action: Callable[[dict[str, Any], Any], tuple[dict[str, Any] | None, dict[str, Any]]] = (
        lambda profile, patron: (None, profile)
    )
    """What the library system says of a known card holder now, as an action for the login's write (None when
    nothing changed), and the profile as it will be."""


def normalise_barcode(raw: str) -> str:
    return raw.strip().upper()


_background: ThreadPoolExecutor | None = None


def _in_background(question: Callable[[], Any]) -> Future:
    global _background
    if _background is None:
        _background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="library-system")
    return _background.submit(question)


@dataclass
class _Attempt:
    accounts: list[str]
    locks: dict[str, dict[str, Any]]
    rate: dict[str, Any]
    at: int

    @property
    def rotating(self) -> bool:
        """During a rotation of the blind-index key an identity has an account under each live index: its
        attempts go the reserve-first way (password_check.check_password says why each is counted under all)."""
        return len(self.accounts) > 1


def login(credentials: Credentials, deps: LoginDependencies) -> tuple[str, Session]:
    at = int(deps.clock())
    id_number = normalise_id_number(credentials.id_number) if credentials.id_number else None
    barcode = normalise_barcode(credentials.card_barcode) if credentials.card_barcode else None
    lock_key = deps.lockout.key
    if id_number is not None:
        identity = deps.identity_index(id_number)
        accounts = [identity] if isinstance(identity, str) else list(identity)
        found = deps.records.by_identity(identity, [deps.admission.key, *(lock_key(a) for a in accounts)])
    else:
        accounts = [deps.barcode_index(barcode or "")]
        found = deps.records.by_barcode(barcode or "", [deps.admission.key, lock_key(accounts[0])])
    attempt = _Attempt(accounts, dict(zip(accounts, found.items[1:], strict=True)), found.items[0], at)
    _refuse_when_limited(attempt, deps)
    identifier = id_number or barcode or ""
    # A known reader's lockout is kept under their identity index, which a barcode login learns only from the
    # pointer: it asks the library system after that lock is read, so a locked card holder's guesses never reach it.
    early = not attempt.rotating and (
        found.reader_id is None or (barcode is None and found.pointer.get("password_source") == LIBRARY_SYSTEM)
    )
    library = deps.library() if early else None
    answer = _ask(library, identifier, credentials.password) if library is not None else None
    try:
        profile = _profile(found, attempt, barcode is not None, deps)
    except BaseException:
        _settle(answer)
        raise
    if profile is not None and profile.get("password_hash"):  # applied here: the hash held here decides
        _settle(answer)  # (never asked for such a reader: their pointer does not name the library system)
        return _with_password_hash(profile, credentials.password, attempt, deps)
    if answer is None:
        library = deps.library()
        if library is None:  # no library system: an unknown identifier fails as slowly as a wrong password
            return _with_password_hash(profile, credentials.password, attempt, deps)
        answer = _ask(library, identifier, credentials.password)
    return _with_library(answer, library, identifier, id_number, profile, credentials.password, attempt, deps)


def _ask(library: Any, identifier: str, password: str) -> Future:
    """The library system's check of the password, asked in the background."""
    return _in_background(lambda: library.check_password(identifier, password))


def _refuse_when_limited(attempt: _Attempt, deps: LoginDependencies) -> None:
    verdict = deps.admission.verdict(attempt.rate or None)
    if not verdict.allowed:
        raise problems.TooManyRequests(TOO_MANY, retry_after_seconds=verdict.retry_after_seconds)
    if attempt.rotating:  # every attempt is counted under each index, even while one is locked: reserve-first
        return
    locked = max(int(attempt.locks[a].get("locked_until", 0)) - attempt.at for a in attempt.accounts)
    if locked > 0:
        raise problems.TooManyRequests(LOCKED, retry_after_seconds=locked)


def _profile(found: Any, attempt: _Attempt, by_barcode: bool, deps: LoginDependencies) -> dict[str, Any] | None:
    """The reader's profile; by barcode, the lockout is the reader's (by identity index), read with it when the
    pointer names that index (otherwise after it), and refused while locked."""
    if found.reader_id is None:
        return None
    index = found.pointer.get("identity_index") if by_barcode else None
    profile, items = deps.records.profile(found.reader_id, [deps.lockout.key(index)] if index else [])
    if profile is None or not by_barcode:
        return profile
    account = profile["identity_index"]
    lock = items[0] if index == account else deps.records.sessions_items([deps.lockout.key(account)])[0]
    attempt.accounts, attempt.locks = [account], {account: lock}
    _refuse_when_limited(attempt, deps)
    return profile


def _settle(answer: Future | None) -> None:
    """Waits for a question to the library system whose answer is not needed (its connection stays usable)."""
    if answer is not None:
        with contextlib.suppress(Exception):  # the answer is not used
            answer.result()


def _counted(correct: bool, attempt: _Attempt, deps: LoginDependencies, then: list[dict[str, Any]]) -> bool:
    """Writes the attempt's outcome, its per-address hit and ``then`` in one transaction. False when the lockout
    changed since it was read (nothing is written: the attempt goes the reserve-first way)."""
    if attempt.rotating:
        return False
    outcomes = [deps.lockout.outcome_action(a, attempt.at, attempt.locks[a], correct) for a in attempt.accounts]
    if any(outcome is None for outcome in outcomes):
        return False
    codes = deps.records.commit([deps.admission.hit_action(), *outcomes, *then])
    if codes is None:
        return True
    if codes[0] == "ConditionalCheckFailed":  # the address's logins of this minute were used up meanwhile
        raise problems.TooManyRequests(TOO_MANY, retry_after_seconds=deps.admission.verdict(None).retry_after_seconds)
    return False


def _admitted_again(deps: LoginDependencies) -> None:
    """The reserve-first way counts the address's hit on its own."""
    verdict = deps.admission.hit()
    if not verdict.allowed:
        raise problems.TooManyRequests(TOO_MANY, retry_after_seconds=verdict.retry_after_seconds)


def _with_password_hash(
    profile: dict[str, Any] | None, password: str, attempt: _Attempt, deps: LoginDependencies
) -> tuple[str, Session]:
    """Always exactly one argon2 verification (against a dummy hash when there is no reader)."""
    stored = profile.get("password_hash") if profile else None
    if attempt.rotating:
        correct = None
    else:
        correct = verify_password(stored or dummy_hash(), password) and stored is not None and profile is not None
    if correct:
        token, session, put = deps.sessions.new(profile["reader_id"], attempt.at)  # type: ignore[index]
        if _counted(True, attempt, deps, [put]):
            return token, session
    elif correct is False and _counted(False, attempt, deps, []):
        raise problems.Unauthenticated(LOGIN_FAILED)
    # Another attempt on this account changed its lockout meanwhile (or a rotation): check, the reserve-first way.
    _admitted_again(deps)
    correct, clear = check_login_password(attempt.accounts, stored, password, deps.lockout, attempt.at)
    if not correct or profile is None:
        raise problems.Unauthenticated(LOGIN_FAILED)
    return deps.sessions.create(profile["reader_id"], attempt.at, also=clear)


def _with_library(
    answer: Future,
    library: Any,
    identifier: str,
    id_number: str | None,
    profile: dict[str, Any] | None,
    password: str,
    attempt: _Attempt,
    deps: LoginDependencies,
) -> tuple[str, Session]:
    """The library system's answer, counted like any password check; an unreachable one is a 503, not counted."""
    try:
        check = answer.result()
    except LibrarySystemUnavailable:
        raise library_unavailable() from None
    correct = check.password_valid and check.patron is not None
    if not correct:
        if _counted(False, attempt, deps, []):
            raise problems.Unauthenticated(LOGIN_FAILED)
    elif profile is not None:  # known here: the record is brought up to date in the session's own write
        refresh, profile = deps.refresh_action(profile, check.patron)
        token, session, put = deps.sessions.new(profile["reader_id"], attempt.at)
        if _counted(True, attempt, deps, [put, *([refresh] if refresh else [])]):
            return token, session
    elif _counted(True, attempt, deps, []):  # new here: counted first, then the record is kept
        return deps.sessions.create(_adopted(check.patron, id_number, deps)["reader_id"], attempt.at)
    # Another attempt on this account changed its lockout meanwhile: ask again, the reserve-first way.
    _admitted_again(deps)
    check = check_with_library(attempt.accounts, identifier, password, deps.lockout, library, attempt.at)
    if not check.password_valid or check.patron is None:
        raise problems.Unauthenticated(LOGIN_FAILED)
    if profile is not None:
        refresh, profile = deps.refresh_action(profile, check.patron)
        return deps.sessions.create(profile["reader_id"], attempt.at, also=[refresh] if refresh else None)
    return deps.sessions.create(_adopted(check.patron, id_number, deps)["reader_id"], attempt.at)


def _adopted(patron: Any, id_number: str | None, deps: LoginDependencies) -> dict[str, Any]:
    number = id_number or (normalise_id_number(patron.id_number) if patron.id_number else None)
    if number is None:
        raise problems.Conflict(NO_ID_NUMBER, extra={"code": "log_in_with_id_number"})
    return deps.adopt_patron(patron, number)
