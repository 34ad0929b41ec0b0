"""Identity documents: which kinds a person may use, and the official check-digit rules of Taiwan's numbers."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum

from onecard.domain.issues import FieldIssue


class NationalityType(StrEnum):
    ROC = "roc"  # 中華民國國民
    MAINLAND = "mainland"  # 大陸人士
    FOREIGN = "foreign"  # 外籍人士


class IdType(StrEnum):
    NATIONAL_ID = "national_id"
    RESIDENT_CERTIFICATE = "resident_certificate"
    ENTRY_PERMIT = "entry_permit"
    PASSPORT = "passport"


ALLOWED_ID_TYPES: Mapping[NationalityType, frozenset[IdType]] = {
    NationalityType.ROC: frozenset({IdType.NATIONAL_ID}),
    NationalityType.MAINLAND: frozenset({IdType.RESIDENT_CERTIFICATE, IdType.ENTRY_PERMIT}),
    NationalityType.FOREIGN: frozenset({IdType.RESIDENT_CERTIFICATE, IdType.PASSPORT}),
}

DOCUMENT_NAMES = {
    IdType.NATIONAL_ID: "身分證字號",
    IdType.RESIDENT_CERTIFICATE: "居留證號（統一證號）",
    IdType.ENTRY_PERMIT: "入出境許可證號",
    IdType.PASSPORT: "護照號碼",
}

# The letter of the issuing area maps to a two-digit number (Ministry of the Interior's table).
LETTER_CODES = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18, "K": 19, "L": 20,
    "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30,
    "Y": 31, "Z": 33,
}
_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
_NATIONAL = re.compile(r"^[A-Z][12]\d{8}$")
_RESIDENT_NEW = re.compile(r"^[A-Z][89]\d{8}$")
_RESIDENT_OLD = re.compile(r"^[A-Z][A-D]\d{8}$")
_TRAVEL = re.compile(r"^[A-Z0-9]{5,20}$")


def normalise_id_number(raw: str) -> str:
    """Full-width letters and digits become half-width (NFKC), surrounding spaces go, letters are upper-cased."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def _checksum_ok(first_code: int, second_digit: int, rest: str) -> bool:
    digits = [first_code // 10, first_code % 10, second_digit, *(int(c) for c in rest)]
    return sum(d * w for d, w in zip(digits, _WEIGHTS)) % 10 == 0


def is_valid_national_id(number: str) -> bool:
    return bool(_NATIONAL.match(number)) and _checksum_ok(LETTER_CODES[number[0]], int(number[1]), number[2:])


def is_valid_resident_certificate(number: str) -> bool:
    """The 2021 format (letter + 8/9 + 8 digits) checks like a national ID; in the earlier format (letter + A–D
    + 8 digits) the second letter counts with the last digit of its own two-digit code."""
    if _RESIDENT_NEW.match(number):
        return _checksum_ok(LETTER_CODES[number[0]], int(number[1]), number[2:])
    if _RESIDENT_OLD.match(number):
        return _checksum_ok(LETTER_CODES[number[0]], LETTER_CODES[number[1]] % 10, number[2:])
    return False


def is_valid_travel_document(number: str) -> bool:
    return bool(_TRAVEL.match(number))


def _well_formed(id_type: IdType, number: str) -> bool:
    if id_type is IdType.NATIONAL_ID:
        return bool(_NATIONAL.match(number))
    if id_type is IdType.RESIDENT_CERTIFICATE:
        return bool(_RESIDENT_NEW.match(number) or _RESIDENT_OLD.match(number))
    return is_valid_travel_document(number)


def _valid(id_type: IdType, number: str) -> bool:
    if id_type is IdType.NATIONAL_ID:
        return is_valid_national_id(number)
    if id_type is IdType.RESIDENT_CERTIFICATE:
        return is_valid_resident_certificate(number)
    return is_valid_travel_document(number)


_FORMAT_HINT = {
    IdType.NATIONAL_ID: "應為 1 個英文字母加 9 個數字，第 2 碼為 1 或 2",
    IdType.RESIDENT_CERTIFICATE: "應為 1 個英文字母加 9 碼（第 2 碼為 8、9 或 A–D）",
    IdType.ENTRY_PERMIT: "應為 5 到 20 個英文字母或數字",
    IdType.PASSPORT: "應為 5 到 20 個英文字母或數字",
}


def id_number_issue(id_type: IdType, number: str) -> FieldIssue | None:
    name = DOCUMENT_NAMES[id_type]
    if not number:
        return FieldIssue("id_number", "id_number_required", f"請填寫{name}")
    if not _well_formed(id_type, number):
        return FieldIssue("id_number", "id_number_format", f"{name}格式不正確，{_FORMAT_HINT[id_type]}")
    if not _valid(id_type, number):
        return FieldIssue("id_number", "id_number_checksum", f"{name}檢查碼不正確，請再確認")
    return None


def id_type_issue(nationality: NationalityType, id_type: IdType) -> FieldIssue | None:
    if id_type in ALLOWED_ID_TYPES[nationality]:
        return None
    allowed = "、".join(DOCUMENT_NAMES[t] for t in IdType if t in ALLOWED_ID_TYPES[nationality])
    return FieldIssue("id_type", "id_type_not_allowed", f"此身分別請使用：{allowed}")


def mask_id_number(number: str) -> str:
    """Never reveals more than half of the characters."""
    if len(number) >= 10:
        keep_start, keep_end = 3, 2
    else:
        keep_start, keep_end = 1, 1
    hidden = max(len(number) - keep_start - keep_end, 1)
    return number[:keep_start] + "*" * hidden + number[len(number) - keep_end:] if len(number) > 2 else "*" * len(number)


def _complete(prefix_code: int, second_digit: int, body: str) -> str:
    for last in range(10):
        if _checksum_ok(prefix_code, second_digit, body + str(last)):
            return str(last)
    raise AssertionError("a check digit always exists")


def generate_valid_national_id(rng: random.Random) -> str:
    letter = rng.choice(sorted(LETTER_CODES))
    second = rng.choice("12")
    body = "".join(rng.choice("0123456789") for _ in range(7))
    return letter + second + body + _complete(LETTER_CODES[letter], int(second), body)


def generate_valid_resident_certificate(rng: random.Random, new_format: bool = True) -> str:
    letter = rng.choice(sorted(LETTER_CODES))
    body = "".join(rng.choice("0123456789") for _ in range(7))
    if new_format:
        second = rng.choice("89")
        return letter + second + body + _complete(LETTER_CODES[letter], int(second), body)
    second = rng.choice("ABCD")
    return letter + second + body + _complete(LETTER_CODES[letter], LETTER_CODES[second] % 10, body)
