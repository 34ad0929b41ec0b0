"""Whether the library system has an application, for the counter: held (since when, which category), waiting (what,
why, since when), refused (the library system's code and detail, when), or not sent. Pure: the state item and the
library system's breaker come in, a status goes out.

The structured fields are what the staff page draws, in the page's language, from its own tables; ``words`` is the
same status as one zh-TW sentence, for API clients that show it as it is (a script, a log line).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from onecard.links.retry_policy import PartnerHealth

HELD, WAITING, REFUSED, NOT_SENT = "held", "waiting", "refused", "not_sent"

CATEGORY_WORDS = {"provisional": "暫時讀者（尚不能借閱）", "full": "正式借閱證"}
WAITING_WORDS = {
    "create": "等待建立暫時讀者",
    "upgrade": "等待升級為正式借閱證",
    "password": "等待設定讀者密碼",
    "card": "等待換上新借閱證條碼",
}
WHY_WORDS = {
    "queued": "排隊送出中",
    "unreachable": "圖書館系統暫時無法連線，恢復後自動送出",
    "down": "圖書館系統停止回應，恢復後自動送出",
    "rate": "依約定速率排隊中",
}
REFUSAL_WORDS = {
    "duplicate": "圖書館系統已有同名同生日之讀者，已送審核",
    "cardnumber": "此借閱證條碼在圖書館系統已屬他人，請換發新卡",
    "password": "圖書館系統不接受讀者的密碼，請讀者於櫃檯重設",
    "data": "圖書館系統不接受此筆資料",
    "failed": "多日無法送達圖書館系統，請洽系統管理員",
}
NOT_SENT_WORDS = "尚未送出：申請人尚未完成電子信箱驗證"


@dataclass(frozen=True)
class LibraryCardStatus:
    state: str
    words: str
    since: str | None = None
    """held: since when the library system holds the patron; waiting: since when the write waits; refused: when."""
    category: str | None = None
    """The category the library system holds the patron in (provisional, full), whatever the state."""
    reason: str | None = None
    """waiting: why (queued, unreachable, down, rate); refused: the library system's refusal code."""
    pending: str | None = None
    """waiting: what waits (create, upgrade, password, card: a replaced card's new barcode)."""
    held_since: str | None = None
    """Since when the library system holds the patron (also while a later write waits or was refused)."""
    down_since: str | None = None
    """waiting because the library system is down: since when it has been down."""
    detail: str | None = None
    """refused: the library system's own words, as it gave them."""


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _holding(held: str | None, held_since: str | None) -> str:
    return f"圖書館系統自 {held_since} 起已有此讀者：{CATEGORY_WORDS.get(held, held)}" if held else ""


def status_of(item: dict[str, Any] | None, health: PartnerHealth) -> LibraryCardStatus:
    """``item``: the reader's LIBRARY_SYSTEM item (None: nothing sent yet); ``health``: the library system's breaker."""
    if not item:
        return LibraryCardStatus(NOT_SENT, NOT_SENT_WORDS)
    held, held_since = item.get("held_category"), item.get("held_since")
    holding = _holding(held, held_since)
    kept = {"category": held, "held_since": held_since}
    refused = item.get("refused") or {}
    if refused:
        code, detail = refused.get("code") or "data", refused.get("detail")
        words = REFUSAL_WORDS.get(code, REFUSAL_WORDS["data"]) + (f"：{detail}" if detail else "")
        return LibraryCardStatus(
            REFUSED, "；".join(filter(None, [holding, words])), refused.get("at"), reason=code, detail=detail, **kept
        )
    pending = item.get("pending")
    if pending:
        why = "down" if health.down else (item.get("last_error") or "queued")
        down_since = _iso(health.down_since) if health.down and health.down_since else None
        words = f"{WAITING_WORDS.get(pending, pending)}，{WHY_WORDS.get(why, why)}"
        if down_since:
            words += f"（自 {down_since}）"
        return LibraryCardStatus(
            WAITING,
            "；".join(filter(None, [holding, words])),
            item.get("waiting_since"),
            reason=why,
            pending=pending,
            down_since=down_since,
            **kept,
        )
    return LibraryCardStatus(HELD, holding, held_since, **kept)
