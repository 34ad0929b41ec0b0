"""The rules of an application for a library card that a field's type alone cannot express.

They run on the raw request too (when some field has the wrong type), so every check tolerates missing or
mistyped values and reports only what it can judge.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
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
    issues += _minor_issues(data, today)
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


FAMILY_CITY = "臺北市"
_REGISTER_NUMBER = re.compile(r"^[A-Z0-9]{4,12}$")


def normalise_register_number(raw: str) -> str:
    """戶號 as printed in the household register: letters and digits, upper-case, no spaces or dashes."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw)).upper()


def _card_type_issues(data: Mapping[str, Any]) -> list[FieldIssue]:
    """A family card belongs to a Taipei household (申辦家庭圖書證需設籍臺北市) and is never linked with partners."""
    if _enum(CardType, data.get("card_type")) is not CardType.FAMILY:
        if data.get("household") is not None:
            return [FieldIssue("household", "household_not_applicable", "戶號及戶長資料僅於申辦家庭證時填寫")]
        return []
    issues: list[FieldIssue] = []
    home = (
        data.get("mailing_address") if data.get("household_same_as_mailing") is True else data.get("household_address")
    )
    home_city = home.get("city") if isinstance(home, Mapping) else None
    if isinstance(home_city, str) and address.normalise_city(home_city) != FAMILY_CITY:
        field = "mailing_address.city" if data.get("household_same_as_mailing") is True else "household_address.city"
        issues.append(
            FieldIssue(field, "family_requires_taipei_household", "家庭證限設籍臺北市者申辦，戶籍地址須在臺北市")
        )
    household = data.get("household")
    if not isinstance(household, Mapping):
        issues.append(FieldIssue("household", "household_required", "申辦家庭證請填寫戶口名簿上的戶號及戶長資料"))
    else:
        number = household.get("register_number")
        if not isinstance(number, str) or not _REGISTER_NUMBER.match(normalise_register_number(number)):
            issues.append(
                FieldIssue(
                    "household.register_number",
                    "register_number_format",
                    "戶號格式不正確，請依戶口名簿填寫英文字母及數字",
                )
            )
        head_name = household.get("head_name")
        if not isinstance(head_name, str) or people.name_issue(head_name):
            issues.append(FieldIssue("household.head_name", "head_name_invalid", "請填寫戶長姓名（50 字以內）"))
        head_id = household.get("head_id_number")
        if not isinstance(head_id, str):
            issues.append(FieldIssue("household.head_id_number", "missing", "請填寫戶長身分證字號"))
        else:
            issue = identity.id_number_issue(identity.IdType.NATIONAL_ID, identity.normalise_id_number(head_id))
            if issue:
                issues.append(FieldIssue("household.head_id_number", issue.code, issue.message))
    if data.get("partners"):
        issues.append(FieldIssue("partners", "family_card_cannot_link", "家庭證無法結合一證通用服務，請以個人證申辦"))
    return issues


def _minor_issues(data: Mapping[str, Any], today: dt.date) -> list[FieldIssue]:
    """Under 18 on the day of the application (Asia/Taipei), a guardian is required and decides on consents."""
    birth = _date(data.get("birth_date"))
    if birth is None or people.birth_date_issue(birth, today):
        return []
    minor = people.is_minor(birth, today)
    guardian = data.get("guardian")
    issues: list[FieldIssue] = []
    if not minor:
        if guardian is not None:
            issues.append(FieldIssue("guardian", "guardian_not_applicable", "年滿 18 歲者無須填寫法定代理人"))
        if data.get("occupation") == "child":
            issues.append(FieldIssue("occupation", "occupation_child_adult", "年滿 18 歲者職業不可選「兒童」"))
        return issues
    if not isinstance(guardian, Mapping):
        return [FieldIssue("guardian", "guardian_required", "未滿 18 歲者須填寫法定代理人資料，並由其同意個資同意書")]
    name = guardian.get("name")
    if not isinstance(name, str) or people.name_issue(name):
        issues.append(FieldIssue("guardian.name", "guardian_name_invalid", "請填寫法定代理人姓名"))
    number = guardian.get("id_number")
    if isinstance(number, str):
        normal = identity.normalise_id_number(number)
        if not (identity.is_valid_national_id(normal) or identity.is_valid_resident_certificate(normal)):
            issues.append(
                FieldIssue(
                    "guardian.id_number", "guardian_id_number_invalid", "法定代理人證號應為有效的身分證字號或居留證號"
                )
            )
    phone = guardian.get("phone")
    if isinstance(phone, str) and contact.normalise_mobile(phone) is None and contact.normalise_landline(phone) is None:
        issues.append(FieldIssue("guardian.phone", "phone_format", "法定代理人電話格式不正確"))
    return issues


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
            issues.append(
                FieldIssue("passport_country", "passport_country_unknown", "核發國家應為 ISO 3166-1 二碼代碼，例如 JP")
            )
    elif country not in (None, ""):
        issues.append(
            FieldIssue("passport_country", "passport_country_not_applicable", "只有以護照申辦時才填寫核發國家")
        )
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
            city, district, street = value.get("city"), value.get("district"), value.get("street")
            if isinstance(city, str) and isinstance(district, str) and isinstance(street, str):
                issues += address.address_issues(name, city, district, street)
    if same_as_mailing:
        if data.get("mailing_address") is None:
            issues.append(
                FieldIssue("mailing_address", "mailing_address_required", "勾選「同通訊地址」時請填寫通訊地址")
            )
        if data.get("household_address") is not None:
            issues.append(
                FieldIssue("household_address", "household_address_conflict", "已勾選「同通訊地址」，請勿另填戶籍地址")
            )
    elif data.get("household_address") is None:
        issues.append(
            FieldIssue("household_address", "household_address_required", "請填寫戶籍地址，或勾選「同通訊地址」")
        )
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
