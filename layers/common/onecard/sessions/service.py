"""Logging in and recognising a logged-in reader. Every failure looks alike, whatever was wrong."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from onecard.domain.identity import normalise_id_number
from onecard.sessions.lockout import Lockout
from onecard.sessions.password_check import check_password
from onecard.sessions.store import Session, SessionStore
from onecard.web import problems

SESSION_COOKIE = "onecard_session"
CSRF_COOKIE = "onecard_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOGIN_FAILED = "證號或密碼錯誤 (Wrong ID number or password)"
NOT_LOGGED_IN = "請先登入個人書房，或登入已逾時 (Please log in)"

# The one clock of sessions and lockout (epoch seconds). Tests replace it to move time forward.
clock: Callable[[], float] = time.time


def now() -> int:
    return int(clock())


@dataclass
class LoginDependencies:
    sessions: SessionStore
    lockout: Lockout
    reader_for_identity: Callable[[str], dict[str, Any] | None]
    identity_index: Callable[[str], str]
    clock: Callable[[], float] = now


def login(id_number: str, password: str, deps: LoginDependencies) -> tuple[str, Session]:
    at = int(deps.clock())
    account = deps.identity_index(normalise_id_number(id_number))
    profile = deps.reader_for_identity(account)
    stored_hash = profile.get("password_hash") if profile else None
    if not check_password(account, stored_hash, password, deps.lockout, at) or profile is None:
        raise problems.Unauthenticated(LOGIN_FAILED)
    return deps.sessions.create(profile["reader_id"], at)


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
    if bearer is None and method.upper() not in _SAFE_METHODS:
        if not _same(headers.get(CSRF_HEADER.lower()) or "", session.csrf_token):
            raise problems.Forbidden("缺少或錯誤的 CSRF 驗證碼，請重新整理頁面 (CSRF token missing or wrong)")
    return session
