"""What the library system is told of a new card, and what the counter is told of the library system: pure rules."""

from __future__ import annotations

import datetime as dt

from onecard.ils.records import PatronCategory
from onecard.library_cards.patron_record import card_expiry, changes_needed, patron_record, wanted_category
from onecard.library_cards.status import status_of
from onecard.links.retry_policy import PartnerHealth


def profile(**changes) -> dict:
    base = {
        "reader_id": "R0123456789ABCDEF0123",
        "status": "pending_verification",
        "name": "林小明",
        "birth_date": "1990-05-17",
        "gender": "male",
        "email": "lin@example.com",
        "email_verified": True,
        "mobile": "0912345678",
        "phone_home": "0223456789",
        "mailing_address": {"postal_code": "100", "city": "臺北市", "district": "中正區", "street": "中山南路 1 號"},
    }
    return {**base, **changes}


def test_an_application_is_provisional_once_its_address_is_verified_and_never_before():
    assert wanted_category(profile()) is PatronCategory.PROVISIONAL
    assert wanted_category(profile(email_verified=False)) is None
    assert wanted_category(profile(email=None, email_verified=None)) is PatronCategory.PROVISIONAL


def test_an_activated_card_is_full_and_an_expired_or_rejected_application_is_not_a_patron():
    assert wanted_category(profile(status="active", card_barcode="TP1")) is PatronCategory.FULL
    assert wanted_category(profile(status="expired")) is None
    assert wanted_category(profile(review={"status": "duplicate"})) is None


def test_the_provisional_record_has_no_barcode_and_the_full_one_the_scanned_barcode_and_expiry():
    provisional = patron_record(profile(), PatronCategory.PROVISIONAL, id_number="A123456789")
    full = patron_record(
        profile(status="active", card_barcode="TP20260001", activated_at="2026-12-02T16:30:00.000Z"),
        PatronCategory.FULL,
        id_number="A123456789",
    )

    assert (provisional.cardnumber, provisional.expiry_date) == (None, None)
    assert (full.cardnumber, full.expiry_date) == ("TP20260001", dt.date(2028, 12, 3))  # 00:30 on the 3rd in Taipei
    assert (full.surname, full.id_number, full.external_id) == ("林小明", "A123456789", "R0123456789ABCDEF0123")
    assert (full.address, full.city, full.postal_code) == ("中正區中山南路 1 號", "臺北市", "100")
    assert (full.phone, full.mobile, full.gender, full.date_of_birth) == (
        "0223456789",
        "0912345678",
        "M",
        dt.date(1990, 5, 17),
    )


def test_an_unverified_address_is_not_given_to_the_library_system():
    assert patron_record(profile(email_verified=False), PatronCategory.PROVISIONAL, id_number="A1").email is None


def test_a_family_card_and_a_minor_carry_household_and_guardian_in_the_staff_notes():
    family = profile(
        household={"head_name": "林大明", "register_number_encrypted": {}},
        guardian={"name": "林大明", "relationship": "father", "phone": "0912000111"},
    )

    notes = patron_record(family, PatronCategory.PROVISIONAL, id_number="A1", register_number="A1234567").staff_notes

    assert notes == "家庭證 戶號 A1234567 戶長 林大明；法定代理人 林大明（父）0912000111"
    assert patron_record(profile(), PatronCategory.PROVISIONAL, id_number="A1").staff_notes is None


def test_a_card_activated_on_29_february_expires_on_28_february():
    assert card_expiry("2028-02-29T02:00:00.000Z", 2) == dt.date(2030, 2, 28)


def test_the_upgrade_changes_only_category_barcode_and_expiry_and_nothing_when_it_is_there():
    held = patron_record(profile(), PatronCategory.PROVISIONAL, id_number="A1")
    wanted = patron_record(
        profile(status="active", card_barcode="TP2", activated_at="2026-12-02T01:00:00.000Z"),
        PatronCategory.FULL,
        id_number="A1",
    )

    upgrade = changes_needed(held, wanted)

    assert upgrade is not None
    assert (upgrade.category, upgrade.cardnumber, upgrade.expiry_date) == (
        PatronCategory.FULL,
        "TP2",
        wanted.expiry_date,
    )
    assert upgrade.email is None and upgrade.mobile is None  # the reader's own corrections are not overwritten
    assert changes_needed(wanted, wanted) is None


def test_the_counter_reads_held_waiting_and_why_refused_or_not_sent():
    up, down = PartnerHealth(), PartnerHealth(failures=5, down_since=1_795_000_000.0, probe_at=0)
    held = {"held_since": "2026-12-02T01:00:00.000Z", "held_category": "provisional", "patron_id": "7"}

    assert status_of(None, up).state == "not_sent"
    assert status_of(held, up).state == "held" and "暫時讀者" in status_of(held, up).words
    waiting = status_of({**held, "pending": "upgrade", "waiting_since": "2026-12-02T02:00:00.000Z"}, down)
    assert (waiting.state, waiting.reason, waiting.since) == ("waiting", "down", "2026-12-02T02:00:00.000Z")
    assert "升級" in waiting.words and "停止回應" in waiting.words and "暫時讀者" in waiting.words
    refused = status_of({"refused": {"code": "duplicate", "at": "2026-12-02T03:00:00.000Z"}}, up)
    assert (refused.state, refused.reason) == ("refused", "duplicate") and "審核" in refused.words


def test_the_status_gives_the_page_what_waits_why_since_when_and_the_held_patron_as_fields():
    down = PartnerHealth(failures=5, down_since=1_795_000_000.0, probe_at=0)
    held = {"held_since": "2026-12-02T01:00:00.000Z", "held_category": "provisional", "patron_id": "7"}

    waiting = status_of({**held, "pending": "password", "waiting_since": "2026-12-02T02:00:00.000Z"}, down)
    assert (waiting.pending, waiting.reason, waiting.down_since) == ("password", "down", "2026-11-18T11:06:40Z")
    assert (waiting.category, waiting.held_since) == ("provisional", "2026-12-02T01:00:00.000Z")
    unreachable = status_of({"pending": "create", "last_error": "unreachable", "waiting_since": "t"}, PartnerHealth())
    assert (unreachable.pending, unreachable.reason, unreachable.down_since) == ("create", "unreachable", None)
    assert unreachable.category is None and unreachable.held_since is None
    full = status_of({**held, "held_category": "full"}, PartnerHealth())
    assert (full.state, full.since, full.category) == ("held", "2026-12-02T01:00:00.000Z", "full")


def test_a_refusal_keeps_the_library_systems_code_and_detail_apart_from_the_words():
    refused = status_of(
        {"refused": {"code": "data", "detail": "Invalid email", "at": "2026-12-02T03:00:00.000Z"}}, PartnerHealth()
    )
    assert (refused.reason, refused.detail, refused.since) == ("data", "Invalid email", "2026-12-02T03:00:00.000Z")
    assert refused.words.endswith("：Invalid email")
    card = status_of({"refused": {"code": "cardnumber", "at": "t"}}, PartnerHealth())
    assert (card.reason, card.detail) == ("cardnumber", None) and "換發新卡" in card.words


def test_the_words_are_one_zh_tw_sentence_without_english():
    down = PartnerHealth(failures=5, down_since=1_795_000_000.0, probe_at=0)
    items = [
        None,
        {"held_since": "2026-12-02T01:00:00.000Z", "held_category": "full"},
        {"pending": "card", "waiting_since": "2026-12-02T02:00:00.000Z", "held_category": "full", "held_since": "t"},
        {"refused": {"code": "cardnumber", "at": "2026-12-02T03:00:00.000Z"}},
    ]
    for item in items:
        words = status_of(item, down).words
        letters = {c for c in words if c.isascii() and c.isalpha()}
        assert letters <= set("TZt"), (item, words)  # only the ISO moments' letters
