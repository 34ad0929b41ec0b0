"""Identity documents: which kinds each nationality may use, and the check-digit rules of Taiwan's numbers.

The ``is_valid_*`` predicates judge a number in its canonical form (half-width, upper-case, no surrounding
spaces: see ``normalise_id_number``), which is the form that is stored, indexed and compared at login.
``id_number_issue`` normalises by itself, because it judges what the applicant typed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from onecard.domain.issues import FieldIssue


class NationalityType(StrEnum):
    ROC = "roc"  # 中華民國國民
    MAINLAND = "mainland"  # 大陸地區人民
    FOREIGN = "foreign"  # 外籍人士


class IdType(StrEnum):
    NATIONAL_ID = "national_id"  # 國民身分證統一編號
    RESIDENT_CERTIFICATE = "resident_certificate"  # 外來人口統一證號 (on a resident certificate)
    ENTRY_PERMIT = "entry_permit"  # 入出境許可證
    PASSPORT = "passport"


ALLOWED_ID_TYPES: Mapping[NationalityType, frozenset[IdType]] = MappingProxyType(
    {
        NationalityType.ROC: frozenset({IdType.NATIONAL_ID}),
        NationalityType.MAINLAND: frozenset({IdType.RESIDENT_CERTIFICATE, IdType.ENTRY_PERMIT}),
        NationalityType.FOREIGN: frozenset({IdType.RESIDENT_CERTIFICATE, IdType.PASSPORT}),
    }
)

DOCUMENT_NAMES: Mapping[IdType, str] = MappingProxyType(
    {
        IdType.NATIONAL_ID: "身分證字號",
        IdType.RESIDENT_CERTIFICATE: "居留證號（統一證號）",
        IdType.ENTRY_PERMIT: "入出境許可證號",
        IdType.PASSPORT: "護照號碼",
    }
)

_NATIONALITY_NAMES = {
    NationalityType.ROC: "中華民國國民",
    NationalityType.MAINLAND: "大陸地區人民",
    NationalityType.FOREIGN: "外籍人士",
}

# The first letter (where the number was issued) stands for a two-digit code, from the Ministry of the Interior's
# table. The codes are not in alphabetical order: I, O, W, X, Y, Z were placed after the others.
LETTER_CODES: Mapping[str, int] = MappingProxyType(
    {
        "A": 10,
        "B": 11,
        "C": 12,
        "D": 13,
        "E": 14,
        "F": 15,
        "G": 16,
        "H": 17,
        "I": 34,
        "J": 18,
        "K": 19,
        "L": 20,
        "M": 21,
        "N": 22,
        "O": 35,
        "P": 23,
        "Q": 24,
        "R": 25,
        "S": 26,
        "T": 27,
        "U": 28,
        "V": 29,
        "W": 32,
        "X": 30,
        "Y": 31,
        "Z": 33,
    }
)
# Weights of the 11 digits: the letter's two digits, the second character's value, then the 8 remaining digits.
_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)

_NATIONAL = re.compile(r"[A-Z][12][0-9]{8}")  # second digit: 1 male, 2 female
_RESIDENT_NEW = re.compile(r"[A-Z][89][0-9]{8}")  # since 2021-01-02; second digit: 8 male, 9 female
# Before 2021 the second character was a letter: A/B assigned by the immigration authority, C/D by the police.
_RESIDENT_OLD = re.compile(r"[A-Z][A-D][0-9]{8}")
_TRAVEL = re.compile(r"[A-Z0-9]{5,20}")

_FORMATS: Mapping[IdType, tuple[re.Pattern[str], ...]] = {
    IdType.NATIONAL_ID: (_NATIONAL,),
    IdType.RESIDENT_CERTIFICATE: (_RESIDENT_NEW, _RESIDENT_OLD),
    IdType.ENTRY_PERMIT: (_TRAVEL,),
    IdType.PASSPORT: (_TRAVEL,),
}
_CHECKED = frozenset({IdType.NATIONAL_ID, IdType.RESIDENT_CERTIFICATE})
_FORMAT_HINTS = {
    IdType.NATIONAL_ID: "應為 1 個英文字母加 9 個數字，第 2 碼為 1 或 2",
    IdType.RESIDENT_CERTIFICATE: "應為 10 碼：第 1 碼為英文字母，第 2 碼為 8、9 或英文字母 A～D，其餘為數字",
    IdType.ENTRY_PERMIT: "應為 5 到 20 個英文字母或數字",
    IdType.PASSPORT: "應為 5 到 20 個英文字母或數字，請依護照上的號碼填寫",
}

# Full-width letters and digits (U+FF10–FF19, U+FF21–FF3A, U+FF41–FF5A) sit 0xFEE0 above their ASCII twins;
# letters of either width become upper-case ASCII. Nothing else is touched, so no other character can turn
# into a digit (as NFKC would do with ① or ²).
_TO_CANONICAL = str.maketrans(
    {chr(c + 0xFEE0): chr(c) for c in range(ord("0"), ord("9") + 1)}
    | {chr(c + 0xFEE0): chr(c) for c in range(ord("A"), ord("Z") + 1)}
    | {chr(c + 0xFEE0): chr(c - 32) for c in range(ord("a"), ord("z") + 1)}
    | {chr(c): chr(c - 32) for c in range(ord("a"), ord("z") + 1)}
)


def normalise_id_number(raw: str) -> str:
    """Surrounding spaces (full-width U+3000 too) go, full-width letters and digits become ASCII, letters are
    upper-cased. Applicants type numbers with an IME that is often left in full-width mode."""
    return raw.strip().translate(_TO_CANONICAL)


def normalise_barcode(raw: str) -> str:
    """A card barcode as the library system stores it: no surrounding spaces, upper case."""
    return raw.strip().upper()


def _second_value(character: str) -> int:
    """A digit counts as itself; an old-format letter (A–D) counts with the last digit of its code (A→0 … D→3)."""
    return int(character) if "0" <= character <= "9" else LETTER_CODES[character] % 10


def _weighted_sum(number: str) -> int:
    code = LETTER_CODES[number[0]]
    digits = (code // 10, code % 10, _second_value(number[1]), *(int(c) for c in number[2:]))
    return sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True))


def is_valid_national_id(number: str) -> bool:
    return _NATIONAL.fullmatch(number) is not None and _weighted_sum(number) % 10 == 0


def is_valid_resident_certificate(number: str) -> bool:
    """Both formats: the 2021 one checks exactly like a national ID; the earlier one (second character A–D)
    uses the last digit of that letter's code in place of the second digit (National Immigration Agency rule)."""
    well_formed = _RESIDENT_NEW.fullmatch(number) or _RESIDENT_OLD.fullmatch(number)
    return well_formed is not None and _weighted_sum(number) % 10 == 0


def is_valid_travel_document(number: str) -> bool:
    """Entry permits and passports: issuers differ too much for a check digit, so only the shape is checked."""
    return _TRAVEL.fullmatch(number) is not None


def id_number_issue(id_type: IdType, number: str) -> FieldIssue | None:
    """What is wrong with the number typed for ``id_type``: missing, malformed, or a wrong check digit (told apart
    so that the applicant knows to look for a mistyped digit rather than a wrong kind of document)."""
    canonical = normalise_id_number(number)
    name = DOCUMENT_NAMES[id_type]
    if not canonical:
        return FieldIssue("id_number", "id_number_required", f"請填寫{name}")
    if not any(pattern.fullmatch(canonical) for pattern in _FORMATS[id_type]):
        return FieldIssue("id_number", "id_number_format", f"{name}格式不正確，{_FORMAT_HINTS[id_type]}")
    if id_type in _CHECKED and _weighted_sum(canonical) % 10 != 0:
        return FieldIssue("id_number", "id_number_checksum", f"{name}檢查碼不正確，請再確認")
    return None


def id_type_issue(nationality: NationalityType, id_type: IdType) -> FieldIssue | None:
    allowed = ALLOWED_ID_TYPES[nationality]
    if id_type in allowed:
        return None
    choices = "或".join(DOCUMENT_NAMES[t] for t in IdType if t in allowed)
    message = f"{_NATIONALITY_NAMES[nationality]}不能以{DOCUMENT_NAMES[id_type]}申辦，請改用{choices}"
    return FieldIssue("id_type", "id_type_not_allowed", message)


def mask_id_number(number: str) -> str:
    """Enough for the holder to recognise their number (first 3 and last 2), never more than half of it."""
    head, tail = (3, 2) if len(number) >= 10 else (1, 1)
    budget = len(number) // 2
    head = min(head, budget)
    tail = min(tail, budget - head)
    return number[:head] + "*" * (len(number) - head - tail) + number[len(number) - tail :]


def _with_check_digit(stem: str) -> str:
    """The check digit carries weight 1, so it is whatever brings the weighted sum to a multiple of 10."""
    return stem + str(-_weighted_sum(stem + "0") % 10)


def _random_stem(rng: random.Random, second_characters: str) -> str:
    return (
        rng.choice(sorted(LETTER_CODES))
        + rng.choice(second_characters)
        + "".join(rng.choice("0123456789") for _ in range(7))
    )


def generate_valid_national_id(rng: random.Random) -> str:
    """A random number that passes the check (for tests and fixtures; it may belong to a real person)."""
    return _with_check_digit(_random_stem(rng, "12"))


def generate_valid_resident_certificate(rng: random.Random, new_format: bool) -> str:
    """A random resident certificate number of the 2021 format (second digit 8/9) or the earlier one (A–D)."""
    return _with_check_digit(_random_stem(rng, "89" if new_format else "ABCD"))
