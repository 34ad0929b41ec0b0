"""The language of the API's own words: problem titles and details, field errors (and the registration's next steps).

A request names its language with ``Accept-Language``: zh-TW (any ``zh``) or English (any ``en``). A request that
names neither keeps the service's original answer: Traditional Chinese, with the English beside it where a text
has both (``中文 (English)``).

Domain code writes its messages once, in Traditional Chinese (often followed by ``(English)``); the English of a
field error is looked up here by its stable ``code``, and a message written ``中文 (English)`` is split into its
two languages. Only this module and the next-steps builder choose a language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from onecard.domain.identity import _NATIONALITY_NAMES, DOCUMENT_NAMES, IdType, NationalityType

ZH_TW = "zh-TW"
EN = "en"
SUPPORTED = (ZH_TW, EN)

# --- Which language a request asks for --------------------------------------------------------------------------


def _language_of_tag(tag: str) -> str | None:
    primary = tag.strip().lower().split("-", 1)[0]
    return {"zh": ZH_TW, "en": EN}.get(primary)


def negotiate(accept_language: str | None) -> str | None:
    """The supported language the header prefers most (RFC 9110 q-values, first named wins a tie), or None when it
    names neither zh nor en (or there is no header): the caller keeps the original bilingual answer."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        tag, *parameters = item.split(";")
        language = _language_of_tag(tag)
        if language is None:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if best is None or (quality, -position) > (best[0], -best[1]):
            best = (quality, position, language)
    return best[2] if best else None


def language_of_headers(headers: Mapping[str, Any] | None) -> str | None:
    value = next((v for k, v in (headers or {}).items() if str(k).lower() == "accept-language"), None)
    return negotiate(value if isinstance(value, str) else None)


def response_headers(language: str | None) -> dict[str, str]:
    """What a localised answer says about itself, so caches keep one copy per language."""
    headers = {"Vary": "Accept-Language"}
    if language:
        headers["Content-Language"] = language
    return headers


# --- "中文 (English)" ------------------------------------------------------------------------------------------

_HAN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_BILINGUAL = re.compile(r"^(?P<zh>.*\S)\s*\((?P<en>[^()]+)\)\s*$", re.S)


def split_bilingual(text: str) -> tuple[str, str | None]:
    """("中文", "English") from "中文 (English)"; (text, None) when the text has no English part."""
    found = _BILINGUAL.match(text)
    if not found or not _HAN.search(found["zh"]) or _HAN.search(found["en"]):
        return text, None
    english = found["en"].strip()
    return found["zh"].strip(), english[:1].upper() + english[1:]


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


# --- The catalogue ----------------------------------------------------------------------------------------------

_DOCUMENTS_EN = {
    IdType.NATIONAL_ID: "national ID number",
    IdType.RESIDENT_CERTIFICATE: "resident certificate (UI) number",
    IdType.ENTRY_PERMIT: "entry permit number",
    IdType.PASSPORT: "passport number",
}
_FORMAT_HINTS_EN = {
    IdType.NATIONAL_ID: "it is 1 letter and 9 digits, the second digit 1 or 2",
    IdType.RESIDENT_CERTIFICATE: "it is 10 characters: a letter, then 8, 9 or a letter A to D, then digits",
    IdType.ENTRY_PERMIT: "it is 5 to 20 letters or digits",
    IdType.PASSPORT: "it is 5 to 20 letters or digits, as printed in the passport",
}
_NATIONALITIES_EN = {
    NationalityType.ROC: "Citizens of the Republic of China",
    NationalityType.MAINLAND: "People from mainland China",
    NationalityType.FOREIGN: "Foreign nationals",
}
# The names domain messages put into their sentences, longest first so that no name is replaced inside another.
_NAMES = sorted(
    [(DOCUMENT_NAMES[t], _DOCUMENTS_EN[t]) for t in IdType]
    + [(_NATIONALITY_NAMES[n], _NATIONALITIES_EN[n]) for n in NationalityType],
    key=lambda pair: -len(pair[0]),
)


def _names_in_english(text: str) -> str:
    for zh, en in _NAMES:
        text = text.replace(zh, en)
    return text.replace("或", " or ").replace("、", ", ")


def _document(zh_name: str) -> str:
    return _names_in_english(zh_name)


def _format_hint(zh_hint: str) -> str:
    from onecard.domain.identity import _FORMAT_HINTS

    return next((_FORMAT_HINTS_EN[t] for t, hint in _FORMAT_HINTS.items() if hint == zh_hint), "please check it")


Rule = tuple[str, Callable[[re.Match[str]], str]]

# The English of every field error, by its code. A plain string is the whole message; a list of rules matches the
# Chinese message (the first whose pattern matches) to carry over what it names (a length, a city, a document).
FIELD_MESSAGES: dict[str, str | list[Rule]] = {
    # pydantic's own checks (onecard.web.validation)
    "missing": "This field is required",
    "extra_forbidden": "This field is not accepted; remove it",
    "string_type": "Should be text",
    "string_too_short": [
        (r"^此欄位為必填$", lambda m: "This field is required"),
        (r"至少 (?P<n>\d+) 個字元", lambda m: f"Too short: at least {m['n']} characters"),
        (r"", lambda m: "Too short"),
    ],
    "string_too_long": [
        (r"最多 (?P<n>\d+) 個字元", lambda m: f"Too long: at most {m['n']} characters"),
        (r"", lambda m: "Too long"),
    ],
    "string_pattern_mismatch": "Not in the right format",
    "bool_type": "Should be true or false",
    "bool_parsing": "Should be true or false",
    "int_type": "Should be a whole number",
    "int_parsing": "Should be a whole number",
    "literal_error": "Not one of the allowed options: choose one from the list",
    "enum": "Not one of the allowed options: choose one from the list",
    "date_type": "Dates are written YYYY-MM-DD",
    "date_parsing": "Dates are written YYYY-MM-DD",
    "date_from_datetime_parsing": "Dates are written YYYY-MM-DD",
    "date_from_datetime_inexact": "Dates are written YYYY-MM-DD",
    "list_type": "Should be a list",
    "too_short": "Too few items",
    "too_long": "Too many items",
    "model_type": "Should be an object",
    "model_attributes_type": "Should be an object",
    "dict_type": "Should be an object",
    "value_error": "Not in the right format",
    # the captcha
    "captcha_invalid": "The verification is not right; please verify again",
    "captcha_expired": "The verification has expired; please verify again",
    "captcha_used": "This verification was already used; please verify again",
    # identity, name, birth date
    "id_number_required": [(r"^請填寫(?P<doc>.+)$", lambda m: f"Enter the {_document(m['doc'])}")],
    "id_number_format": [
        (
            r"^(?P<doc>.+?)格式不正確，(?P<hint>.+)$",
            lambda m: f"The {_document(m['doc'])} is not in the right format: {_format_hint(m['hint'])}",
        )
    ],
    "id_number_checksum": [
        (
            r"^(?P<doc>.+?)檢查碼不正確",
            lambda m: f"The check digit of the {_document(m['doc'])} is not right; please check it",
        )
    ],
    "id_type_not_allowed": [
        (
            r"^(?P<who>.+?)不能以(?P<doc>.+?)申辦，請改用(?P<choices>.+)$",
            lambda m: (
                f"{_names_in_english(m['who'])} cannot apply with a {_document(m['doc'])}; "
                f"use a {_names_in_english(m['choices'])}"
            ),
        )
    ],
    "name_required": "Enter your name",
    "name_invalid": "The name contains control characters; please type it again",
    "name_too_long": [(r"(?P<n>\d+)", lambda m: f"The name must be at most {m['n']} characters long")],
    "birth_date_future": "The date of birth cannot be later than today",
    "birth_date_too_early": "The date of birth cannot be before 1 January 1900; please check it",
    "change_at_counter": "ID number, name, date of birth and identity type cannot be changed online: bring your "
    "identity document to a branch counter",
    "required": "This field is required: it can be corrected, not cleared",
    # password
    "password_length": [
        (r"(?P<low>\d+)\D+(?P<high>\d+)", lambda m: f"The password must be {m['low']} to {m['high']} characters long")
    ],
    "password_charset": "The password may only use letters and digits, no spaces or symbols",
    "password_guessable": [
        (r"證號", lambda m: "The password cannot be the same as the ID number; choose another"),
        (
            r"",
            lambda m: (
                "The password cannot be your date of birth (Western or ROC year, or month and day); choose another"
            ),
        ),
    ],
    "password_mismatch": "The two passwords differ; please check them",
    "password_wrong": "The current password is not right",
    "password_refused_by_library": [
        (
            r"至少 (?P<n>\d+) 碼",
            lambda m: f"The library system needs a password of at least {m['n']} characters; choose a longer one",
        ),
        (r"太容易猜到", lambda m: "The library system finds this password too weak: use both letters and digits"),
        (r"結尾", lambda m: "The password may not end with a space"),
        (r"不一致", lambda m: "The two passwords differ; please check them"),
        (r"", lambda m: "The library system does not accept this password; choose another"),
    ],
    "kept_by_library_system": "Kept by the library system: it cannot be corrected online; ask at a branch counter",
    "refused_by_library": "The library system did not accept this: check it, or ask at a branch counter",
    "identifier_required": "Give either your ID number or your card barcode",
    # 忘記密碼
    "reset_token_unknown": "Unknown password-reset link: check that the link is complete, or ask for a new one",
    "reset_token_used": "This password-reset link was already used: log in with the new password or ask again",
    "reset_token_expired": "This password-reset link is more than 30 minutes old: ask for a new one",
    # contact
    "mobile_format": "The mobile number is not right: 10 digits starting with 09",
    "phone_format": [
        (r"法定代理人", lambda m: "The guardian's phone number is not right"),
        (
            r"行動電話請填在",
            lambda m: "Enter a landline number with its area code here; a mobile number goes in the mobile phone field",
        ),
        (
            r"",
            lambda m: (
                "The phone number is not right: enter a landline with its area code, for example "
                "02-2345-6789; an extension can be written #123"
            ),
        ),
    ],
    "phone_required": "Enter at least one of household phone and mobile phone",
    "email_format": "The e-mail address is not right, for example name@example.com",
    # addresses
    "city_unknown": [
        (
            r"「(?P<city>.*)」",
            lambda m: f"No city or county “{m['city']}”: choose one from the list (for example 臺北市)",
        ),
        (r"", lambda m: "Choose a city or county"),
    ],
    "district_unknown": [
        (r"^請選擇(?P<city>.+)的鄉鎮市區$", lambda m: f"Choose a district of {m['city']}"),
        (
            r"^(?P<district>.+)不在(?P<city>[^，]+)，",
            lambda m: f"{m['district']} is not in {m['city']}; choose the district again",
        ),
        (r"", lambda m: "Choose the district again"),
    ],
    "street_required": "Enter the street address (road, street, lane, alley, number)",
    "street_too_long": [
        (
            r"(?P<most>\d+)\D+(?P<now>\d+)",
            lambda m: f"The street address must be at most {m['most']} characters (it is {m['now']})",
        )
    ],
    "street_invalid": "The address contains control or invisible characters; please type it again",
    "mailing_address_required": "With “Same as mailing address” ticked, enter the mailing address",
    "household_address_conflict": "“Same as mailing address” is ticked: leave the household address empty",
    "household_address_required": "Enter the household address, or tick “Same as mailing address”",
    "passport_country_required": "Choose the country that issued the passport",
    "passport_country_unknown": "The issuing country is an ISO 3166-1 two-letter code, for example JP",
    "passport_country_not_applicable": "The issuing country is entered only when applying with a passport",
    # family card and guardian
    "household_not_applicable": "Household number and head of household are entered only for a family card",
    "family_requires_taipei_household": "A family card is for a household registered in Taipei City: the household "
    "address must be in Taipei City",
    "household_required": "For a family card, enter the household number and the head of household from the "
    "household register",
    "register_number_format": "The household number is not right: write its letters and digits as in the household "
    "register",
    "head_name_invalid": "Enter the head of household's name (at most 50 characters)",
    "guardian_not_applicable": "Applicants aged 18 or over need no legal guardian",
    "occupation_child_adult": "Applicants aged 18 or over cannot choose “Child” as their occupation",
    "guardian_required": "Applicants under 18 need a legal guardian, who also decides on the consent forms",
    "guardian_name_invalid": "Enter the guardian's name",
    "guardian_id_number_invalid": "The guardian's ID number should be a valid national ID or resident certificate "
    "number",
    "guardian_not_checked": "The applicant is a minor: type the ID number on the guardian's identity document",
    "guardian_differs": "This is not the ID number of the guardian named in the application",
    "same_barcode": "This is the reader's current card barcode: scan another new card",
    # one-card links and consent
    "family_card_cannot_link": "A family card cannot be linked with the one-card service; apply for a personal card",
    "partner_repeated": "Each partner library can be agreed to only once",
    "consent_document_outdated": "The consent form was revised or is not right: read the latest version, then agree",
}

# Details written in Chinese only at their raise sites, by their exact text.
DETAILS_EN: dict[str, str] = {
    "請以 application/json 送出資料": "Send the data as application/json",
    "查詢次數過多，請稍後再試": "Too many checks; try again later",
    "登入嘗試過於頻繁，請稍後再試": "Too many login attempts; try again later",
    "請重新登入": "Please log in again",
}
_DETAIL_RULES: list[Rule] = [
    (
        r"^共有 (?P<n>\d+) 項資料需要修正：(?P<fields>.*)$",
        lambda m: f"{m['n']} field{'s' if m['n'] != '1' else ''} to correct: {m['fields'].replace('、', ', ')}",
    ),
]


def _from_rules(rules: list[Rule], text: str) -> str | None:
    for pattern, build in rules:
        found = re.search(pattern, text, re.S)
        if found:
            return build(found)
    return None


def field_message(code: str, message: str, language: str | None) -> str:
    """A field error's message in ``language`` (None: as written)."""
    if language is None:
        return message
    chinese, english = split_bilingual(message)
    if language == ZH_TW:
        return chinese
    entry = FIELD_MESSAGES.get(code)
    if isinstance(entry, str):
        return entry
    if entry is not None:
        translated = _from_rules(entry, chinese)
        if translated is not None:
            return translated
    if english is not None:
        return english
    return message  # pydantic's own English message, or a text this catalogue does not know yet


def detail_text(detail: str, language: str | None) -> str:
    if language is None:
        return detail
    chinese, english = split_bilingual(detail)
    if language == ZH_TW:
        return chinese
    return english or DETAILS_EN.get(detail) or _from_rules(_DETAIL_RULES, detail) or detail


def title_text(title: str, language: str | None) -> str:
    if language is None:
        return title
    chinese, english = split_bilingual(title)
    return chinese if language == ZH_TW else (english or title)


def localise_problem(body: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    """A problem body in ``language``: its title, detail and every field error. None keeps it as it is."""
    body = dict(body)
    if language is None:
        return body
    if isinstance(body.get("title"), str):
        body["title"] = title_text(body["title"], language)
    if isinstance(body.get("detail"), str):
        body["detail"] = detail_text(body["detail"], language)
    if isinstance(body.get("errors"), list):
        body["errors"] = [
            {**error, "message": field_message(str(error.get("code", "")), error["message"], language)}
            if isinstance(error, Mapping) and isinstance(error.get("message"), str)
            else error
            for error in body["errors"]
        ]
    return body
