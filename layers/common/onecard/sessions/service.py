"""Logging in and recognising a logged-in reader. Every failure looks alike, whatever was wrong."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from onecard.domain.identity import normalise_id_number
from onecard.security.passwords import dummy_hash, verify_password
from onecard.sessions.lockout import Lockout
from onecard.sessions.store import Session, SessionStore
from onecard.web import problems

SESSION_COOKIE = "onecard_session"
CSRF_COOKIE = "onecard_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOGIN_FAILED = "證號或密碼錯誤 (Wrong ID number or password)"


@dataclass
class LoginDependencies:
    sessions: SessionStore
    lockout: Lockout
    reader_for_identity: Callable[[str], dict[str, Any] | None]
    identity_index: Callable[[str], str]
    clock: Callable[[], float] = time.time


def login(id_number: str, password: str, deps: LoginDependencies) -> tuple[str, Session]:
    now = int(deps.clock())
    account = deps.identity_index(normalise_id_number(id_number))
    locked = deps.lockout.locked_for(account, now)
    if locked:
        raise problems.TooManyRequests("登入失敗次數過多，帳號暫時鎖定，請稍後再試 (Too many failed logins)",
                                       retry_after_seconds=locked)
    profile = deps.reader_for_identity(account)
    # One argon2 verification either way, so a wrong number answers as slowly as a wrong password.
    stored_hash = profile["password_hash"] if profile and profile.get("password_hash") else dummy_hash()
    if not verify_password(stored_hash, password) or profile is None:
        deps.lockout.fail(account, now)
        raise problems.Unauthenticated(LOGIN_FAILED)
    deps.lockout.succeed(account)
    return deps.sessions.create(profile["reader_id"], now)


def _cookie(headers: dict[str, str], name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # noqa: BLE001 - a garbled Cookie header is the same as none
        return None
    return jar[name].value if name in jar else None


def authenticate(method: str, headers: dict[str, str], store: SessionStore, now: int | None = None) -> Session:
    """The reader behind a request: a Bearer token, or the session cookie plus a matching CSRF header."""
    now = int(time.time()) if now is None else now
    headers = {k.lower(): v for k, v in headers.items()}
    authorization = headers.get("authorization") or ""
    by_cookie = not authorization.startswith("Bearer ")
    token = _cookie(headers, SESSION_COOKIE) if by_cookie else authorization[len("Bearer "):].strip()
    session = store.find(token, now) if token else None
    if session is None:
        raise problems.Unauthenticated("請先登入個人書房，或登入已逾時 (Please log in)")
    if by_cookie and method.upper() not in _SAFE_METHODS:
        sent = headers.get(CSRF_HEADER.lower()) or ""
        if not hmac.compare_digest(sent, session.csrf_token):
            raise problems.Forbidden("缺少或錯誤的 CSRF 驗證碼，請重新整理頁面 (CSRF token missing or wrong)")
    return session
