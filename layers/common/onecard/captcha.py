"""ALTCHA proof-of-work (v1): a challenge the browser solves in the background instead of typing a code.

The `altcha` package is imported on first use so that routes which never see a captcha do not pay for it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from altcha.v1 import PayloadType


class CaptchaRejected(Exception):
    """The solution is missing, forged, wrong or expired. ``code`` names which, for the field error."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VerifiedSolution:
    replay_marker: str
    expires_at: int


def create_challenge(hmac_key: bytes, *, max_number: int, ttl_seconds: int, now: dt.datetime) -> dict[str, Any]:
    import altcha

    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            hmac_key=hmac_key, max_number=max_number, expires=now + dt.timedelta(seconds=ttl_seconds)
        )
    )
    return {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "salt": challenge.salt,
        "signature": challenge.signature,
        "maxnumber": challenge.max_number,
    }


def verify_solution(payload: str, hmac_key: bytes | list[bytes], *, now: dt.datetime) -> VerifiedSolution:
    """``hmac_key`` may be every live version of the key: a challenge signed just before a rotation stays valid
    until it expires."""
    import altcha

    fields = _decode(payload)
    expires_at = _expiry(fields)
    if expires_at is None:
        raise CaptchaRejected("captcha_invalid", "驗證資料不正確，請重新驗證")
    if expires_at < now.timestamp():
        raise CaptchaRejected("captcha_expired", "驗證已逾時，請重新驗證")
    keys = [hmac_key] if isinstance(hmac_key, bytes) else list(hmac_key)
    # _decode made sure every field that PayloadType requires is there; altcha checks their values.
    solution = cast("PayloadType", fields)
    if not any(altcha.verify_solution_v1(solution, key, check_expires=False)[0] for key in keys):
        raise CaptchaRejected("captcha_invalid", "驗證資料不正確，請重新驗證")
    marker = hashlib.sha256(str(fields["challenge"]).encode("utf-8")).hexdigest()
    return VerifiedSolution(replay_marker=marker, expires_at=expires_at)


def _decode(payload: str) -> dict[str, Any]:
    try:
        fields = json.loads(base64.b64decode(payload, validate=True).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CaptchaRejected("captcha_invalid", "驗證資料不正確，請重新驗證") from None
    if not isinstance(fields, dict) or not all(
        k in fields for k in ("algorithm", "challenge", "number", "salt", "signature")
    ):
        raise CaptchaRejected("captcha_invalid", "驗證資料不正確，請重新驗證")
    return fields


def _expiry(fields: dict[str, Any]) -> int | None:
    from urllib.parse import parse_qs

    salt = str(fields.get("salt", ""))
    if "?" not in salt:
        return None
    values = parse_qs(salt.split("?", 1)[1]).get("expires", [])
    if len(values) != 1 or not values[0].isdigit():
        return None
    return int(values[0])


def solve(challenge: dict[str, Any]) -> str:
    """Solves a challenge as a browser would; for tests, benchmarks and the README's curl example."""
    import altcha

    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    if solution is None:
        raise ValueError("challenge has no solution")
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode("utf-8")).decode("ascii")
