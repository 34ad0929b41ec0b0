"""Logging in and recognising a logged-in reader. Every failure looks alike, whatever was wrong."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any

from onecard.domain.identity import normalise_id_number
from onecard.sessions.lockout import Lockout
from onecard.sessions.password_check import check_login_password, check_with_library
from onecard.sessions.store import Session, SessionStore
from onecard.web import problems

if TYPE_CHECKING:
    from onecard.security.identity_indexes import Indexes

SESSION_COOKIE = "onecard_session"
CSRF_COOKIE = "onecard_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOGIN_FAILED = "證號、借閱證條碼或密碼錯誤 (Wrong ID number, card barcode or password)"
NOT_LOGGED_IN = "請先登入個人書房，或登入已逾時 (Please log in)"

# The one clock of sessions and lockout (epoch seconds). Tests replace it to move time forward.
clock: Callable[[], float] = time.time


def now() -> int:
    return int(clock())


@dataclass
class LoginDependencies:
    sessions: SessionStore
    lockout: Lockout
    reader_for_identity: Callable[[str | Indexes], dict[str, Any] | None]
    identity_index: Callable[[str], str | Indexes]
    """The lockout's account of an ID number: its index, or one per live key version (IdentityIndexes.identity)."""
    clock: Callable[[], float] = now
    library: Callable[[], Any] = lambda: None
    """The library system (LibrarySystem), where existing card holders and their passwords are; None: none.
    Asked for only when a login needs it, so readers who applied here log in whatever its state."""
    reader_for_barcode: Callable[[str], dict[str, Any] | None] = lambda barcode: None
    barcode_index: Callable[[str], str] = lambda barcode: barcode
    """The lockout's account for a card barcode not known here yet."""
    adopt_patron: Callable[[Any, str, dict[str, Any] | None], dict[str, Any]] = lambda patron, number, known: {}
    """Keeps (or refreshes) the reader record of a card holder the library system vouched for (``known``: the
    record this login already found); the profile."""
    reader_and_locks: Callable[[Any], tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]] | None = None
    """The reader of an identity's account(s) and the lockout items of those accounts ({} for none), read
    together; None: the reader is found with reader_for_identity and the lockout items are not read first."""


@dataclass(frozen=True)
class Credentials:
    """Who logs in: by ID number (證號) or by card barcode (借閱證條碼), and the password."""

    password: str
    id_number: str | None = None
    card_barcode: str | None = None


def normalise_barcode(raw: str) -> str:
    return raw.strip().upper()


def login(credentials: Credentials, deps: LoginDependencies) -> tuple[str, Session]:
    """A reader who applied here is checked against the password hash held here; anyone else against the library
    system, which holds existing card holders' passwords. Every failure looks alike and counts towards one lockout."""
    at = int(deps.clock())
    id_number = normalise_id_number(credentials.id_number) if credentials.id_number else None
    barcode = normalise_barcode(credentials.card_barcode) if credentials.card_barcode else None
    if id_number is not None:
        account = deps.identity_index(id_number)
        if deps.reader_and_locks is not None:
            profile, locks = deps.reader_and_locks(account)
        else:
            profile, locks = deps.reader_for_identity(account), None
    else:
        locks = None
        profile = deps.reader_for_barcode(barcode or "")
        account = profile["identity_index"] if profile else deps.barcode_index(barcode or "")
    library = None if profile is not None and profile.get("password_hash") else deps.library()
    if library is None:
        stored_hash = profile.get("password_hash") if profile else None
        correct, clear_lockout = check_login_password(
            account, stored_hash, credentials.password, deps.lockout, at, locks
        )
        if not correct or profile is None:
            raise problems.Unauthenticated(LOGIN_FAILED)
        return deps.sessions.create(profile["reader_id"], at, also=clear_lockout)
    check = check_with_library(account, id_number or barcode or "", credentials.password, deps.lockout, library, at)
    if not check.password_valid or check.patron is None:
        raise problems.Unauthenticated(LOGIN_FAILED)
    number = id_number or (normalise_id_number(check.patron.id_number) if check.patron.id_number else None)
    if number is None:
        raise problems.Conflict(
            "圖書館系統未提供您的證號，請改以證號登入 (Please log in with your ID number)",
            extra={"code": "log_in_with_id_number"},
        )
    adopted = deps.adopt_patron(check.patron, number, profile)
    return deps.sessions.create(adopted["reader_id"], at)


def _cookie(headers: dict[str, str], name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:  # a garbled Cookie header is the same as none
        return None
    return jar[name].value if name in jar else None


def _bearer(authorization: str) -> str | None:
    scheme, _, credentials = authorization.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def _same(sent: str, expected: str) -> bool:
    return hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def authenticate(method: str, headers: dict[str, str], store: SessionStore, at: int | None = None) -> Session:
    """The reader behind a request: a Bearer token, or the session cookie plus a matching CSRF header.

    401 problem without a live session; 403 when a cookie-authenticated request that changes something lacks the
    session's CSRF token (a Bearer token is never sent by a browser on its own, so it needs none).
    """
    at = now() if at is None else at
    headers = {k.lower(): v for k, v in headers.items() if isinstance(v, str)}
    bearer = _bearer(headers.get("authorization") or "")
    token = bearer if bearer is not None else _cookie(headers, SESSION_COOKIE)
    session = store.find(token, at) if token else None
    if session is None:
        raise problems.Unauthenticated(NOT_LOGGED_IN)
    changes_state = bearer is None and method.upper() not in _SAFE_METHODS
    if changes_state and not _same(headers.get(CSRF_HEADER.lower()) or "", session.csrf_token):
        raise problems.Forbidden("缺少或錯誤的 CSRF 驗證碼，請重新整理頁面 (CSRF token missing or wrong)")
    return session
