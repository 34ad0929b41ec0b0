"""Existing card holders, whose record and password the library system (ILS) holds: the reader record this service
keeps for them, and what their card's status allows. Pure: the patron comes in, a record goes out."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from onecard.domain import contact, identity
from onecard.domain.email import normalise_email
from onecard.ils import CardStatus, Patron
from onecard.web import problems

LIBRARY_SYSTEM = "library_system"
"""``password_source`` of a reader whose password the library system holds (a reader who applied here has none)."""

CHANGE_AT_THE_LIBRARY = (
    "您的密碼由本館圖書館系統管理，請至各分館櫃檯或本館網站變更 "
    "(Your password is kept by the library system: change it at a branch counter or on the "
    "library's website)"
)

PASSWORD_MOVED = (
    "您的密碼剛交由本館圖書館系統保管，請再變更一次 "
    "(Your password has just been handed to the library system: please change it again)"
)
"""A password change here that found its sealed copy for the library system delivered meanwhile (nothing changed)."""


LIBRARY_CORRECTABLE = ("email", "mobile", "phone_home")
"""The library system's fields a card holder may correct here (PATCH /v1/readers/me): a refresh takes them only
where the library system changed them (onecard.readers.library_refresh)."""
LIBRARY_SEEN = "library_seen"
"""The profile attribute with a fingerprint of what the library system last said of each correctable field."""


def fingerprint(value: Any) -> str:
    """A value's SHA-256, so the record keeps no second copy of what the library system said."""
    return hashlib.sha256(str(value or "").encode("utf-8")).hexdigest()


def library_seen(fields: dict[str, Any]) -> dict[str, str]:
    """The fingerprints of what the library system says of the correctable fields now."""
    return {name: fingerprint(fields.get(name)) for name in LIBRARY_CORRECTABLE}


def holds_password(profile: dict[str, Any]) -> bool:
    """Whether the library system, not this service, holds the reader's password."""
    return profile.get("password_source") == LIBRARY_SYSTEM


def id_type_of(number: str) -> str:
    if identity.is_valid_national_id(number):
        return identity.IdType.NATIONAL_ID.value
    if identity.is_valid_resident_certificate(number):
        return identity.IdType.RESIDENT_CERTIFICATE.value
    return identity.IdType.PASSPORT.value


def _contact(value: str | None, normalise: Callable[[str], str | None]) -> str | None:
    if not value:
        return None
    try:
        return normalise(value) or value.strip()
    except ValueError:  # the library system's own format: kept as it gives it
        return value.strip()


def phones(phone: str | None, mobile: str | None) -> dict[str, str | None]:
    """The library system's home phone and mobile, as this service stores them (``mobile``, ``phone_home``)."""
    if phone and not mobile and contact.normalise_mobile(phone):  # many give the mobile as the only phone
        mobile, phone = phone, None
    return {
        "mobile": _contact(mobile, contact.normalise_mobile),
        "phone_home": _contact(phone, contact.normalise_landline),
    }


def patron_fields(patron: Patron) -> dict[str, Any]:
    """What the library system says of the card holder, as this service stores it (refreshed at every login)."""
    return {
        "name": patron.name,
        "birth_date": patron.birth_date.isoformat() if patron.birth_date else None,
        "email": _contact(patron.email, normalise_email),
        **phones(patron.phone, patron.mobile),
        "library_address": patron.address.strip() if patron.address else None,
        "card_barcode": patron.barcode.strip().upper(),
        "card_status": patron.card_status.value,
        "card_expires": patron.card_expires.isoformat() if patron.card_expires else None,
    }


def patron_profile(
    patron: Patron,
    *,
    reader_id: str,
    id_number: str,
    identity_index: str,
    encrypted_id_number: dict[str, str],
    now: dt.datetime,
    created_at: str,
) -> dict[str, Any]:
    """The reader record of a card holder seen here for the first time: active (their identity was checked when the
    card was issued), no password of ours, the ID number sealed and blind-indexed like every reader's."""
    return {
        "reader_id": reader_id,
        "card_type": "personal",
        "status": "active",
        "password_source": LIBRARY_SYSTEM,
        "created_at": created_at,
        "id_type": id_type_of(id_number),
        "id_number_encrypted": encrypted_id_number,
        "id_number_masked": identity.mask_id_number(id_number),
        "identity_index": identity_index,
        "email_verified": None,
        **patron_fields(patron),
        LIBRARY_SEEN: library_seen(patron_fields(patron)),
    }


def refuse_unusable_card(patron: Patron) -> None:
    """A card the library system reports expired or blocked cannot be linked with a partner library."""
    if patron.card_status is CardStatus.EXPIRED:
        raise problems.Conflict(
            "您的借閱證已逾期，請攜帶身分證件至各分館櫃檯辦理續約後再申請一證通用 "
            "(Your card has expired: renew it at a branch counter first)",
            extra={"code": "card_expired"},
        )
    if patron.card_status is CardStatus.BLOCKED:
        raise problems.Conflict(
            "您的借閱證目前停用，請洽各分館櫃檯 (Your card is blocked: please ask at a branch counter)",
            extra={"code": "card_blocked"},
        )


def library_unavailable() -> problems.ServiceUnavailable:
    return problems.ServiceUnavailable(
        "目前無法連線本館圖書館系統，請稍後再試 (The library system cannot be reached; please try again shortly)",
        headers={"Retry-After": "30"},
        extra={"code": "library_system_unavailable"},
    )
