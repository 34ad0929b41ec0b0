"""Every check of a reader's password, at login or inside a session, under one lockout. No AWS import here."""

from __future__ import annotations

from typing import Any

from onecard.ils import LibrarySystemUnavailable
from onecard.readers.library_patrons import library_unavailable
from onecard.security.passwords import dummy_hash, verify_password
from onecard.web import problems

LOCKED = "登入失敗次數過多，帳號暫時鎖定，請稍後再試 (Too many failed logins)"


def check_password(account: str, stored_hash: str | None, password: str, lockout: Any, at: int) -> bool:
    """One password check under the account's lockout: always exactly one argon2 verification when not locked
    (against a dummy hash when there is no account), so a wrong number answers as slowly as a wrong password.

    Raises the 429 problem while the account is locked; a failure counts towards the lock.
    """
    locked = lockout.reserve(account, at)
    if locked:
        raise problems.TooManyRequests(LOCKED, retry_after_seconds=locked)
    correct = verify_password(stored_hash or dummy_hash(), password) and stored_hash is not None
    if correct:
        lockout.succeed(account, at)
    else:
        lockout.fail(account, at)
    return correct


def check_with_library(account: str, identifier: str, password: str, lockout: Any, library: Any, at: int) -> Any:
    """The same check when the library system holds the password: one question to it under the same lockout.

    Returns its PatronCheck. Raises the 429 problem while the account is locked, and the 503 problem when the library
    system does not answer; that attempt is not counted (a wrong password is, as everywhere).
    """
    locked = lockout.reserve(account, at)
    if locked:
        raise problems.TooManyRequests(LOCKED, retry_after_seconds=locked)
    try:
        check = library.check_password(identifier, password)
    except LibrarySystemUnavailable:
        lockout.release(account)
        raise library_unavailable() from None
    if check.password_valid:
        lockout.succeed(account, at)
    else:
        lockout.fail(account, at)
    return check
