"""A card holder's phones from their patron record (Koha's separate ``phone`` and ``mobile``), for what SIP2's one
phone field cannot tell, with Koha's ``updated_on`` deciding whether the record may change a correction made here:
pure rules."""

from __future__ import annotations

import datetime as dt

from onecard.ils.records import PatronRecord, StoredPatron
from onecard.readers.library_record import phones_from_record_wanted
from onecard.readers.library_refresh import REFRESHED, from_record

CORRECTED_AT = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
CORRECTED = {
    "reader_id": "R0123456789ABCDEF0123",
    "password_source": "library_system",
    "library_patron_id": "42",
    "library_updated_on": CORRECTED_AT.isoformat(),
    "mobile": "+886922333444",
    "phone_home": "+886-2-27201234",
}


UNSET = "unchanged"


def record(updated_on: dt.datetime, mobile: str | None = UNSET, phone: str | None = UNSET) -> StoredPatron:
    held = PatronRecord(
        surname="陳大文",
        mobile="0922333444" if mobile == UNSET else mobile,
        phone="02-27201234" if phone == UNSET else phone,
    )
    return StoredPatron("42", held, updated_on)


def refresh(profile: dict, stored: StoredPatron):
    return from_record(profile, stored, "2026-12-02T11:00:00.000Z", 1_796_000_000)


def test_a_phone_changed_at_the_library_after_the_correction_is_taken_and_audited_as_the_library_systems():
    later = CORRECTED_AT + dt.timedelta(minutes=5)

    taken = refresh(CORRECTED, record(later, mobile="0933444555"))

    assert taken is not None
    assert taken.changes == {"mobile": "+886933444555", "library_updated_on": later.isoformat()}
    [audit] = [item for item in taken.items if item.get("field") == "mobile"]
    assert audit["action"] == REFRESHED and audit["by"] == "library_system"


def test_a_record_read_before_the_readers_last_correction_changes_nothing():
    assert refresh(CORRECTED, record(CORRECTED_AT - dt.timedelta(seconds=1), mobile="0933444555")) is None


def test_a_counter_change_in_the_second_of_the_correction_is_taken_koha_counts_whole_seconds():
    taken = refresh(CORRECTED, record(CORRECTED_AT, phone="02-23456789"))

    assert taken is not None and taken.changes["phone_home"] == "+886-2-23456789"


def test_the_record_holding_what_was_corrected_here_writes_nothing():
    assert refresh(CORRECTED, record(CORRECTED_AT + dt.timedelta(hours=1))) is None


def test_a_phone_cleared_at_the_library_is_cleared_here():
    taken = refresh(CORRECTED, record(CORRECTED_AT + dt.timedelta(minutes=1), phone=None))

    assert taken is not None and taken.changes["phone_home"] is None


def test_a_mobile_number_typed_into_the_home_phone_field_is_taken_as_the_mobile_as_from_sip2():
    taken = refresh(CORRECTED, record(CORRECTED_AT + dt.timedelta(minutes=1), mobile=None, phone="0933444555"))

    assert taken is not None
    assert (taken.changes["mobile"], taken.changes["phone_home"]) == ("+886933444555", None)


def test_a_reader_who_applied_here_or_never_corrected_is_not_refreshed_from_the_record():
    later = record(CORRECTED_AT + dt.timedelta(minutes=1), mobile="0933444555")
    assert refresh({**CORRECTED, "password_hash": "argon2id$…"}, later) is None
    assert refresh({**CORRECTED, "library_updated_on": None}, later) is None


def test_the_record_is_read_only_for_a_reader_who_corrected_here_and_only_when_sip2_carries_no_mobile():
    assert phones_from_record_wanted(CORRECTED, sip2_mobile=None)
    assert not phones_from_record_wanted(CORRECTED, sip2_mobile="0912345678")
    assert not phones_from_record_wanted({**CORRECTED, "library_updated_on": None}, sip2_mobile=None)
    assert not phones_from_record_wanted({**CORRECTED, "password_hash": "argon2id$…"}, sip2_mobile=None)
