"""忘記密碼: a one-time link to the reader's verified address, valid 30 minutes, of which only a hash is stored.

Asking never tells whether the reader exists: every request does the same work (one pointer read, one profile
read, one transaction of two puts, the same rate-limit counters) and gets the same 202. Only a reader with a verified
address is mailed: one whose password this service holds, or a card holder whose password the library system holds
when its REST door is there (the new password is then set in the library system). The link's token is made from a
nonce with the service's key, as for e-mail verification, and the outbox mail keeps only the nonce.

Setting the new password spends the link, stores the new hash, records it in the audit trail and writes the
security notice, in one transaction; then every session of the reader ends and the login lockout is cleared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onecard.domain.issues import FieldIssue
from onecard.domain.moments import iso_millis
from onecard.domain.password import password_issues
from onecard.library_cards import SealedPasswordMoved
from onecard.lifecycle import email_verification
from onecard.lifecycle.records import TokenRefused
from onecard.mail import messages, notices
from onecard.mail.mailer import Mailer
from onecard.readers import library_record
from onecard.readers.library_patrons import PASSWORD_MOVED, holds_password
from onecard.readers.personal_data import audit_item
from onecard.security.passwords import hash_password
from onecard.web import problems

VALID_MINUTES = 30
TOKEN_PURPOSE = "password-reset"
RESET_MAIL = "password_reset_mail"
LIMIT_PER_ADDRESS_PER_HOUR = 10
LIMIT_PER_READER_PER_HOUR = 3
NO_READER = "-"  # the profile read for an identity that has no reader: it finds nothing, as it should

REFUSALS = {
    "reset_token_unknown": "此重設密碼連結無效，請確認連結完整，或重新申請 (Unknown password-reset link)",
    "reset_token_used": "此重設密碼連結已使用過，請以新密碼登入或重新申請 (This link was already used)",
    "reset_token_expired": f"此重設密碼連結已逾 {VALID_MINUTES} 分鐘，請重新申請 (This link has expired; ask for a new one)",
}
TOO_MANY = "重設密碼申請次數過多，請稍後再試 (Too many requests; try later)"


def now() -> dt.datetime:
    """The one clock of reset links (tests replace it to move time forward)."""
    return dt.datetime.now(dt.UTC)


@dataclass
class ResetDependencies:
    readers: Any
    lifecycle: Any
    indexes: Callable[[], Any]
    """The IdentityIndexes: the identity's blind index, and the key that makes tokens from nonces."""
    rate_limit: Callable[[str, str, int], Any]
    """(bucket, client, limit per hour) → a rate-limit verdict, counted per client address and per identity."""
    sessions: Any = None
    lockout: Any = None
    decrypt_id_number: Callable[[dict[str, Any]], str] = lambda profile: ""
    clock: Callable[[], dt.datetime] = lambda: now()
    records: Callable[[], Any] = lambda: None
    """The library system's write-capable door (PatronRecords), where card holders' passwords are set; None: none."""
    barcode_index: Callable[[str], str] | None = None
    """The lockout's account of a card barcode: a login counts the value typed under it too (onecard.sessions.login)."""
    password_for_library: Callable[[dict[str, Any], str, str, dt.datetime], list[dict[str, Any]]] = (
        lambda profile, password, password_hash, now: []
    )
    """A password set here, sealed for the library system in place of the one it is still to get
    (onecard.readers.library_password), as actions of the reset's transaction."""


def reset_mail(reader_id: str, address: str, nonce: str) -> dict[str, Any]:
    return {"kind": RESET_MAIL, "reader_id": reader_id, "to": address, "nonce": nonce}


def send_from_outbox(message: dict[str, Any], indexes: Any, mailer: Mailer, link_for: Callable[[str], str]) -> None:
    token = email_verification.token_for_nonce(indexes, message["nonce"], TOKEN_PURPOSE)
    mailer.send(messages.password_reset(message["to"], link_for(token), VALID_MINUTES))


def may_reset_here(profile: dict[str, Any] | None, library_door: bool = False) -> bool:
    """A reader with a verified address to mail the link to, whose password this service holds, or the library
    system holds and this service can set there (``library_door``)."""
    if not profile or notices.notice_address(profile) is None:
        return False
    if holds_password(profile):
        return library_door
    return bool(profile.get("password_hash"))


def request_reset(
    client_address: str, id_number: str | None, card_barcode: str | None, deps: ResetDependencies
) -> None:
    """Mails a link when the reader may reset here; otherwise the same work and answer, and no mail."""
    indexes = deps.indexes()
    if id_number is not None:
        account = indexes.identity(id_number)
        identity = account.current if hasattr(account, "current") else str(account)
    else:
        identity = f"barcode:{card_barcode}"
    for bucket, client in (("password-reset-address", client_address), ("password-reset-reader", identity)):
        limit = LIMIT_PER_ADDRESS_PER_HOUR if bucket.endswith("address") else LIMIT_PER_READER_PER_HOUR
        verdict = deps.rate_limit(bucket, client, limit)
        if not verdict.allowed:
            raise problems.TooManyRequests(TOO_MANY, retry_after_seconds=verdict.retry_after_seconds)
    reader_id = (
        deps.readers.reader_id_for_identity(account)
        if id_number is not None
        else deps.readers.reader_id_for_barcode(card_barcode or "")
    )
    profile = deps.readers.get_profile(reader_id or NO_READER)
    issued, nonce = email_verification.new_outbox_token(
        deps.clock(), indexes, purpose=TOKEN_PURPOSE, valid_seconds=VALID_MINUTES * 60
    )
    try:
        door = _door(profile, deps) is not None
    except problems.ServiceUnavailable:  # its client not set: no mail, and the same answer as for anyone else
        door = False
    if may_reset_here(profile, library_door=door):
        deps.lifecycle.reset_request(
            profile["reader_id"],
            issued.sha256,
            issued.valid_until,
            reset_mail(profile["reader_id"], profile["email"], nonce),
            nonce,
        )
    else:
        deps.lifecycle.reset_request(None, issued.sha256, issued.valid_until, None, nonce)


def complete_reset(token: str, password: str, password_confirm: str, deps: ResetDependencies) -> str:
    """Sets the new password with the link's token. Returns the reader id. Refused (422, the code says which:
    unknown, used, expired) with nothing changed."""
    hashed = email_verification.token_sha256(token.strip())
    pointer = deps.lifecycle.reset_token(hashed)
    at = deps.clock()
    if pointer is None or not pointer.get("reader_id"):
        _refuse("reset_token_unknown")
    if pointer.get("used_at"):
        _refuse("reset_token_used")
    if int(pointer["valid_until"]) < int(at.timestamp()):
        _refuse("reset_token_expired")
    reader_id = pointer["reader_id"]
    profile = deps.readers.get_profile(reader_id)
    records = _door(profile, deps)
    if not profile or (holds_password(profile) and records is None):
        _refuse("reset_token_unknown")
    birth = profile.get("birth_date")
    id_number = deps.decrypt_id_number(profile) if profile.get("id_number_encrypted") else None
    issues = password_issues(
        password,
        password_confirm,
        id_number=id_number,
        birth_date=dt.date.fromisoformat(birth) if birth else None,
    )
    if records is not None:  # the length is the library system's to decide
        issues = [issue for issue in issues if issue.code != "password_length"]
    if issues:
        raise problems.InvalidFields(issues)
    stamp = iso_millis(at)
    extra = [audit_item(reader_id, "password", "reset", stamp, channel="password_reset")]
    address = notices.notice_address(profile)
    if address:
        extra.append(notices.notice_item(reader_id, address, "password_reset", int(at.timestamp())))
    if records is not None:
        # The library system holds the password: set there first (its policy refusals in words); nothing kept here.
        patron_id = library_record.or_503(lambda: library_record.patron_id_of(profile, records))
        library_record.set_password(records, patron_id, password)
        changes: dict[str, Any] = {"password_changed_at": stamp, "library_patron_id": patron_id}
        sealed: list[dict[str, Any]] = []
    else:
        changes = {"password_hash": hash_password(password), "password_changed_at": stamp}
        sealed = deps.password_for_library(profile, password, changes["password_hash"], at)
    try:
        deps.lifecycle.use_reset_token(
            hashed,
            reader_id,
            int(at.timestamp()),
            stamp,
            changes,
            extra,
            identity_index=profile.get("identity_index") if records is None else None,  # no hash to copy
            extra_actions=sealed,
        )
    except TokenRefused as refused:
        _refuse(f"reset_{refused.code}")
    except SealedPasswordMoved:  # the link stays unspent: the next try sets the password where it is now
        raise problems.Conflict(PASSWORD_MOVED, extra={"code": "password_moved_meanwhile"}) from None
    deps.sessions.revoke_all(reader_id)
    for account in _lockout_accounts(profile, id_number, deps):
        deps.lockout.clear(account)
    return reader_id


def _door(profile: dict[str, Any] | None, deps: ResetDependencies) -> Any:
    """The library system's door for a card holder's profile (None for anyone else, or where there is none)."""
    return deps.records() if profile and holds_password(profile) else None


def _lockout_accounts(profile: dict[str, Any], id_number: str | None, deps: ResetDependencies) -> list[str]:
    """Every account a login of this reader counts and locks under: their identity's index (each live key
    version's), and the card barcode accounts of their ID number and of their card."""
    accounts = [profile.get("identity_index")]
    if id_number:
        identity = deps.indexes().identity(id_number)
        accounts += [identity] if isinstance(identity, str) else list(identity)
    if deps.barcode_index is not None:
        accounts += [deps.barcode_index(value) for value in (id_number, profile.get("card_barcode")) if value]
    return [account for account in dict.fromkeys(accounts) if account]


def _refuse(code: str) -> None:
    raise problems.InvalidFields([FieldIssue("token", code, REFUSALS[code])], detail=REFUSALS[code])
