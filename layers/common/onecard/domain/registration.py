"""The rules of an application for a library card that a field's type alone cannot express.

They run on the raw request too (when some field has the wrong type), so every check tolerates missing or
mistyped values and reports only what it can judge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from onecard.domain import address, contact, identity, password, people
from onecard.domain.choices import CardType
from onecard.domain.countries import country_codes
from onecard.domain.email import email_issue
from onecard.domain.issues import FieldIssue


def registration_issues(data: Mapping[str, Any], today: dt.date) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    issues += _card_type_issues(data)
    issues += _identity_issues(data)
    issues += _person_issues(data, today)
    issues += _password_issues(data)
    issues += _address_issues(data)
    issues += _phone_issues(data)
    return issues


def _text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


def _enum(kind: type, value: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _card_type_issues(data: Mapping[str, Any]) -> list[FieldIssue]:
    if _enum(CardType, data.get("card_type")) is CardType.FAMILY:
        return [FieldIssue("card_type", "card_type_unavailable", "家庭證暫不開放網路申辦，請洽各分館櫃檯")]
    return []


def _identity_issues(data: Mapping[str, Any]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    nationality = _enum(identity.NationalityType, data.get("nationality_type"))
    id_type = _enum(identity.IdType, data.get("id_type"))
    if nationality is not None and id_type is not None:
        issue = identity.id_type_issue(nationality, id_type)
        if issue:
            issues.append(issue)
    raw_number = _text(data, "id_number")
    if id_type is not None and raw_number is not None:
        issue = identity.id_number_issue(id_type, identity.normalise_id_number(raw_number))
        if issue:
            issues.append(issue)
    country = data.get("passport_country")
    if id_type is identity.IdType.PASSPORT:
        if not country:
            issues.append(FieldIssue("passport_country", "passport_country_required", "護照請選擇核發國家"))
        elif not isinstance(country, str) or country.strip().upper() not in country_codes():
            issues.append(FieldIssue("passport_country", "passport_country_unknown", "核發國家應為 ISO 3166-1 二碼代碼，例如 JP"))
    elif country not in (None, ""):
        issues.append(FieldIssue("passport_country", "passport_country_not_applicable", "只有以護照申辦時才填寫核發國家"))
    return issues


def _person_issues(data: Mapping[str, Any], today: dt.date) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    name = _text(data, "name")
    if name is not None:
        issue = people.name_issue(name)
        if issue:
            issues.append(issue)
    birth = _date(data.get("birth_date"))
    if birth is not None:
        issue = people.birth_date_issue(birth, today)
        if issue:
            issues.append(issue)
    return issues


def _password_issues(data: Mapping[str, Any]) -> list[FieldIssue]:
    secret, confirm = _text(data, "password"), _text(data, "password_confirm")
    if secret is None or confirm is None:
        return []
    raw_number = _text(data, "id_number")
    return password.password_issues(
        secret,
        confirm,
        id_number=identity.normalise_id_number(raw_number) if raw_number else None,
        birth_date=_date(data.get("birth_date")),
    )


def _address_issues(data: Mapping[str, Any]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    same_as_mailing = data.get("household_same_as_mailing") is True
    for name in ("mailing_address", "household_address"):
        value = data.get(name)
        if isinstance(value, Mapping):
            parts = [value.get(k) for k in ("city", "district", "street")]
            if all(isinstance(p, str) for p in parts):
                issues += address.address_issues(name, *parts)
    if same_as_mailing:
        if data.get("mailing_address") is None:
            issues.append(FieldIssue("mailing_address", "mailing_address_required", "勾選「同通訊地址」時請填寫通訊地址"))
        if data.get("household_address") is not None:
            issues.append(FieldIssue("household_address", "household_address_conflict", "已勾選「同通訊地址」，請勿另填戶籍地址"))
    elif data.get("household_address") is None:
        issues.append(FieldIssue("household_address", "household_address_required", "請填寫戶籍地址，或勾選「同通訊地址」"))
    return issues


def _phone_issues(data: Mapping[str, Any]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    for name in ("phone_home", "phone_office", "household_phone"):
        value = _text(data, name)
        if value:
            issue = contact.landline_issue(name, value)
            if issue:
                issues.append(issue)
    mobile = _text(data, "mobile")
    if mobile:
        issue = contact.mobile_issue("mobile", mobile)
        if issue:
            issues.append(issue)
    if not _text(data, "household_phone") and not mobile:
        issues.append(FieldIssue("mobile", "phone_required", "戶籍電話及行動電話請至少填寫一個"))
    email = _text(data, "email")
    if email:
        issue = email_issue("email", email)
        if issue:
            issues.append(issue)
    return issues
