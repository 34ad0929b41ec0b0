"""The texts of the service's e-mail, in Traditional Chinese with English below. Pure: no sending here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from onecard.mail.mailer import Message

SIGNATURE = "臺北市立圖書館 Taipei Public Library"


def verification(to: str, link: str, valid_hours: int) -> Message:
    """A new address's verification link; the token is in the link only (the page it opens has no field for it)."""
    return Message(
        to=to,
        subject="臺北市立圖書館：請驗證您的電子信箱 (Please verify your e-mail address)",
        text=(
            "您好：\n\n"
            f"請於 {valid_hours} 小時內開啟下列連結，以驗證此電子信箱（連結僅能使用一次）：\n{link}\n\n"
            "若您並未申請臺北市立圖書館借閱證或變更電子信箱，請忽略本信。\n\n"
            "Hello,\n\n"
            f"Please open the link above within {valid_hours} hours to verify this e-mail address "
            "(it works once). If you did not apply for a Taipei Public Library card or change your e-mail "
            "address, please ignore this message.\n\n"
            f"{SIGNATURE}\n"
        ),
    )


@dataclass(frozen=True)
class Application:
    """What a confirmation says of an application: the card, its deadline, who must come, which links wait."""

    reader_id: str
    card_type: str  # personal | family
    verify_by: str  # YYYY-MM-DD, Asia/Taipei
    minor: bool = False
    partners: tuple[str, ...] = ()

    @classmethod
    def from_message(cls, value: dict[str, Any]) -> Application:
        return cls(
            reader_id=str(value["reader_id"]),
            card_type=str(value["card_type"]),
            verify_by=str(value["verify_by"]),
            minor=bool(value.get("minor")),
            partners=tuple(str(p) for p in value.get("partners") or ()),
        )

    def as_message(self) -> dict[str, Any]:
        return {
            "reader_id": self.reader_id,
            "card_type": self.card_type,
            "verify_by": self.verify_by,
            "minor": self.minor,
            "partners": list(self.partners),
        }


CARD_NAMES = {"personal": ("個人借閱證", "a personal library card"), "family": ("家庭借閱證", "a family library card")}
PARTNER_NAMES = {
    "ntpc": ("新北市立圖書館", "New Taipei City Library"),
    "klcpl": ("基隆市公共圖書館", "Keelung City Public Library"),
    "taipei-card": ("臺北卡", "the Taipei Card"),
}
WHERE_ZH = "本館總館或任一分館的服務櫃檯（開放時間內）"
WHERE_EN = "the service counter of the main library or any branch (during opening hours)"


def things_to_bring(application: Application) -> tuple[list[str], list[str]]:
    """What the applicant brings to the counter, in Chinese and in English."""
    zh = ["身分證件正本（身分證、居留證或護照，與申請時所填相同）"]
    en = ["your identity document, the original (the ID card, resident certificate or passport you applied with)"]
    if application.card_type == "family":
        zh.append("戶口名簿（家庭證須核對戶號及戶長）")
        en.append("the household register (戶口名簿), to check the household number and its head")
    if application.minor:
        zh.append("法定代理人本人陪同，並攜帶其身分證件正本（由法定代理人同意申請及個資同意書）")
        en.append("your legal guardian in person, with their identity document (the guardian agrees for you)")
    return zh, en


def application_confirmation(to: str, application: Application, link: str | None, valid_hours: int) -> Message:
    """The one mail after applying: what was applied for, by when, what to bring and where — and the e-mail
    address's verification link, so that the applicant gets one message, not two."""
    card_zh, card_en = CARD_NAMES.get(application.card_type, CARD_NAMES["personal"])
    bring_zh, bring_en = things_to_bring(application)
    links_zh = "、".join(PARTNER_NAMES.get(p, (p, p))[0] for p in application.partners)
    links_en = ", ".join(PARTNER_NAMES.get(p, (p, p))[1] for p in application.partners)
    zh = [
        "您好：\n",
        f"我們已收到您的網路辦證申請（{card_zh}，讀者編號 {application.reader_id}），尚未完成辦證。\n",
        f"請於 {application.verify_by}（含）前至{WHERE_ZH}完成身分確認並領取借閱證，請攜帶：",
        *(f"・{item}" for item in bring_zh),
        "逾期申請將失效，所填個人資料將予刪除，您仍可重新申請。\n",
    ]
    en = [
        "Hello,\n",
        f"We have received your online application for {card_en} (reader number {application.reader_id}); the "
        "card is not issued yet.\n",
        f"By {application.verify_by} (inclusive), come to {WHERE_EN} to have your identity checked and collect the card. "
        "Please bring:",
        *(f"- {item}" for item in bring_en),
        "After that date the application expires and its personal data is deleted; you may apply again.\n",
    ]
    if application.partners:
        zh.append(f"您申請的一證通用服務（{links_zh}）將於您領取借閱證後才送交合作館辦理。\n")
        en.append(f"The one-card links you asked for ({links_en}) are sent once you have collected your card.\n")
    if link:
        zh.append(f"請於 {valid_hours} 小時內開啟下列連結，驗證此電子信箱（連結僅能使用一次）：\n{link}\n")
        en.append(
            f"Please open the link above within {valid_hours} hours to verify this e-mail address (it works once).\n"
        )
    zh.append("若您並未申請臺北市立圖書館借閱證，請忽略本信。\n")
    en.append("If you did not apply for a Taipei Public Library card, please ignore this message.\n")
    return Message(
        to=to,
        subject=(
            f"臺北市立圖書館：已收到您的辦證申請，請驗證電子信箱並於 {application.verify_by} 前至櫃檯領證 "
            f"(Application received: verify your e-mail address and collect your card by {application.verify_by})"
        ),
        text="\n".join(zh) + "\n" + "\n".join(en) + f"\n{SIGNATURE}\n",
    )


def reminder(to: str, verify_by: dt.date) -> Message:
    return Message(
        to=to,
        subject="臺北市立圖書館：請於期限前至櫃檯完成辦證 (Please collect your library card)",
        text=(
            "您好：\n\n"
            f"您的網路辦證申請尚未完成。請於 {verify_by.isoformat()} 前攜帶身分證件正本至本館任一分館櫃檯，"
            "完成身分確認並領取借閱證；逾期申請將失效，所填個人資料將予刪除，您仍可重新申請。\n\n"
            "Hello,\n\n"
            f"Your online application is not complete yet. Please bring your identity document to any branch "
            f"counter by {verify_by.isoformat()} to collect your card. After that date the application expires "
            "and its personal data is deleted; you may apply again.\n\n"
            f"{SIGNATURE}\n"
        ),
    )


def password_reset(to: str, link: str, valid_minutes: int) -> Message:
    return Message(
        to=to,
        subject="臺北市立圖書館：重設個人書房密碼 (Reset your password)",
        text=(
            "您好：\n\n"
            f"有人為您的個人書房帳號申請重設密碼。請於 {valid_minutes} 分鐘內開啟下列連結，"
            f"並在頁面上設定新密碼（連結僅能使用一次）：\n{link}\n\n"
            "若您並未申請，請忽略本信，您的密碼不會變更。\n\n"
            "Hello,\n\n"
            f"Someone asked to reset the password of your 個人書房 account. Open the link above within {valid_minutes} "
            "minutes and choose a new password on that page (the link works once). If it was not you, ignore this "
            "message: your password stays as it is.\n\n"
            f"{SIGNATURE}\n"
        ),
    )


def security_notice(to: str, what_zh: str, what_en: str, study_link: str) -> Message:
    """A change to the reader's account that the reader should know of, whether or not they turned notices off."""
    return Message(
        to=to,
        subject=f"臺北市立圖書館：{what_zh} ({what_en})",
        text=(
            "您好：\n\n"
            f"您的個人書房帳號：{what_zh}。\n"
            "若這不是您本人所為，請儘速聯絡本館或至各分館櫃檯洽詢。\n"
            f"個人書房：{study_link}\n\n"
            "Hello,\n\n"
            f"On your 個人書房 account: {what_en}.\n"
            "If this was not you, please contact the library or any branch counter at once.\n"
            f"個人書房 (your account): {study_link}\n\n"
            f"{SIGNATURE}\n"
        ),
    )


def notice(
    to: str, subject_zh: str, subject_en: str, body_zh: str, body_en: str, study_link: str, can_turn_off: bool = True
) -> Message:
    """A notice the reader may turn off in 個人書房 (links, consent revisions), or a welcome."""
    off_zh = "（可於個人書房關閉此類通知）\n" if can_turn_off else ""
    off_en = "(You can turn off notices like this one in 個人書房.)\n" if can_turn_off else ""
    return Message(
        to=to,
        subject=f"臺北市立圖書館：{subject_zh} ({subject_en})",
        text=(
            f"您好：\n\n{body_zh}\n個人書房：{study_link}\n{off_zh}\n"
            f"Hello,\n\n{body_en}\n個人書房 (your account): {study_link}\n{off_en}\n"
            f"{SIGNATURE}\n"
        ),
    )
