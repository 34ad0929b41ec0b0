"""Taiwan telephone numbers: mobiles to E.164, landlines (with an optional extension) to one canonical form."""

from __future__ import annotations

import re

from onecard.domain.issues import FieldIssue

# Full-width ASCII (U+FF01–FF5E, typed with an IME in full-width mode) sits 0xFEE0 above ASCII; U+3000 is a space.
_HALF_WIDTH = str.maketrans({chr(c + 0xFEE0): chr(c) for c in range(0x21, 0x7F)} | {"\u3000": " "})
# What people put between groups of digits: spaces, hyphens and dashes of any kind, dots, brackets round the code.
_SEPARATORS = re.compile(r"[\s.()\-\u2010-\u2015\u2212]")
_EXTENSION = re.compile(r"(?:#|ext\.?|分機|轉)\s*([0-9]{1,6})\s*$", re.IGNORECASE)
_MOBILE = re.compile(r"09[0-9]{8}")

# Fixed-network area codes (with the trunk prefix 0) and the length of the subscriber numbers behind them, from
# the NCC's numbering plan for local telephone service (市內網路業務編碼) as assigned today:
#   02   8 digits  臺北市、新北市、基隆市
#   03   7         桃園市、新竹縣市、宜蘭縣、花蓮縣
#   037  6         苗栗縣
#   04   7 or 8    彰化縣 (7), 臺中市 (8)
#   049  7         南投縣
#   05   7         嘉義縣市、雲林縣
#   06   7         臺南市、澎湖縣
#   07   7         高雄市 (070 is VoIP, not a landline)
#   08   7         屏東縣
#   082  6         金門縣
#   0826 5         烏坵
#   0836 5         連江縣（馬祖）
#   089  6         臺東縣
# A longer code is never the start of a shorter code's subscriber number (no 03 number begins with 7, no 08
# number with 2, 36 or 9), so the longest matching code is the area code; nothing falls back to a shorter one.
_AREA_CODES: dict[str, frozenset[int]] = {
    "0826": frozenset({5}),
    "0836": frozenset({5}),
    "037": frozenset({6}),
    "049": frozenset({7}),
    "082": frozenset({6}),
    "089": frozenset({6}),
    "02": frozenset({8}),
    "03": frozenset({7}),
    "04": frozenset({7, 8}),
    "05": frozenset({7}),
    "06": frozenset({7}),
    "07": frozenset({7}),
    "08": frozenset({7}),
}
_LONGEST_FIRST = sorted(_AREA_CODES, key=len, reverse=True)


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _domestic(compact: str) -> str:
    """The number as dialled inside Taiwan, trunk prefix 0 included. ``+886``/``886`` are replaced by the 0; a
    0 kept after the country code (``+886 (0)2 …``) is tolerated, as no Taiwan number starts with 0 after it."""
    for country in ("+886", "886"):
        if compact.startswith(country):
            rest = compact[len(country) :]
            return rest if rest.startswith("0") else "0" + rest
    return compact


def normalise_mobile(raw: str) -> str | None:
    """``+8869xxxxxxxx`` (E.164) for a Taiwan mobile number (09 + 8 digits) in any usual spelling, else None."""
    domestic = _domestic(_compact(raw.translate(_HALF_WIDTH)))
    return "+886" + domestic[1:] if _MOBILE.fullmatch(domestic) else None


def normalise_landline(raw: str) -> str | None:
    """``+886-<area code>-<subscriber>[#<extension>]`` for a Taiwan landline with its area code, else None."""
    text = raw.translate(_HALF_WIDTH).strip()
    extension = ""
    found = _EXTENSION.search(text)
    if found:
        extension, text = found.group(1), text[: found.start()]
    domestic = _domestic(_compact(text))
    if not domestic.isascii() or not domestic.isdigit():
        return None
    code = next((c for c in _LONGEST_FIRST if domestic.startswith(c)), None)
    if code is None:  # 09 (mobile), 00 (international), 01 and anything not starting with 0
        return None
    subscriber = domestic[len(code) :]
    # A subscriber number never begins with 0: 020x (premium), 070 (VoIP) and 0800 (toll-free) are other services.
    if len(subscriber) not in _AREA_CODES[code] or subscriber.startswith("0"):
        return None
    return f"+886-{code[1:]}-{subscriber}" + (f"#{extension}" if extension else "")


def mobile_issue(field: str, raw: str) -> FieldIssue | None:
    if normalise_mobile(raw) is None:
        return FieldIssue(field, "mobile_format", "行動電話格式不正確，應為 09 開頭的 10 碼數字")
    return None


def landline_issue(field: str, raw: str) -> FieldIssue | None:
    if normalise_landline(raw) is not None:
        return None
    if normalise_mobile(raw) is not None:  # the commonest mistake, worth its own explanation
        return FieldIssue(field, "phone_format", "此欄請填寫市內電話（含區碼）；行動電話請填在行動電話欄")
    return FieldIssue(
        field, "phone_format", "電話號碼格式不正確，請填寫含區碼的市內電話，例如 02-2345-6789；分機可寫成 #123"
    )
