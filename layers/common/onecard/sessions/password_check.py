"""Every check of a reader's password, at login or inside a session, under one lockout. No AWS import here."""

from __future__ import annotations

from typing import Any

from onecard.security.passwords import dummy_hash, verify_password
from onecard.web import problems

LOCKED = "登入失敗次數過多，帳號暫時鎖定，請稍後再試 (Too many failed logins)"


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
    accounts = [account] if isinstance(account, str) else list(account)
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
