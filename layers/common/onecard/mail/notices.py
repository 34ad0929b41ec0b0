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
    "password_reset": (
        "密碼已經由「忘記密碼」重設，所有裝置上的登入均已登出",
        "your password was reset through “forgot password” and every session was logged out",
    ),
    "password_changed": ("密碼已變更", "your password was changed"),
    "data_corrected": ("個人資料已更正", "your personal data was corrected"),
    "erasure_requested": (
        "已申請刪除個人資料，帳號與資料將予刪除",
        ("erasure of your personal data was requested; your account and data are being deleted"),
    ),
}
# The notices a reader may turn off (PATCH /v1/readers/me {"notices": {...}}): kind → preference.
PREFERENCE_OF = {
    "link_active": "links",
    "link_rejected": "links",
    "link_failed": "links",
    "consent_revised": "consent_revisions",
}
PREFERENCES = ("links", "consent_revisions")
PARTNER_NAMES = {
    "ntpc": ("新北市立圖書館", "New Taipei City Library"),
    "klcpl": ("基隆市公共圖書館", "Keelung City Public Library"),
    "taipei-card": ("臺北卡", "Taipei Card"),
}


def notice_address(profile: dict[str, Any] | None) -> str | None:
    """Where a notice may go: a verified address only."""
    if not profile or not profile.get("email") or not profile.get("email_verified"):
        return None
    return str(profile["email"])


def wants(profile: dict[str, Any], kind: str) -> bool:
    """Security notices always go; the others unless the reader turned their kind off."""
    preference = PREFERENCE_OF.get(kind)
    return preference is None or (profile.get("notices") or {}).get(preference, True) is not False


def notice_item(reader_id: str, to: str, kind: str, now_epoch: int, **details: Any) -> dict[str, Any]:
    """The outbox item of one notice, to be put in the transaction of the change it tells of."""
    message = {"kind": NOTICE_MAIL, "notice": kind, "reader_id": reader_id, "to": to, **details}
    return {
        "pk": f"READER#{reader_id}",
        "sk": f"OUTBOX#MAIL-notice-{secrets.token_urlsafe(12)}",
        "message": json.dumps(message, ensure_ascii=False),
        "expires_at": now_epoch + NOTICE_KEEP_SECONDS,
    }


def notice_for(profile: dict[str, Any] | None, kind: str, now_epoch: int, **details: Any) -> dict[str, Any] | None:
    """The outbox item of a notice for this reader, or None: no verified address, or a kind turned off."""
    address = notice_address(profile)
    if address is None or profile is None or not wants(profile, kind):
        return None
    return notice_item(profile["reader_id"], address, kind, now_epoch, **details)


def put_action(table: str, item: dict[str, Any]) -> dict[str, Any]:
    from onecard.infra.dynamo import to_item

    return {"Put": {"TableName": table, "Item": to_item(item)}}


def _partner(code: str) -> tuple[str, str]:
    return PARTNER_NAMES.get(code, (code, code))


def send_notice(message: dict[str, Any], mailer: Mailer, study_link: Callable[[], str]) -> None:
    kind, to, link = message["notice"], message["to"], study_link()
    if kind in SECURITY:
        zh, en = SECURITY[kind]
        mailer.send(messages.security_notice(to, zh, en, link))
        return
    if kind.startswith("link_"):
        zh_name, en_name = _partner(message.get("partner", ""))
        reason = message.get("reason") or ""
        texts = {
            "link_active": (
                f"一證通用：{zh_name}借閱證已結合完成",
                f"One-card service: your {en_name} link is active",
                f"您與{zh_name}的一證通用結合已完成，可持本館借閱證於{zh_name}借閱。",
                f"Your one-card link with {en_name} is active: your card now works there too.",
            ),
            "link_rejected": (
                f"一證通用：{zh_name}未同意結合",
                f"One-card service: {en_name} refused the link",
                f"{zh_name}未同意結合您的借閱證。合作館說明：{reason or '（未說明）'}",
                f"{en_name} refused to link your card. The partner's reason: {reason or '(none given)'}",
            ),
            "link_failed": (
                f"一證通用：{zh_name}結合未能完成",
                f"One-card service: the {en_name} link failed",
                f"因{zh_name}暫時無法回應，結合申請未能完成，您可於個人書房重新申請。",
                f"{en_name} did not answer, so the link could not be made; you may ask again in 個人書房.",
            ),
        }[kind]
        mailer.send(messages.notice(to, *texts, link))
        return
    if kind == "consent_revised":
        zh_name, en_name = _partner(message.get("partner", ""))
        version = message.get("version")
        mailer.send(
            messages.notice(
                to,
                f"{zh_name}個資同意書已修訂",
                f"The {en_name} consent form was revised",
                f"您先前同意的{zh_name}個資同意書已修訂為第 {version} 版（{message.get('summary_zh') or '內容更新'}）。"
                "請登入個人書房閱讀新版本並重新表示同意。",
                f"The {en_name} consent form you agreed to was revised (version {version}: "
                f"{message.get('summary_en') or 'its text was updated'}). Please log in to 個人書房 to read it and agree again.",
                link,
            )
        )
        return
    if kind == "card_activated":
        mailer.send(
            messages.notice(
                to,
                "歡迎使用臺北市立圖書館借閱證",
                "Welcome: your library card is ready",
                f"您的網路辦證申請已於櫃檯完成身分確認，借閱證條碼為 {message.get('card_barcode')}。歡迎利用本館服務。",
                f"Your application was confirmed at the counter; your card's barcode is {message.get('card_barcode')}. "
                "Welcome to the library.",
                link,
                can_turn_off=False,
            )
        )
        return
    raise ValueError(f"unknown notice {kind!r}")
