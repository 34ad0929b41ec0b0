"""Whether the library system has an application, in words for the counter: since when, waiting (and why), or
refused. Pure: the state item and the library system's breaker come in, a status goes out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from onecard.links.retry_policy import PartnerHealth

HELD, WAITING, REFUSED, NOT_SENT = "held", "waiting", "refused", "not_sent"

CATEGORY_WORDS = {
    "provisional": "暫時讀者（尚不能借閱）(provisional: no loans yet)",
    "full": "正式借閱證 (full card)",
}
WAITING_WORDS = {
    "create": "等待建立暫時讀者 (waiting to be created as a provisional patron)",
    "upgrade": "等待升級為正式借閱證 (waiting to become a full card)",
    "password": "等待設定讀者密碼 (waiting to set the reader's password)",
}
WHY_WORDS = {
    "queued": "排隊送出中 (queued)",
    "unreachable": "圖書館系統暫時無法連線，恢復後自動送出 (the library system cannot be reached; sent when it is back)",
    "down": "圖書館系統停止回應，恢復後自動送出 (the library system is down; sent when it is back)",
    "rate": "依約定速率排隊中 (waiting for its turn at the agreed rate)",
}
REFUSAL_WORDS = {
    "duplicate": "圖書館系統已有同名同生日之讀者，已送審核 (a patron with this name and birth date exists: sent to the "
    "reviewers)",
    "cardnumber": "此借閱證條碼在圖書館系統已屬他人，請換發新卡再啟用 (the library system holds this barcode for "
    "someone else)",
    "password": "圖書館系統不接受讀者的密碼，請讀者於櫃檯重設 (the library system refused the reader's password; reset "
    "it at the counter)",
    "data": "圖書館系統不接受此筆資料 (the library system refused the record)",
    "failed": "多日無法送達圖書館系統，請洽系統管理員 (could not reach the library system for days; ask the operators)",
}
NOT_SENT_WORDS = "尚未送出：申請人尚未完成電子信箱驗證 (not sent yet: the e-mail address is not verified)"


@dataclass(frozen=True)
class LibraryCardStatus:
    state: str
    words: str
    since: str | None = None
    """held: since when the library system holds the patron; waiting: since when the write waits; refused: when."""
    category: str | None = None
    reason: str | None = None


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def status_of(item: dict[str, Any] | None, health: PartnerHealth) -> LibraryCardStatus:
    """``item``: the reader's LIBRARY_SYSTEM item (None: nothing sent yet); ``health``: the library system's breaker."""
    if not item:
        return LibraryCardStatus(NOT_SENT, NOT_SENT_WORDS)
    held = item.get("held_category")
    holding = f"圖書館系統自 {item['held_since']} 起已有此讀者：{CATEGORY_WORDS.get(held, held)}" if held else ""
    refused = item.get("refused") or {}
    if refused:
        words = REFUSAL_WORDS.get(refused.get("code", ""), REFUSAL_WORDS["data"])
        detail = refused.get("detail")
        return LibraryCardStatus(
            REFUSED,
            "；".join(filter(None, [holding, words + (f"：{detail}" if detail else "")])),
            refused.get("at"),
            held,
            refused.get("code"),
        )
    pending = item.get("pending")
    if pending:
        why = "down" if health.down else (item.get("last_error") or "queued")
        words = f"{WAITING_WORDS.get(pending, pending)}，{WHY_WORDS.get(why, why)}"
        if health.down and health.down_since:
            words += f"（自 {_iso(health.down_since)}）"
        return LibraryCardStatus(
            WAITING, "；".join(filter(None, [holding, words])), item.get("waiting_since"), held, why
        )
    return LibraryCardStatus(HELD, holding, item.get("held_since"), held)
