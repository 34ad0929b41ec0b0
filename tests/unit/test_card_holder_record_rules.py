"""The pure rules of a card holder's record in the library system: which login answer may refresh it, how a
correction becomes the library system's fields, and the library system's refusals in words."""

from __future__ import annotations

import datetime as dt

from onecard.readers.library_record import contact_changes, password_refusal_words, refreshed_fields

CORRECTED_AT = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
CORRECTED = {"library_updated_on": CORRECTED_AT.isoformat(), "email": "new@example.com", "mobile": "+886922333444"}
FROM_SIP2 = {"email": "old@example.com", "mobile": "+886912345678", "phone_home": None, "card_status": "valid"}


def test_an_answer_older_than_the_readers_correction_leaves_the_contact_data_alone():
    kept = refreshed_fields(CORRECTED, FROM_SIP2, CORRECTED_AT - dt.timedelta(seconds=1))
    assert kept == {"card_status": "valid"}


def test_a_newer_answer_brings_the_librarys_e_mail_but_not_phones_sip2_cannot_tell_apart():
    kept = refreshed_fields(CORRECTED, FROM_SIP2, CORRECTED_AT + dt.timedelta(minutes=5))
    assert kept == {"email": "old@example.com", "card_status": "valid"}


def test_a_mobile_field_given_by_the_library_system_refreshes_the_mobile():
    kept = refreshed_fields(CORRECTED, FROM_SIP2, CORRECTED_AT + dt.timedelta(minutes=5), sip2_mobile="0912345678")
    assert kept["mobile"] == "+886912345678"


def test_a_card_holder_who_never_corrected_anything_is_refreshed_as_before():
    assert refreshed_fields({}, FROM_SIP2, CORRECTED_AT) == FROM_SIP2


def test_a_correction_becomes_the_library_systems_fields_in_its_staffs_notation_and_clears_with_null():
    changes, clear = contact_changes(
        {
            "email": "chen@example.com",
            "mobile": "+886922333444",
            "phone_home": "+886-2-27201234",
            "mailing_address": {"postal_code": "100", "city": "臺北市", "district": "中正區", "street": "中山南路1號"},
        }
    )
    assert (changes.email, changes.mobile, changes.phone) == ("chen@example.com", "0922333444", "02-27201234")
    assert (changes.address, changes.city, changes.postal_code) == ("中正區中山南路1號", "臺北市", "100")
    assert clear == frozenset() and changes.surname == ""

    _, cleared = contact_changes({"phone_home": None, "mailing_address": None})
    assert cleared == {"phone", "address", "city", "postal_code"}


def test_the_library_systems_password_refusals_are_put_in_words():
    assert "至少 8 碼" in password_refusal_words("Password length (5) is shorter than required (8)")
    assert "英文字母與數字" in password_refusal_words("Password is too weak")
    assert "空白" in password_refusal_words("Password contains trailing whitespace(s)")
    assert "Something new" in password_refusal_words("Something new")
