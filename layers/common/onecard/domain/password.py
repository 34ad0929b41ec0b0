"""The library's password rule (4–10 letters or digits), refusing the easiest guesses: the ID number and the
birth date in the ways people write it."""

from __future__ import annotations

import datetime as dt
import re

from onecard.domain.issues import FieldIssue

_ALLOWED = re.compile(r"^[A-Za-z0-9]*$")


def guessable_forms(id_number: str | None, birth_date: dt.date | None) -> set[str]:
    forms: set[str] = set()
    if id_number:
        forms.add(id_number.upper())
    if birth_date:
        roc_year = birth_date.year - 1911
        mmdd = birth_date.strftime("%m%d")
        forms |= {birth_date.strftime("%Y%m%d"), mmdd}
        if roc_year > 0:
            forms |= {f"{roc_year}{mmdd}", f"{roc_year:03d}{mmdd}"}
    return forms


def password_issues(password: str, password_confirm: str, *, id_number: str | None,
                    birth_date: dt.date | None) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    if not 4 <= len(password) <= 10:
        issues.append(FieldIssue("password", "password_length", "密碼長度應為 4 到 10 碼"))
    if not _ALLOWED.match(password) or not password.isascii():
        issues.append(FieldIssue("password", "password_charset", "密碼只能使用英文字母或數字"))
    if not issues and password.upper() in guessable_forms(id_number, birth_date):
        issues.append(FieldIssue("password", "password_guessable", "密碼不可使用證號或生日，請換一組"))
    if password != password_confirm:
        issues.append(FieldIssue("password_confirm", "password_mismatch", "兩次輸入的密碼不一致"))
    return issues
