"""Recognising a logged-in reader (logging in: onecard.sessions.login). Every failure looks alike."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import TypeVar

from onecard.sessions.store import Session, SessionStore
from onecard.web import problems

SESSION_COOKIE = "onecard_session"
CSRF_COOKIE = "onecard_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
NOT_LOGGED_IN = "請先登入個人書房，或登入已逾時 (Please log in)"

# The one clock of sessions and lockout (epoch seconds). Tests replace it to move time forward.
clock: Callable[[], float] = time.time
T = TypeVar("T")


def now() -> int:
    return int(clock())


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


def session_token(headers: dict[str, str]) -> tuple[str | None, bool]:
    """The session token a request carries (a Bearer token, or the session cookie) and whether it came as a Bearer
    token."""
    headers = {k.lower(): v for k, v in headers.items() if isinstance(v, str)}
    bearer = _bearer(headers.get("authorization") or "")
    return (bearer, True) if bearer is not None else (_cookie(headers, SESSION_COOKIE), False)


def authenticate_with(
    method: str, headers: dict[str, str], find: Callable[[str, int], tuple[Session | None, T]], at: int | None = None
) -> tuple[Session, T]:
    """The reader behind a request: a Bearer token, or the session cookie plus a matching CSRF header; ``find``
    reads the token's live session and whatever the request needs with it in the same request (see SessionStore).

    401 problem without a live session; 403 when a cookie-authenticated request that changes something lacks the
    session's CSRF token (a Bearer token is never sent by a browser on its own, so it needs none).
    """
    at = now() if at is None else at
    token, bearer = session_token(headers)
    session, found = find(token, at) if token else (None, None)
    if session is None:
        raise problems.Unauthenticated(NOT_LOGGED_IN)
    csrf = next((v for k, v in headers.items() if k.lower() == CSRF_HEADER.lower() and isinstance(v, str)), "")
    if not bearer and method.upper() not in _SAFE_METHODS and not _same(csrf, session.csrf_token):
        raise problems.Forbidden("缺少或錯誤的 CSRF 驗證碼，請重新整理頁面 (CSRF token missing or wrong)")
    return session, found  # type: ignore[return-value]  # found is only None without a session


def authenticate(method: str, headers: dict[str, str], store: SessionStore, at: int | None = None) -> Session:
    """authenticate_with, reading only the session (one request)."""
    return authenticate_with(method, headers, lambda token, at: (store.find(token, at), None), at)[0]
