"""What the library system is told of a reader who applied here: the patron record their application becomes.
Pure: the profile comes in, a :class:`~onecard.ils.records.PatronRecord` goes out.

Which field goes where (README, "New cards in the library system"): the name whole in ``surname`` (a Chinese name
has no reliable split into surname and given name, and Koha's duplicate check compares both the same way for every
patron); the ID number as the library system's ID-number attribute; the mailing address's street and district in
``address``, its city and postal code in their own fields; the home phone in ``phone``, the mobile in ``mobile``;
a family card's household register number and head, and a minor's guardian (name, relationship, phone), in
``staff_notes``, which Koha shows the counter (it has no fields of its own for them). The guardian's and the head of
household's ID numbers stay sealed here: the library system never needs them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from onecard.domain import people
from onecard.ils.records import PatronCategory, PatronRecord

ACTIVE = "active"
PENDING = "pending_verification"

_RELATIONSHIPS = {"father": "父", "mother": "母", "legal_guardian": "監護人"}
_GENDERS = {"female": "F", "male": "M"}


def wanted_category(profile: dict[str, Any]) -> PatronCategory | None:
    """The category the reader's patron should be in now; None when the library system should not hold them (an
    application not yet verified, expired, rejected, or gone)."""
    status = profile.get("status")
    if status == ACTIVE and profile.get("card_barcode"):
        return PatronCategory.FULL
    if status != PENDING or (profile.get("review") or {}).get("status") == "duplicate":
        return None
    if profile.get("email") and not profile.get("email_verified"):
        return None  # as Koha's PatronSelfRegistrationVerifyByEmail: not a patron until the address is verified
    return PatronCategory.PROVISIONAL


def card_expiry(activated_at: str, valid_years: int) -> dt.date:
    """The card's expiry date: ``valid_years`` after the day (in Taipei) it was activated at the counter."""
    day = people.today_in_taipei(dt.datetime.fromisoformat(activated_at.replace("Z", "+00:00")))
    try:
        return day.replace(year=day.year + valid_years)
    except ValueError:  # activated on 29 February
        return day.replace(year=day.year + valid_years, day=28)


def staff_notes(profile: dict[str, Any], register_number: str | None) -> str | None:
    """A family card's household and a minor's guardian, in words the counter reads."""
    notes = []
    household = profile.get("household") or {}
    if household:
        notes.append(f"家庭證 戶號 {register_number or ''} 戶長 {household.get('head_name', '')}".strip())
    guardian = profile.get("guardian") or {}
    if guardian:
        relationship = _RELATIONSHIPS.get(guardian.get("relationship", ""), guardian.get("relationship", ""))
        phone = guardian.get("phone") or ""
        notes.append(f"法定代理人 {guardian.get('name', '')}（{relationship}）{phone}".strip())
    return "；".join(notes) or None


def patron_record(
    profile: dict[str, Any],
    category: PatronCategory,
    *,
    id_number: str,
    register_number: str | None = None,
    valid_years: int = 2,
) -> PatronRecord:
    """The whole record the library system should hold for this reader in ``category``."""
    mailing = profile.get("mailing_address") or {}
    full = category is PatronCategory.FULL
    return PatronRecord(
        surname=profile["name"],
        category=category,
        cardnumber=profile["card_barcode"] if full else None,
        id_number=id_number,
        date_of_birth=dt.date.fromisoformat(profile["birth_date"]) if profile.get("birth_date") else None,
        gender=_GENDERS.get(profile.get("gender") or ""),
        email=profile.get("email") if profile.get("email_verified") else None,
        phone=profile.get("phone_home"),
        mobile=profile.get("mobile"),
        address=(f"{mailing.get('district', '')}{mailing.get('street', '')}" or None) if mailing else None,
        city=mailing.get("city"),
        postal_code=mailing.get("postal_code"),
        country="TW" if mailing else None,
        expiry_date=card_expiry(profile["activated_at"], valid_years) if full and profile.get("activated_at") else None,
        staff_notes=staff_notes(profile, register_number),
        external_id=profile["reader_id"],
    )


def changes_needed(held: PatronRecord, wanted: PatronRecord) -> PatronRecord | None:
    """What moves the held patron to the wanted category, barcode and expiry (an upgrade at the counter); None when
    it is there already. Contact data is the reader's to correct and is not overwritten here."""
    if (held.category, held.cardnumber, held.expiry_date) == (wanted.category, wanted.cardnumber, wanted.expiry_date):
        return None
    if held.category is PatronCategory.FULL and wanted.category is not PatronCategory.FULL:
        return None  # a patron who may borrow is never made provisional again from here
    return PatronRecord(
        surname=wanted.surname,
        category=wanted.category,
        cardnumber=wanted.cardnumber,
        expiry_date=wanted.expiry_date,
    )


CARD_FIELDS = ("card_barcode", "card_status", "card_expires")


CARD_WAITING = "library_card_waiting"
"""On a profile: the barcode a counter gave the reader (at the activation, or in place of another), until the
library system has it."""


def without_a_provisional_card(profile: dict[str, Any], refreshed: dict[str, Any]) -> dict[str, Any]:
    """What a login's answer from the library system may change of an application not yet activated: its patron
    there is provisional and has no card (SIP2 answers with the identifier it was asked, an ID number, as the
    barcode, and "charge privileges denied"), so the card fields stay as they are until the counter's activation.
    Nor does an answer replace the barcode a counter gave before the library system has it (its patron still
    without a card, or with the old card of one replaced)."""
    if profile.get("status") != PENDING:
        if profile.get(CARD_WAITING) and profile.get(CARD_WAITING) == profile.get("card_barcode"):
            return {name: value for name, value in refreshed.items() if name != "card_barcode"}
        return refreshed
    return {name: value for name, value in refreshed.items() if name not in CARD_FIELDS}
