"""What a login takes from the library system's answer about a known card holder (onecard.readers.library_refresh)."""

from __future__ import annotations

from onecard.readers.library_patrons import LIBRARY_SEEN, library_seen
from onecard.readers.library_refresh import REFRESHED, refreshed

AT, NOW = "2026-12-02T10:00:00.000Z", 1_796_000_000
LIBRARY = {"name": "王美玲", "email": "wang@example.com", "mobile": None, "phone_home": None, "card_status": "valid"}


def card_holder(**changes):
    return {
        "reader_id": "R1",
        "password_source": "library_system",
        **LIBRARY,
        LIBRARY_SEEN: library_seen(LIBRARY),
        "email_verified": None,
        **changes,
    }


def test_nothing_changed_writes_nothing():
    assert refreshed(card_holder(), LIBRARY, AT, NOW) is None


def test_a_correction_made_here_stays_while_the_library_system_still_says_what_it_replaced():
    corrected = card_holder(email="new@example.com", email_verified=True, mobile="+886911222333")

    assert refreshed(corrected, LIBRARY, AT, NOW) is None


def test_the_library_systems_change_is_taken_unverified_and_audited():
    corrected = card_holder(email="new@example.com", email_verified=True, email_token_sha256="abc")
    library = {**LIBRARY, "email": "counter@example.com", "card_status": "expired"}

    result = refreshed(corrected, library, AT, NOW)

    assert result is not None
    assert result.changes["email"] == "counter@example.com" and result.changes["card_status"] == "expired"
    assert result.changes["email_verified"] is False and result.changes["email_token_sha256"] is None
    assert result.changes[LIBRARY_SEEN] == library_seen(library)
    audit = [i for i in result.items if i["sk"].startswith("AUDIT#")]
    assert sorted((i["field"], i["action"], i["by"]) for i in audit) == [
        ("card_status", REFRESHED, "library_system"),
        ("email", REFRESHED, "library_system"),
    ]
    [notice] = [i for i in result.items if i["sk"].startswith("OUTBOX#")]
    assert "new@example.com" in notice["message"]  # told at the address verified here, not the new one


def test_a_record_kept_before_fingerprints_keeps_what_may_be_a_correction_and_takes_the_card():
    legacy = {k: v for k, v in card_holder(email="new@example.com", email_verified=True).items() if k != LIBRARY_SEEN}

    result = refreshed(legacy, {**LIBRARY, "name": "王美齡"}, AT, NOW)

    assert result is not None and result.changes["name"] == "王美齡" and "email" not in result.changes
    assert "email_verified" not in result.changes and result.changes[LIBRARY_SEEN] == library_seen(LIBRARY)


def test_a_reader_who_applied_here_keeps_this_services_record():
    assert refreshed({**card_holder(), "password_hash": "x"}, {**LIBRARY, "name": "別人"}, AT, NOW) is None
