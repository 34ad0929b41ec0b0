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
