"""Every check of a reader's password, at login or inside a session, under one lockout. No AWS import here."""

from __future__ import annotations

from typing import Any

from onecard.ils import LibrarySystemUnavailable
from onecard.readers.library_patrons import library_unavailable
from onecard.security.passwords import dummy_hash, verify_password
from onecard.web import problems

LOCKED = "登入失敗次數過多，帳號暫時鎖定，請稍後再試 (Too many failed logins)"


def _each(account: Any) -> list[str]:
    """The lockout's accounts: one index, or one per live key version during a rotation (see check_password)."""
    return [account] if isinstance(account, str) else list(account)


def check_password(account: Any, stored_hash: str | None, password: str, lockout: Any, at: int) -> bool:
    """One password check under the account's lockout: always exactly one argon2 verification when not locked
    (against a dummy hash when there is no account), so a wrong number answers as slowly as a wrong password.

    ``account`` is the identity's index, or its indexes under every live key version during a rotation of the
    blind-index key (onecard.security.identity_indexes.Indexes): then the attempt is counted under each and
    refused while any of them is locked. Every container counts under the old index until it is retired, and
    once all know the new key (the cache's age) every attempt is counted under the new one too; the rotation
    keeps both live the cache's age plus a lockout window plus a lock's length, so when the old index is retired
    no attempt or lock counted only under it matters any more: a rotation neither resets nor splits a lock.

    Raises the 429 problem while the account is locked; a failure counts towards the lock.
    """
    accounts = _each(account)
    locked = max([lockout.reserve(one, at) for one in accounts])
    if locked:
        raise problems.TooManyRequests(LOCKED, retry_after_seconds=locked)
    correct = verify_password(stored_hash or dummy_hash(), password) and stored_hash is not None
    for one in accounts:
        if correct:
            lockout.succeed(one, at)
        else:
            lockout.fail(one, at)
    return correct


def check_with_library(
    account: Any, identifier: str, password: str, lockout: Any, library: Any, at: int, mirror: str | None = None
) -> Any:
    """The same check when the library system holds the password: one question to it under the same lockout
    (a lock it sets is kept under the card barcode's account ``mirror`` too: Lockout.mirrored_lock_action).

    Returns its PatronCheck. Raises the 429 problem while the account is locked, and the 503 problem when the library
    system does not answer; that attempt is not counted (a wrong password is, as everywhere).
    """
    accounts = _each(account)
    locked = max([lockout.reserve(one, at) for one in accounts])
    if locked:
        raise problems.TooManyRequests(LOCKED, retry_after_seconds=locked)
    try:
        check = library.check_password(identifier, password)
    except LibrarySystemUnavailable:
        for one in accounts:
            lockout.release(one)
        raise library_unavailable() from None
    for one in accounts:
        if check.password_valid:
            lockout.succeed(one, at)
        else:
            lockout.fail(one, at, mirror)
    return check
