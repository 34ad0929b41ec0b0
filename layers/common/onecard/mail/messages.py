"""The texts of the service's e-mail, in Traditional Chinese with English below. Pure: no sending here."""

from __future__ import annotations

import datetime as dt

from onecard.mail.mailer import Message

SIGNATURE = "臺北市立圖書館 Taipei Public Library"


def verification(to: str, link: str, token: str, valid_hours: int) -> Message:
    return Message(
        to=to,
        subject="臺北市立圖書館：請驗證您的電子信箱 (Please verify your e-mail address)",
        text=(
            "您好：\n\n"
            f"請於 {valid_hours} 小時內開啟下列連結，以驗證此電子信箱（連結僅能使用一次）：\n{link}\n\n"
            f"驗證碼：{token}\n\n"
            "若您並未申請臺北市立圖書館借閱證或變更電子信箱，請忽略本信。\n\n"
            "Hello,\n\n"
            f"Please open the link above within {valid_hours} hours to verify this e-mail address "
            "(it works once). If you did not apply for a Taipei Public Library card or change your e-mail "
            "address, please ignore this message.\n\n"
            f"{SIGNATURE}\n"
        ),
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
