"""The library's password rule: 4–10 ASCII letters or digits, and not one of the first guesses of anyone who
has seen the reader's ID card: the ID number or the birth date."""

from __future__ import annotations

import datetime as dt
import re

from onecard.domain.identity import normalise_id_number
from onecard.domain.issues import FieldIssue

MIN_LENGTH, MAX_LENGTH = 4, 10
_CHARSET = re.compile(r"[A-Za-z0-9]*")
_ROC_EPOCH = 1911  # ROC year = Gregorian year − 1911


def birth_date_spellings(birth: dt.date) -> frozenset[str]:
    """How people write a birth date as a password: 20180101, 0101, and in the ROC calendar 1070101 (or 991231
    and 0991231 for a year before ROC 100, as forms pad it to three digits)."""
    mmdd = f"{birth.month:02d}{birth.day:02d}"
    spellings = {f"{birth.year:04d}{mmdd}", mmdd}
    roc_year = birth.year - _ROC_EPOCH
    if roc_year >= 1:  # years before 1912 are written 民前, which nobody types as a number
        spellings |= {f"{roc_year}{mmdd}", f"{roc_year:03d}{mmdd}"}
    return frozenset(spellings)


def _guessable_issue(password: str, id_number: str | None, birth_date: dt.date | None) -> FieldIssue | None:
    if id_number and password.upper() == normalise_id_number(id_number):
        return FieldIssue("password", "password_guessable", "密碼不可與證號相同，請換一組")
    if birth_date and password in birth_date_spellings(birth_date):
        return FieldIssue("password", "password_guessable", "密碼不可使用生日（西元或民國年月日、月日），請換一組")
    return None


def password_issues(
    password: str, password_confirm: str, *, id_number: str | None, birth_date: dt.date | None
) -> list[FieldIssue]:
    """Every problem at once, so that the applicant fixes them in one go; a mismatch is reported on the
    confirmation field, which is the one to retype."""
    issues: list[FieldIssue] = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        issues.append(FieldIssue("password", "password_length", f"密碼長度應為 {MIN_LENGTH} 到 {MAX_LENGTH} 碼"))
    if _CHARSET.fullmatch(password) is None:
        issues.append(FieldIssue("password", "password_charset", "密碼只能使用英文字母或數字，不可含空白或符號"))
    guessable = _guessable_issue(password, id_number, birth_date)
    if guessable:
        issues.append(guessable)
    if password != password_confirm:
        issues.append(FieldIssue("password_confirm", "password_mismatch", "兩次輸入的密碼不一致，請再確認"))
    return issues
