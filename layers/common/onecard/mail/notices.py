"""Notices by mail: outbox items written in the same transaction as the change they tell of, and the relay's way
of turning one into a message. Only to a verified address; security notices always go, the others only while the
reader has not turned them off.

An outbox notice names its kind and the address captured at the change (so a notice of an erasure still has
somewhere to go once the data is gone); no ID number, password or postal address is ever in it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from onecard.mail import messages
from onecard.mail.mailer import Mailer

NOTICE_MAIL = "notice_mail"
NOTICE_KEEP_SECONDS = 7 * 86400

# kind → (zh-TW, English) of what happened; security notices cannot be turned off.
SECURITY = {
    "password_reset": ("密碼已經由「忘記密碼」重設，所有裝置上的登入均已登出",
                       "your password was reset through “forgot password” and every session was logged out"),
    "password_changed": ("密碼已變更", "your password was changed"),
}


def notice_address(profile: dict[str, Any] | None) -> str | None:
    """Where a notice may go: a verified address only."""
    if not profile or not profile.get("email") or not profile.get("email_verified"):
        return None
    return str(profile["email"])


def notice_item(reader_id: str, to: str, kind: str, now_epoch: int, **details: Any) -> dict[str, Any]:
    """The outbox item of one notice, to be put in the transaction of the change it tells of."""
    message = {"kind": NOTICE_MAIL, "notice": kind, "reader_id": reader_id, "to": to, **details}
    return {"pk": f"READER#{reader_id}", "sk": f"OUTBOX#MAIL-notice-{secrets.token_urlsafe(12)}",
            "message": json.dumps(message, ensure_ascii=False), "expires_at": now_epoch + NOTICE_KEEP_SECONDS}


def send_notice(message: dict[str, Any], mailer: Mailer, study_link: Callable[[], str]) -> None:
    kind = message["notice"]
    if kind in SECURITY:
        zh, en = SECURITY[kind]
        mailer.send(messages.security_notice(message["to"], zh, en, study_link()))
        return
    raise ValueError(f"unknown notice {kind!r}")
