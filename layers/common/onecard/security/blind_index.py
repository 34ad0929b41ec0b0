"""Keyed blind indexes: look a person up by an identifier without storing the identifier in clear."""

from __future__ import annotations

import hashlib
import hmac


def blind_index(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of a normalised value, separated by purpose so one index never matches another."""
    message = f"{purpose}\x1f{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
