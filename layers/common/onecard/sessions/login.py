"""個人書房 login, in as few DynamoDB requests as the data allows. A reader who applied here is checked against the
password hash held here; anyone else against the library system, which holds existing card holders' passwords.
Every failure looks alike and counts towards one lockout.

A login by ID number reads the identity guard together with the lockout and the per-address counter (one
BatchGetItem). The guard of a reader who applied here carries a copy of their password hash, so the password is
checked at once, and when the account has no failures on record (the usual case) the session is written while it
is checked: one transaction with the session, the per-address hit, the lockout as read and a check that the copy is
still the profile's hash. Two requests, and the write costs no time of its own. A wrong password then deletes that
session (its token was never given out) in the transaction that counts the failure. The lockout outcome is
conditioned on the lockout as read (Lockout.outcome_action): when another attempt on the same account changed it
meanwhile, or the copy was out of date, nothing is written and the login reads the profile and goes on from there,
the reserve-first way if need be, as every password check inside a session does (password_check).

For a card holder the library system's answer is asked in the background as soon as the first read shows whose
password it is (the guard or barcode pointer says so) and that the address and account may try: the profile is
read and the session written meanwhile. Its answer is used only once the attempt is counted, so a lock set
meanwhile still refuses it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from onecard.domain.identity import normalise_barcode, normalise_id_number
from onecard.ils import LibrarySystemUnavailable
from onecard.observability import logger
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
    password_wanted: Callable[[str, str, str], None] = lambda reader_id, password, password_hash: None
    """A reader brought into the library system by the operators' command typed their password here, which matched
    ``password_hash``: it goes to the library system (onecard.library_cards.migration)."""


_background: ThreadPoolExecutor | None = None

WRITTEN, LOCKOUT_CHANGED, OUT_OF_DATE = "written", "lockout changed", "out of date"
"""What became of a login's write (_outcome)."""


def _in_background(work: Callable[[], Any]) -> Future:
    """Runs a question to the library system, or a write, while the login goes on (argon2 and the SDK's network
    calls release the GIL)."""
    global _background
    if _background is None:
        _background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="login")
    return _background.submit(work)


@dataclass
class _Attempt:
    accounts: list[str]
    locks: dict[str, dict[str, Any]]
    rate: dict[str, Any]
    at: int
    mirror: str | None = None
    """A known card holder's card barcode account, where a lock of theirs is kept too (mirrored_lock_action)."""

    @property
    def rotating(self) -> bool:
        """During a rotation of the blind-index key an identity has an account under each live index: its
        attempts go the reserve-first way (password_check.check_password says why each is counted under all)."""
        return len(self.accounts) > 1

    @property
    def clean(self) -> bool:
        """No failures on record: a right password changes no lockout item, so its write may go before the check."""
        return not self.rotating and not any(self.locks[account] for account in self.accounts)


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
    copied_hash = found.pointer.get("password_hash") if id_number is not None else None
    if copied_hash and found.reader_id and not attempt.rotating:
        return _with_hash_on_guard(found, copied_hash, credentials.password, attempt, deps)
    identifier = id_number or barcode or ""
    # A known card holder's lockout is kept under their identity index, which a barcode login learns only from the
    # pointer; their locks are kept under the barcode's account too, read with the pointer, so the library system
    # can be asked at once and a locked card holder's guesses still never reach it.
    ask_at_once = not attempt.rotating and (
        found.reader_id is None or found.pointer.get("password_source") == LIBRARY_SYSTEM
    )
    library = deps.library() if ask_at_once else None
    answer = _ask(library, identifier, credentials.password) if library is not None else None
    # By ID number the account's lockout is read already: a known card holder's session is written meanwhile too.
    early = None
    if answer is not None and barcode is None and found.reader_id and attempt.clean:
        early = _session_written_early(found.reader_id, attempt, deps)
    try:
        profile = _profile(found, attempt, barcode is not None, deps)
    except BaseException:
        _settle(answer)
        _settle(early.writing if early else None)
        raise
    if profile is not None and profile.get("password_source") == LIBRARY_SYSTEM and profile.get("card_barcode"):
        attempt.mirror = deps.barcode_index(profile["card_barcode"])
    if profile is not None and profile.get("password_hash"):  # applied here: the hash held here decides
        _settle(answer)  # (never asked for such a reader: their pointer does not name the library system)
        guard = found.pointer if id_number is not None else None
        return _with_password_hash(profile, credentials.password, attempt, deps, guard)
    if answer is None:
        library = deps.library()
        if library is None:  # no library system: an unknown identifier fails as slowly as a wrong password
            return _with_password_hash(profile, credentials.password, attempt, deps)
        answer = _ask(library, identifier, credentials.password)
    asked = _AskedLibrary(library, identifier, id_number, credentials.password)
    return _with_library(answer, asked, profile, attempt, deps, early)


@dataclass(frozen=True)
class _EarlySession:
    """A right password's session, written in the background while the password is still being checked."""

    token: str
    session: Session
    writing: Future
    """_outcome's answer: WRITTEN, or why nothing was written."""


def _session_written_early(reader_id: str, attempt: _Attempt, deps: LoginDependencies) -> _EarlySession:
    token, session, put = deps.sessions.new(reader_id, attempt.at)
    return _EarlySession(token, session, _in_background(lambda: _outcome(True, attempt, deps, [put])))


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


def _outcome(
    correct: bool, attempt: _Attempt, deps: LoginDependencies, then: list[dict[str, Any]], *, hit: bool = True
) -> str:
    """Writes the attempt's outcome, its per-address hit (unless already written) and ``then`` in one transaction:
    WRITTEN; LOCKOUT_CHANGED when the lockout changed since it was read, or allows no attempt this way (nothing is
    written: the attempt goes the reserve-first way); OUT_OF_DATE when an action of ``then`` found its item changed."""
    if attempt.rotating:
        return LOCKOUT_CHANGED
    outcomes = [deps.lockout.outcome_action(a, attempt.at, attempt.locks[a], correct) for a in attempt.accounts]
    if any(outcome is None for outcome in outcomes):
        return LOCKOUT_CHANGED
    until = 0 if correct else max(deps.lockout.failure_locks(attempt.locks[a], attempt.at) for a in attempt.accounts)
    if until and attempt.mirror:
        then = [*then, deps.lockout.mirrored_lock_action(attempt.mirror, until)]
    head = [deps.admission.hit_action()] if hit else []
    codes = deps.records.commit([*head, *outcomes, *then])
    if codes is None:
        return WRITTEN
    if hit and codes[0] == "ConditionalCheckFailed":  # the address's logins of this minute were used up meanwhile
        raise problems.TooManyRequests(TOO_MANY, retry_after_seconds=deps.admission.verdict(None).retry_after_seconds)
    return OUT_OF_DATE if "ConditionalCheckFailed" in codes[len(head) + len(outcomes) :] else LOCKOUT_CHANGED


def _failure_counted_undoing(session: Session, attempt: _Attempt, deps: LoginDependencies) -> bool:
    """A wrong password whose session was written early: the session goes in the write that counts the failure (its
    address hit is counted already). False when the lockout changed meanwhile: the session goes on its own, and the
    failure is to be counted the reserve-first way."""
    discard = deps.sessions.discard_action(session)
    if _outcome(False, attempt, deps, [discard], hit=False) == WRITTEN:
        return True
    deps.records.commit([discard])
    return False


def _counted(correct: bool, attempt: _Attempt, deps: LoginDependencies, then: list[dict[str, Any]]) -> bool:
    return _outcome(correct, attempt, deps, then) == WRITTEN


def _admitted_again(deps: LoginDependencies) -> None:
    """The reserve-first way counts the address's hit on its own."""
    verdict = deps.admission.hit()
    if not verdict.allowed:
        raise problems.TooManyRequests(TOO_MANY, retry_after_seconds=verdict.retry_after_seconds)


def _with_hash_on_guard(
    found: Any, copied_hash: str, password: str, attempt: _Attempt, deps: LoginDependencies
) -> tuple[str, Session]:
    """A reader who applied here, found by an identity guard with a copy of their password hash (see above)."""
    reader_id = found.reader_id
    token, session, put = deps.sessions.new(reader_id, attempt.at)
    still_theirs = deps.records.hash_unchanged(reader_id, copied_hash)
    if attempt.clean:
        writing = _in_background(lambda: _outcome(True, attempt, deps, [put, still_theirs]))
        correct = verify_password(copied_hash, password)
        written = writing.result()
        if written == WRITTEN and correct:
            _hand_over(found.pointer, reader_id, password, copied_hash, deps)
            return token, session
        if written == WRITTEN:  # a wrong password
            if not _failure_counted_undoing(session, attempt, deps):
                check_login_password(attempt.accounts, copied_hash, password, deps.lockout, attempt.at)
            raise problems.Unauthenticated(LOGIN_FAILED)
    else:
        correct = verify_password(copied_hash, password)
        # a wrong password is counted only against the reader's real hash, too
        if _outcome(correct, attempt, deps, [put, still_theirs] if correct else [still_theirs]) == WRITTEN:
            if correct:
                _hand_over(found.pointer, reader_id, password, copied_hash, deps)
                return token, session
            raise problems.Unauthenticated(LOGIN_FAILED)
    # The copy was out of date or the lockout changed meanwhile (nothing was written): the profile decides.
    profile, _ = deps.records.profile(reader_id, [])
    return _with_password_hash(profile, password, attempt, deps, found.pointer)


def _with_password_hash(
    profile: dict[str, Any] | None,
    password: str,
    attempt: _Attempt,
    deps: LoginDependencies,
    guard: dict[str, Any] | None = None,
) -> tuple[str, Session]:
    """Always exactly one argon2 verification (against a dummy hash when there is no reader). ``guard``: the identity
    guard that found the reader; a right password puts the hash's copy on it where it is missing or out of date."""
    stored = profile.get("password_hash") if profile else None
    if attempt.rotating:
        correct = None
    else:
        correct = verify_password(stored or dummy_hash(), password) and stored is not None and profile is not None
    if correct:
        token, session, put = deps.sessions.new(profile["reader_id"], attempt.at)  # type: ignore[index]
        copy = (
            [deps.records.hash_copied(guard, profile["reader_id"], stored)]  # type: ignore[index]
            if guard and stored and guard.get("password_hash") != stored
            else []
        )
        if _counted(True, attempt, deps, [put, *copy]):
            _hand_over(profile, profile["reader_id"], password, stored, deps)  # type: ignore[index, arg-type]
            return token, session
    elif correct is False and _counted(False, attempt, deps, []):
        raise problems.Unauthenticated(LOGIN_FAILED)
    # Another attempt on this account changed its lockout meanwhile (or a rotation): check, the reserve-first way.
    _admitted_again(deps)
    correct, clear = check_login_password(attempt.accounts, stored, password, deps.lockout, attempt.at)
    if not correct or profile is None:
        raise problems.Unauthenticated(LOGIN_FAILED)
    _hand_over(profile, profile["reader_id"], password, stored or "", deps)
    return deps.sessions.create(profile["reader_id"], attempt.at, also=clear)


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


@dataclass(frozen=True)
class _AskedLibrary:
    """What the library system was asked: by whom (the identifier as typed, and the ID number when logging in by it)."""

    library: Any
    identifier: str
    id_number: str | None
    password: str


def _with_library(
    answer: Future,
    asked: _AskedLibrary,
    profile: dict[str, Any] | None,
    attempt: _Attempt,
    deps: LoginDependencies,
    written_early: _EarlySession | None = None,
) -> tuple[str, Session]:
    """The library system's answer, counted like any password check; an unreachable one is a 503, not counted.
    A known card holder with no failures on record has their session written while the library system checks."""
    if written_early is None and profile is not None and attempt.clean:
        written_early = _session_written_early(profile["reader_id"], attempt, deps)
    early = None
    if written_early is not None:
        try:
            if written_early.writing.result() == WRITTEN:
                early = written_early.token, written_early.session
        except BaseException:
            _settle(answer)
            raise
        if early and profile is None:  # the reader's record went meanwhile (an erasure): no session for it
            deps.sessions.revoke(early[1])
            early = None
    try:
        check = answer.result()
    except LibrarySystemUnavailable:
        if early:
            deps.sessions.revoke(early[1])
        raise library_unavailable() from None
    correct = check.password_valid and check.patron is not None
    if early is not None and profile is not None:
        token, session = early
        if correct:  # the record is brought up to date where the library system changed it (rarely)
            refresh, _ = deps.refresh_action(profile, check.patron)
            if refresh:
                deps.records.commit([refresh])
            return token, session
        if _failure_counted_undoing(session, attempt, deps):
            raise problems.Unauthenticated(LOGIN_FAILED)
        return _ask_again(asked, profile, attempt, deps)
    if not correct:
        if _counted(False, attempt, deps, []):
            raise problems.Unauthenticated(LOGIN_FAILED)
    elif profile is not None:  # known here: the record is brought up to date in the session's own write
        refresh, profile = deps.refresh_action(profile, check.patron)
        token, session, put = deps.sessions.new(profile["reader_id"], attempt.at)
        if _counted(True, attempt, deps, [put, *([refresh] if refresh else [])]):
            return token, session
    elif _counted(True, attempt, deps, []):  # new here: counted first, then the record is kept
        return deps.sessions.create(_adopted(check.patron, asked.id_number, deps)["reader_id"], attempt.at)
    _admitted_again(deps)
    return _ask_again(asked, profile, attempt, deps)


def _ask_again(
    asked: _AskedLibrary, profile: dict[str, Any] | None, attempt: _Attempt, deps: LoginDependencies
) -> tuple[str, Session]:
    """Another attempt on this account changed its lockout meanwhile: the library system is asked again, the
    reserve-first way."""
    check = check_with_library(
        attempt.accounts, asked.identifier, asked.password, deps.lockout, asked.library, attempt.at, attempt.mirror
    )
    if not check.password_valid or check.patron is None:
        raise problems.Unauthenticated(LOGIN_FAILED)
    if profile is not None:
        refresh, profile = deps.refresh_action(profile, check.patron)
        return deps.sessions.create(profile["reader_id"], attempt.at, also=[refresh] if refresh else None)
    return deps.sessions.create(_adopted(check.patron, asked.id_number, deps)["reader_id"], attempt.at)


def _adopted(patron: Any, id_number: str | None, deps: LoginDependencies) -> dict[str, Any]:
    number = id_number or (normalise_id_number(patron.id_number) if patron.id_number else None)
    if number is None:
        raise problems.Conflict(NO_ID_NUMBER, extra={"code": "log_in_with_id_number"})
    return deps.adopt_patron(patron, number)
