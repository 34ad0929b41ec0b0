"""A card holder's own record in the library system, managed from 個人書房: the password set there, contact data
written there first, the patron deleted there on erasure, and what it holds in the reader's copy of their data.

Pure: the library system's write-capable door (``onecard.ils.records.PatronRecords``) is handed in. Its refusals
become answers in words next to the field; an unreachable library system is a 503 and nothing here changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from onecard.domain.issues import FieldIssue
from onecard.ils import LibrarySystemUnavailable
from onecard.ils.records import (
    DeletionRefused,
    PasswordRefused,
    PatronNotFound,
    PatronRecord,
    PatronRecords,
    PatronRefused,
    StoredPatron,
)
from onecard.readers.library_patrons import library_unavailable
from onecard.web import problems

CONTACT_FIELDS = ("email", "mobile", "phone_home", "mailing_address")
"""What a card holder corrects online; everything else of their record is the library's (name, birth date and ID
number at a counter)."""

_SHORTER = re.compile(r"Password length \((\d+)\) is shorter than required \((\d+)\)")


def password_refusal_words(reason: str) -> str:
    """The library system's password policy refusal, in words a reader understands (its own words kept last)."""
    shorter = _SHORTER.search(reason)
    if shorter:
        return f"圖書館系統規定密碼至少 {shorter.group(2)} 碼，請換一組較長的密碼"
    if "too weak" in reason:
        return "圖書館系統認為此密碼太容易猜到，請同時使用英文字母與數字"
    if "whitespace" in reason:
        return "密碼結尾不可有空白"
    if "don't match" in reason:
        return "兩次輸入的密碼不一致，請再確認"
    return f"圖書館系統不接受此密碼，請換一組（{reason}）"


def patron_id_of(profile: dict[str, Any], records: PatronRecords) -> str:
    """The library system's id of the card holder (kept on the profile once known; found by card barcode)."""
    known = profile.get("library_patron_id")
    if known:
        return str(known)
    found = records.find_patron(cardnumber=profile["card_barcode"])
    if found is None:
        raise problems.Conflict(
            "圖書館系統查無您的借閱證資料，請洽各分館櫃檯 (The library system no longer holds your card: ask at a counter)",
            extra={"code": "not_in_library_system"},
        )
    return found.patron_id


def or_503(call: Callable[[], Any]) -> Any:
    """``call``'s answer; the 503 problem when the library system cannot answer."""
    try:
        return call()
    except LibrarySystemUnavailable:
        raise library_unavailable() from None


def set_password(records: PatronRecords, patron_id: str, password: str) -> None:
    """The new password, set in the library system: its refusals on the ``password`` field, in words."""
    try:
        records.set_password(patron_id, password)
    except PasswordRefused as refused:
        raise problems.InvalidFields(
            [FieldIssue("password", "password_refused_by_library", password_refusal_words(refused.reason))]
        ) from None
    except PatronNotFound:
        raise _gone() from None
    except LibrarySystemUnavailable:
        raise library_unavailable() from None


def contact_changes(updates: dict[str, Any]) -> tuple[PatronRecord, frozenset[str]]:
    """A card holder's normalised contact corrections as the library system's fields: the changes (with an empty
    surname: the patron's own is kept) and what is cleared."""
    given: dict[str, Any] = {}
    clear: set[str] = set()

    def put(name: str, value: Any) -> None:
        if value in (None, ""):
            clear.add(name)
        else:
            given[name] = value

    if "email" in updates:
        put("email", updates["email"])
    if "mobile" in updates:
        put("mobile", _local_phone(updates["mobile"]) if updates["mobile"] else None)
    if "phone_home" in updates:
        put("phone", _local_phone(updates["phone_home"]) if updates["phone_home"] else None)
    if "mailing_address" in updates:
        place = updates["mailing_address"]
        for name, value in (
            ("address", f"{place['district']}{place['street']}" if place else None),
            ("city", place["city"] if place else None),
            ("postal_code", place["postal_code"] if place else None),
        ):
            put(name, value)
    return PatronRecord(surname="", **given), frozenset(clear)


def write_contact(records: PatronRecords, patron_id: str, updates: dict[str, Any]) -> StoredPatron:
    """The corrections written to the library system (before anything here changes)."""
    changes, clear = contact_changes(updates)  # the surname left empty: the patron's own is kept
    try:
        return records.update_patron(patron_id, changes, clear=clear)
    except PatronNotFound:
        raise _gone() from None
    except PatronRefused as refused:
        field = {"email": "email", "mobile": "mobile", "phone": "phone_home"}.get(refused.field or "", "email")
        raise problems.InvalidFields(
            [
                FieldIssue(
                    field,
                    "refused_by_library",
                    f"圖書館系統不接受此資料 (The library system refused it: {refused.reason})",
                )
            ]
        ) from None
    except LibrarySystemUnavailable:
        raise library_unavailable() from None


def mirrored(stored: StoredPatron) -> dict[str, Any]:
    """What this service keeps of the library system's record after a write: its contact data and when it last
    changed there (``library_updated_on``: a record read later but older than this never undoes it)."""
    record = stored.record
    line = " ".join(part for part in (record.address, record.city, record.postal_code) if part)
    return {
        "library_patron_id": stored.patron_id,
        "library_updated_on": stored.updated_on.isoformat() if stored.updated_on else None,
        "library_address": line or None,
    }


def newer_than_ours(profile: dict[str, Any], answered_at: dt.datetime) -> bool:
    """Whether what the library system answered at ``answered_at`` may replace the profile's contact data: not when
    the reader's own correction was written there after it (Koha's ``updated_on`` of that write)."""
    ours = profile.get("library_updated_on")
    if not ours:
        return True
    return answered_at > dt.datetime.fromisoformat(ours)


def refreshed_fields(
    profile: dict[str, Any], fields: dict[str, Any], answered_at: dt.datetime, sip2_mobile: str | None = None
) -> dict[str, Any]:
    """What a login's answer from the library system (SIP2) may change of a card holder's profile: its contact
    data only when it is newer than the reader's last correction written there; and once the reader has corrected
    their record there, never the phones when SIP2 carried no mobile field (its one phone field cannot tell a
    mobile from a home phone: the numbers the reader gave stay, and a change at the library comes from the patron
    record instead: phones_from_record_wanted)."""
    fields = dict(fields)
    if not newer_than_ours(profile, answered_at):
        for name in ("email", "mobile", "phone_home", "library_address"):
            fields.pop(name, None)
    elif profile.get("library_updated_on") and sip2_mobile is None:
        fields.pop("mobile", None)
        fields.pop("phone_home", None)
    return fields


def phones_from_record_wanted(profile: dict[str, Any], sip2_mobile: str | None) -> bool:
    """Whether a login's SIP2 answer leaves a card holder's phones to the library system's patron record: once
    they corrected their record there (refreshed_fields keeps their phones from SIP2's one phone field), unless
    SIP2 carries a mobile field of its own. The record is read off the login's path (onecard.library_cards)."""
    return (
        bool(profile.get("library_updated_on") and profile.get("library_patron_id"))
        and sip2_mobile is None
        and not profile.get("password_hash")
    )


def library_copy(profile: dict[str, Any], records: PatronRecords | None) -> dict[str, Any] | None:
    """What the library system holds of the card holder, as it gives it (for the reader's copy of their data)."""
    if records is None:
        return None
    try:
        patron_id = profile.get("library_patron_id")
        stored = (
            records.get_patron(str(patron_id)) if patron_id else records.find_patron(cardnumber=profile["card_barcode"])
        )
    except LibrarySystemUnavailable:
        raise library_unavailable() from None
    if stored is None:
        return {"note": "圖書館系統已無此讀者之資料 (The library system holds no record of you)"}
    return dict(stored.details)


ERASURE_REFUSALS = {
    "has_checkouts": (
        "您尚有借閱中的資料，圖書館系統無法刪除您的借閱證。請先歸還所有資料，再按一次「刪除我的資料」。"
        "(You still have items on loan: return them, then ask again.)"
    ),
    "has_debt": (
        "您尚有未結清的費用，圖書館系統無法刪除您的借閱證。請至各分館櫃檯結清後，再按一次「刪除我的資料」。"
        "(You still owe fees: settle them at a branch counter, then ask again.)"
    ),
    "has_guarantees": (
        "您是其他讀者（如家中孩童）的保證人，請先至各分館櫃檯辦理變更，再按一次「刪除我的資料」。"
        "(You are the guarantor of other readers: change that at a counter, then ask again.)"
    ),
}


def delete_patron(records: PatronRecords, patron_id: str, on_refusal: Callable[[str], None]) -> None:
    """The patron deleted in the library system; a refusal (loans, debts …) is recorded by ``on_refusal`` and
    answered 409 saying what to do, with nothing deleted here."""
    try:
        records.delete_patron(patron_id)
    except DeletionRefused as refused:
        on_refusal(refused.code)
        message = ERASURE_REFUSALS.get(
            refused.code,
            "圖書館系統目前無法刪除您的借閱證，請洽各分館櫃檯 (The library system keeps your card: ask at a counter)",
        )
        raise problems.Conflict(message, extra={"code": f"library_refused_{refused.code}"}) from None
    except LibrarySystemUnavailable:
        raise library_unavailable() from None


def _local_phone(stored: str) -> str:
    """+886-2-27201234 → 02-27201234, +886912345678 → 0912345678: the number as the library's staff read it."""
    if stored.startswith("+886-"):
        return "0" + stored.removeprefix("+886-")
    if stored.startswith("+886"):
        return "0" + stored.removeprefix("+886")
    return stored


def _fields(record: PatronRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _gone() -> problems.Conflict:
    return problems.Conflict(
        "圖書館系統查無您的借閱證資料，請洽各分館櫃檯 (The library system no longer holds your card: ask at a counter)",
        extra={"code": "not_in_library_system"},
    )
