"""Password hashing with argon2id at (or above) OWASP's recommended parameters."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
_MEMORY_KIB = 19 * 1024
_TIME_COST = 2
_PARALLELISM = 1


@functools.cache
def _hasher() -> PasswordHasher:
    # argon2 is imported by the first request that hashes or verifies, not at a cold start.
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=_TIME_COST, memory_cost=_MEMORY_KIB, parallelism=_PARALLELISM)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when no account exists, so both answers take the same time."""
    return hash_password("not-a-real-password")
