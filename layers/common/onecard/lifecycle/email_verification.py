"""E-mail verification: a random one-time link, valid 24 hours, of which only a hash is stored."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onecard.domain.issues import FieldIssue
from onecard.domain.moments import iso_millis
from onecard.lifecycle.records import TokenRefused
from onecard.mail import messages
from onecard.mail.mailer import Mailer
from onecard.web import problems

VALID_HOURS = 24
TOKEN_PURPOSE = "email-verification"
VERIFICATION_MAIL = "verification_mail"
RESEND_LIMIT_PER_HOUR = 3

_REFUSALS = {
    "token_unknown": "此驗證連結無效，請確認連結完整，或登入個人書房重新寄送 (Unknown verification link)",
    "token_used": "此驗證連結已使用過，電子信箱已完成驗證 (This link was already used)",
    "token_expired": "此驗證連結已逾 24 小時，請登入個人書房重新寄送 (This link has expired; ask for a new one)",
    "token_superseded": "已有較新的驗證連結或電子信箱已變更，請使用最新一封信中的連結 (A newer link replaced this one)",
}


def now() -> dt.datetime:
    """The one clock of verification links (tests replace it to move time forward)."""
    return dt.datetime.now(dt.UTC)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    sha256: str
    valid_until: int


def new_token(now: dt.datetime) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    return IssuedToken(token, token_sha256(token), int(now.timestamp()) + VALID_HOURS * 3600)


def token_from_nonce(key: bytes, nonce: str, purpose: str = TOKEN_PURPOSE) -> str:
    """The link's token, made from a random nonce with the service's key: a mail waiting in the outbox keeps only
    the nonce, so the token itself is never stored, only its hash. ``purpose`` keeps the tokens of different
    links (this one, a password reset) apart."""
    digest = hmac.new(key, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def nonce_key_version(nonce: str) -> int:
    """The blind-index key version a nonce was issued under: ``v<n>.`` in front, none for version 1 (as before
    key versions existed)."""
    head, dot, _ = nonce.partition(".")
    return int(head[1:]) if dot and head.startswith("v") and head[1:].isdigit() else 1


def token_for_nonce(indexes: Any, nonce: str, purpose: str = TOKEN_PURPOSE) -> str:
    """The token of a nonce, made with the key version it was issued under (``indexes`` is an IdentityIndexes):
    a rotation of the blind-index key between the application and the relay's mail breaks no link."""
    _, key = indexes.token_key(nonce_key_version(nonce))
    return token_from_nonce(key, nonce, purpose)


def new_outbox_token(
    now: dt.datetime, indexes: Any, *, purpose: str = TOKEN_PURPOSE, valid_seconds: int = VALID_HOURS * 3600
) -> tuple[IssuedToken, str]:
    """A one-time link's token whose mail goes through the outbox: the token, its hash, and the nonce the outbox
    message keeps instead of the token."""
    version, key = indexes.token_key()
    nonce = secrets.token_urlsafe(16) if version == 1 else f"v{version}.{secrets.token_urlsafe(16)}"
    token = token_from_nonce(key, nonce, purpose)
    return IssuedToken(token, token_sha256(token), int(now.timestamp()) + valid_seconds), nonce


def verification_mail(
    reader_id: str, address: str, nonce: str, application: messages.Application | None = None
) -> dict[str, Any]:
    """The outbox message of a verification mail: everything the relay needs, except the token itself. After an
    application it is the application's confirmation, with the link in it."""
    message = {"kind": VERIFICATION_MAIL, "reader_id": reader_id, "to": address, "nonce": nonce}
    return {**message, "application": application.as_message()} if application else message


def send_from_outbox(message: dict[str, Any], indexes: Any, mailer: Mailer, link_for: Callable[[str], str]) -> None:
    link = link_for(token_for_nonce(indexes, message["nonce"]))
    if isinstance(message.get("application"), dict):
        application = messages.Application.from_message(message["application"])
        mailer.send(messages.application_confirmation(message["to"], application, link, VALID_HOURS))
    else:
        mailer.send(messages.verification(message["to"], link, VALID_HOURS))


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


@dataclass
class VerificationDependencies:
    lifecycle: Any
    readers: Any
    mailer: Mailer
    link_for: Callable[[str], str]
    rate_limit: Callable[[str], Any]
    clock: Callable[[], dt.datetime] = lambda: now()
    on_verified: Callable[[str, dt.datetime], list[dict[str, Any]]] = lambda reader_id, at: []
    """What a verified address lets leave, in the same write (the reader's provisional patron)."""


def send_link(address: str, issued: IssuedToken, mailer: Mailer, link_for: Callable[[str], str]) -> None:
    mailer.send(messages.verification(address, link_for(issued.token), VALID_HOURS))


def verify(token: str, deps: VerificationDependencies) -> None:
    """Spends a link. Refused with the reason (unknown, used, expired, superseded); nothing changes then."""
    hashed = token_sha256(token.strip())
    pointer = deps.lifecycle.token(hashed)
    now = deps.clock()
    if pointer is None:
        _refuse("token_unknown")
    if pointer.get("used_at"):
        _refuse("token_used")
    if int(pointer["valid_until"]) < int(now.timestamp()):
        _refuse("token_expired")
    try:
        deps.lifecycle.use_token(
            hashed,
            pointer["reader_id"],
            int(now.timestamp()),
            iso_millis(now),
            deps.on_verified(pointer["reader_id"], now),
        )
    except TokenRefused as refused:
        _refuse(refused.code)


def resend(reader_id: str, deps: VerificationDependencies) -> str:
    """A new link to the reader's current address (the old one stops working). Returns the address, masked."""
    profile = deps.readers.get_profile(reader_id)
    address = profile.get("email") if profile else None
    if not address:
        raise problems.Conflict(
            "您尚未留存電子信箱，請先於個人書房補充 (No e-mail address on file)", extra={"code": "no_email"}
        )
    if profile.get("email_verified"):
        raise problems.Conflict(
            "此電子信箱已完成驗證 (This address is already verified)", extra={"code": "already_verified"}
        )
    verdict = deps.rate_limit(reader_id)
    if not verdict.allowed:
        raise problems.TooManyRequests(
            "重新寄送次數過多，請稍後再試 (Too many requests; try later)",
            retry_after_seconds=verdict.retry_after_seconds,
        )
    issue_and_send(reader_id, address, deps)
    return mask_email(address)


def issue_and_send(reader_id: str, address: str, deps: VerificationDependencies) -> None:
    """For an address that changed or a reader who asked again: a new link replaces any earlier one."""
    issued = new_token(deps.clock())
    deps.lifecycle.replace_token(reader_id, address, issued.sha256, issued.valid_until)
    send_link(address, issued, deps.mailer, deps.link_for)


def _refuse(code: str) -> None:
    raise problems.InvalidFields([FieldIssue("token", code, _REFUSALS[code])], detail=_REFUSALS[code])
