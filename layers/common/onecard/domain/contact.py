"""Taiwan telephone numbers: mobiles to E.164, landlines (with extension) to one canonical form."""

from __future__ import annotations

import re
import unicodedata

from onecard.domain.issues import FieldIssue

# Area codes and subscriber-number lengths of Taiwan's fixed network (NCC numbering plan), longest code first
# so that 037 and 0826 are not read as 03 and 082.
_AREA_CODES: tuple[tuple[str, range], ...] = (
    ("0826", range(5, 6)), ("0836", range(5, 6)),
    ("037", range(6, 7)), ("049", range(7, 8)), ("082", range(6, 7)), ("089", range(6, 7)),
    ("02", range(8, 9)), ("03", range(6, 9)), ("04", range(6, 9)), ("05", range(6, 9)), ("06", range(6, 9)),
    ("07", range(6, 9)), ("08", range(6, 9)),
)
_EXTENSION = re.compile(r"(?:#|ext\.?|x|分機|轉)\s*(\d{1,6})$", re.IGNORECASE)


def _digits_and_plus(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    return re.sub(r"[\s\-().]", "", text)


def normalise_mobile(raw: str) -> str | None:
    text = _digits_and_plus(raw)
    if text.startswith("+886"):
        text = "0" + text[4:]
    elif text.startswith("886") and len(text) == 12:
        text = "0" + text[3:]
    if re.fullmatch(r"09\d{8}", text):
        return "+886" + text[1:]
    return None


def normalise_landline(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip()
    extension = ""
    found = _EXTENSION.search(text)
    if found:
        extension = found.group(1)
        text = text[: found.start()]
    number = _digits_and_plus(text)
    if number.startswith("+886"):
        number = "0" + number[4:]
    if not re.fullmatch(r"0\d+", number) or number.startswith("09"):
        return None
    for code, lengths in _AREA_CODES:
        if number.startswith(code) and len(number) - len(code) in lengths:
            canonical = f"+886-{code[1:]}-{number[len(code):]}"
            return canonical + (f"#{extension}" if extension else "")
    return None


def mobile_issue(field: str, raw: str) -> FieldIssue | None:
    if normalise_mobile(raw) is None:
        return FieldIssue(field, "mobile_format", "行動電話格式不正確，應為 09 開頭的 10 碼數字")
    return None


def landline_issue(field: str, raw: str) -> FieldIssue | None:
    if normalise_landline(raw) is None:
        return FieldIssue(field, "phone_format", "電話格式不正確，請含區碼，例如 02-2345-6789 或 02-2345-6789#123")
    return None
