"""Names, birth dates and age, reckoned on the library's calendar day in Taipei."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo

from onecard.domain.issues import FieldIssue

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")
ADULT_AGE = 18  # Civil Code art. 12 since 2023-01-01
_EARLIEST_BIRTH = dt.date(1900, 1, 1)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def today_in_taipei(now: dt.datetime) -> dt.date:
    return now.astimezone(TAIPEI).date()


def normalise_name(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def name_issue(raw: str) -> FieldIssue | None:
    name = normalise_name(raw)
    if not name:
        return FieldIssue("name", "name_required", "請填寫姓名")
    if len(name) > 50:
        return FieldIssue("name", "name_too_long", "姓名請在 50 字以內")
    if _CONTROL.search(raw):
        return FieldIssue("name", "name_invalid", "姓名含有無法接受的字元")
    return None


def birth_date_issue(birth: dt.date, today: dt.date) -> FieldIssue | None:
    if birth > today:
        return FieldIssue("birth_date", "birth_date_future", "生日不可晚於今天")
    if birth < _EARLIEST_BIRTH:
        return FieldIssue("birth_date", "birth_date_too_early", "生日不可早於 1900 年")
    return None


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years. Someone born on 29 February completes a year on 1 March in common years (Civil Code
    art. 121: a period ending on a day the month lacks ends on that month's last day, so the year is complete
    at the end of 28 February)."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def is_minor(birth: dt.date, day: dt.date) -> bool:
    return age_on(birth, day) < ADULT_AGE
