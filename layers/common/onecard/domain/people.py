"""Names, birth dates and age, reckoned on the calendar day in Taipei, where the library is."""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo

from onecard.domain.issues import FieldIssue

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")
ADULT_AGE = 18  # Civil Code art. 12 as amended, in force since 2023-01-01 (it was 20 before)
NAME_MAX_LENGTH = 50
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
# Bidirectional embeddings, overrides and isolates: invisible, and able to make a name display as another.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def today_in_taipei(now: dt.datetime) -> dt.date:
    """The date in Taipei at ``now``. A naive datetime is refused: Lambda runs in UTC, a laptop may not."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(TAIPEI).date()


def normalise_name(raw: str) -> str:
    """NFC (so that the same name typed on different systems is the same string), trimmed, inner runs of
    whitespace (full-width spaces too) made one space."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _has_control_character(text: str) -> bool:
    # Cc: C0/C1 controls such as NUL or ESC; Cs: lone surrogates, which JSON can carry but UTF-8 cannot.
    # Private-use characters (Co) are allowed: household registration uses them for rare characters in names.
    return any(unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS for c in text)


def name_issue(raw: str) -> FieldIssue | None:
    name = normalise_name(raw)
    if not name:
        return FieldIssue("name", "name_required", "請填寫姓名")
    if _has_control_character(name):  # tabs and newlines were whitespace, already made spaces
        return FieldIssue("name", "name_invalid", "姓名含有無法接受的控制字元，請重新輸入")
    if len(name) > NAME_MAX_LENGTH:
        return FieldIssue("name", "name_too_long", f"姓名請在 {NAME_MAX_LENGTH} 字以內")
    return None


def birth_date_issue(birth: dt.date, today: dt.date) -> FieldIssue | None:
    if birth > today:
        return FieldIssue("birth_date", "birth_date_future", "出生日期不可晚於今天")
    if birth < EARLIEST_BIRTH_DATE:
        return FieldIssue("birth_date", "birth_date_too_early", "出生日期不可早於 1900 年 1 月 1 日，請再確認")
    return None


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on ``day``.

    Age runs from the day of birth (Civil Code art. 124), so a year is completed at the end of the day before
    the birthday. Someone born on 29 February has no such day in a common year; art. 121 II then ends the year
    on the last day of February, so they turn a year older on 1 March.
    """
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def is_minor(birth: dt.date, day: dt.date) -> bool:
    return age_on(birth, day) < ADULT_AGE
