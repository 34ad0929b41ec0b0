"""The one-card partner protocol: HMAC-SHA256 signatures over "timestamp.body", and the messages exchanged."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

REQUEST_ID_HEADER = "X-OneCard-Request-Id"
TIMESTAMP_HEADER = "X-OneCard-Timestamp"
SIGNATURE_HEADER = "X-OneCard-Signature"
MAX_CLOCK_SKEW_SECONDS = 300
PATHS = {"link": "/one-card/links", "unlink": "/one-card/unlinks", "update": "/one-card/updates"}
# A shared HMAC-SHA256 key shorter than the hash's 32 bytes is weak, and the stack's placeholder ("UNSET") is short.
MIN_SECRET_BYTES = 32
_SIGNED_AT = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


class PartnerSecretNotSet(Exception):
    """The secret shared with a partner is missing, or still the placeholder the stack created: never sign with it."""

    def __init__(self, partner: str, secret_id: str, why: str):
        super().__init__(
            f"the secret shared with partner {partner} ({secret_id}) is not set: {why}; an operator "
            f"must put the value agreed with the partner (docs/operations.md, partner secrets)"
        )
        self.partner = partner


def usable_secret(partner: str, secret_id: str, value: bytes) -> bytes:
    """``value`` when it can sign and verify; otherwise PartnerSecretNotSet, so nothing is signed with a placeholder."""
    if len(value) < MIN_SECRET_BYTES:
        raise PartnerSecretNotSet(partner, secret_id, f"it holds {len(value)} bytes, fewer than {MIN_SECRET_BYTES}")
    return value


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, request_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        REQUEST_ID_HEADER: request_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify(secret: bytes, headers: Mapping[str, str], body: bytes, now: float) -> int | None:
    """The signed timestamp when the signature is right and fresh; None otherwise."""
    lowered = {str(k).lower(): v for k, v in headers.items()}
    timestamp, signature = lowered.get(TIMESTAMP_HEADER.lower()), lowered.get(SIGNATURE_HEADER.lower())
    # Anyone can send these headers: whatever they hold (non-ASCII, "²", a 10,000-digit number) is a refusal,
    # never an exception.
    if not isinstance(timestamp, str) or not _SIGNED_AT.fullmatch(timestamp):
        return None
    if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
        return None
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return None
    if not hmac.compare_digest(sign(secret, int(timestamp), body).encode("ascii"), signature.lower().encode("ascii")):
        return None
    return int(timestamp)


def verify_any(secrets: list[bytes], headers: Mapping[str, str], body: bytes, now: float) -> int | None:
    """As verify, with the first of ``secrets`` that the signature matches (a rotation's window accepts both)."""
    for secret in secrets:
        signed_at = verify(secret, headers, body, now)
        if signed_at is not None:
            return signed_at
    return None


def minimised(profile: Mapping[str, Any], data_fields: tuple[str, ...], id_number: str) -> dict[str, Any]:
    """Only what the partner's consent document lists: data minimisation."""
    values = {**profile, "id_number": id_number}
    return {name: values.get(name) for name in data_fields if values.get(name) is not None}
