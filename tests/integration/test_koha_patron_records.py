"""The Koha REST adapter against the simulated library system: what it writes is what SIP2 answers, each refusal is
the port's exception, the service token is kept and renewed, and an unreachable library system is never a refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from ils_simulator import (
    Account,
    IlsSimulator,
    RestClient,
)
from onecard.ils import CardStatus, LibrarySystemUnavailable
from onecard.ils.records import (
    DeletionRefused,
    PasswordRefused,
    PatronCategory,
    PatronConflict,
    PatronNotFound,
    PatronRecord,
    PatronRefused,
    create_once,
)
from onecard.infra.koha_patrons import KohaPatronRecords
from tests.support.library_system import rest_door, sip2_door

TIMEOUT = 0.5


@pytest.fixture
def simulator():
    clients = [
        RestClient("onecard-service", "service-secret"),
        RestClient("no-delete", "no-delete-secret", frozenset({"list_borrowers", "edit_borrowers"})),
    ]
    with IlsSimulator(account=Account("onecard", "sip-pass-123"), rest_clients=clients).running() as running:
        yield running


def door(simulator: IlsSimulator, **overrides) -> KohaPatronRecords:
    return rest_door(simulator, **{"timeout": TIMEOUT, **overrides})


@pytest.fixture
def records(simulator):
    return door(simulator)


@pytest.fixture
def sip2(simulator):
    library = sip2_door(simulator, timeout=TIMEOUT, **simulator.extension_fields)
    yield library
    library.close()


def applicant(**changes) -> PatronRecord:
    fields = {
        "surname": "林",
        "firstname": "書蟲",
        "id_number": "A123456789",
        "date_of_birth": dt.date(2000, 2, 29),
        "email": "reader@example.com",
        "mobile": "0911222333",
        "address": "中山路1號",
        "city": "臺北市",
        "postal_code": "100",
        "external_id": "R-0001",
    }
    return PatronRecord(**{**fields, **changes})


def test_a_provisional_patron_with_the_password_set_over_rest_is_found_over_sip2_but_may_not_borrow(records, sip2):
    created = records.create_patron(applicant())
    records.set_password(created.patron_id, "shelf2026")

    check = sip2.check_password("A123456789", "shelf2026")
    assert check.password_valid and check.patron.name == "林書蟲"
    assert check.patron.card_status is CardStatus.BLOCKED
    assert created.record.category is PatronCategory.PROVISIONAL and created.record.external_id == "R-0001"


def test_the_counters_upgrade_gives_the_barcode_and_the_right_to_borrow(records, sip2):
    created = records.create_patron(applicant())
    expiry = dt.date.today() + dt.timedelta(days=365 * 3)

    upgraded = records.update_patron(
        created.patron_id,
        PatronRecord(surname="林", category=PatronCategory.FULL, cardnumber="TP91000009", expiry_date=expiry),
    )

    assert (upgraded.record.cardnumber, upgraded.record.category) == ("TP91000009", PatronCategory.FULL)
    assert upgraded.record.id_number == "A123456789" and upgraded.record.email == "reader@example.com"
    patron = sip2.find_patron("TP91000009")
    assert patron.card_status is CardStatus.VALID and patron.card_expires == expiry


def test_a_correction_sets_the_given_fields_clears_those_named_and_leaves_the_rest(records, simulator):
    holder = records.find_patron(cardnumber="TP90000001")

    corrected = records.update_patron(
        holder.patron_id,
        PatronRecord(surname=holder.record.surname, category=holder.record.category, email="chen@example.com"),
        clear=frozenset({"phone"}),
    )

    assert (corrected.record.email, corrected.record.phone) == ("chen@example.com", None)
    assert corrected.record.address == "臺北市大安區建國南路二段1號" and corrected.record.firstname == "大文"
    assert corrected.record.id_number == "F131104093"
    assert corrected.updated_on >= holder.updated_on


def test_a_patron_in_another_borrowing_category_keeps_it_through_a_correction(records, simulator):
    simulator.rest.categories.add("J")
    simulator.change_patron("TP90000002", category_id="J")
    holder = records.find_patron(cardnumber="TP90000002")
    assert holder.record.category is PatronCategory.FULL

    records.update_patron(holder.patron_id, PatronRecord(surname="王", email="wang2@example.com"))
    records.update_patron(holder.patron_id, PatronRecord(surname="王", category=PatronCategory.FULL))

    kept = records.get_patron(holder.patron_id)
    assert (kept.details["category_id"], kept.record.email) == ("J", "wang2@example.com")


def test_the_search_by_card_number_is_exact_never_contains(records):
    assert records.find_patron(cardnumber="TP9000000") is None
    assert records.find_patron(cardnumber="tp90000002").record.surname == "王"


def test_a_patron_is_found_by_the_reader_id_or_the_id_number_it_was_created_with(records):
    created = records.create_patron(applicant())
    assert records.find_patron(external_id="R-0001").patron_id == created.patron_id
    assert records.find_patron(id_number="A123456789").patron_id == created.patron_id
    assert records.find_patron(external_id="R-0002") is None


def test_a_create_whose_answer_was_lost_is_found_by_the_retry_and_never_made_twice(records, simulator):
    simulator.set_faults(drop_mid_answer=True)
    with pytest.raises(LibrarySystemUnavailable):
        records.create_patron(applicant())
    simulator.set_faults()

    first = create_once(records, applicant())
    again = create_once(records, applicant())

    assert first.patron_id == again.patron_id
    assert sum(p["id_number"] == "A123456789" for p in simulator.patrons()) == 1
    assert [method for method, _, _ in simulator.rest.received].count("POST") == 1


def test_a_taken_card_number_is_a_conflict_of_the_card_number(records):
    with pytest.raises(PatronConflict) as conflict:
        records.create_patron(applicant(cardnumber="TP90000001"))
    assert (conflict.value.kind, conflict.value.field) == ("cardnumber", "cardnumber")


def test_a_likely_duplicate_person_is_a_conflict_until_a_reviewer_confirms_otherwise(records):
    same_person = applicant(surname="陳", firstname="大文", date_of_birth=dt.date(1985, 3, 2), id_number=None)
    with pytest.raises(PatronConflict) as conflict:
        records.create_patron(same_person)
    assert conflict.value.kind == "duplicate"

    assert records.create_patron(same_person, confirmed_not_duplicate=True).record.surname == "陳"


def test_an_id_number_already_another_patrons_is_a_conflict_of_the_id_number(records):
    with pytest.raises(PatronConflict) as conflict:
        records.create_patron(applicant(id_number="F131104093"))
    assert conflict.value.kind == "id_number"


def test_a_category_the_library_system_does_not_have_is_refused_naming_it(simulator):
    with pytest.raises(PatronRefused) as refused:
        door(simulator, provisional_category="NOPE").create_patron(applicant())
    assert refused.value.field == "category" and "category_id" in refused.value.reason


def test_the_password_policy_refusal_comes_in_the_library_systems_words(records, sip2):
    with pytest.raises(PasswordRefused) as refused:
        records.set_password("1", "bookshelf")
    assert refused.value.reason == "Password is too weak" and refused.value.field == "password"
    assert sip2.check_password("TP90000001", "tpml2024").password_valid


def test_a_delete_refused_for_a_loan_or_a_debt_says_which_then_succeeds(records, simulator, sip2):
    simulator.change_patron("TP90000001", checkouts=2)
    with pytest.raises(DeletionRefused) as refused:
        records.delete_patron("1")
    assert refused.value.code == "has_checkouts"
    simulator.change_patron("TP90000001", checkouts=0, debt=15)
    with pytest.raises(DeletionRefused) as refused:
        records.delete_patron("1")
    assert refused.value.code == "has_debt"
    simulator.change_patron("TP90000001", debt=0)

    records.delete_patron("1")
    records.delete_patron("1")  # no longer held: deleted

    assert sip2.find_patron("TP90000001") is None and records.get_patron("1") is None


def test_writing_to_a_patron_the_library_system_no_longer_holds_is_not_found(records):
    with pytest.raises(PatronNotFound):
        records.update_patron("999", PatronRecord(surname="x"))
    with pytest.raises(PatronNotFound):
        records.set_password("999", "shelf2026")


def test_the_service_token_is_kept_across_calls(records, simulator):
    records.find_patron(cardnumber="TP90000001")
    records.get_patron("2")
    records.set_password("3", "shelf2026")
    assert simulator.rest.tokens_issued == 1


def test_an_expired_token_is_renewed_once_and_the_call_goes_through(records, simulator):
    records.get_patron("1")
    simulator.rest.expire_tokens()

    assert records.get_patron("1").record.cardnumber == "TP90000001"
    assert simulator.rest.tokens_issued == 2


def test_the_token_is_renewed_before_it_expires_without_a_refused_call(simulator):
    now = [1000.0]
    records = door(simulator, clock=lambda: now[0])
    records.get_patron("1")
    now[0] += 3600 - 30  # within the last minute of its hour

    records.get_patron("1")

    assert simulator.rest.tokens_issued == 2
    assert not any(status == 401 for status in simulator.rest.statuses)


def test_a_token_refused_even_when_new_is_the_library_system_unavailable(records, simulator):
    simulator.rest.token_seconds = 0  # every token it issues is expired at once
    with pytest.raises(LibrarySystemUnavailable):
        records.get_patron("1")
    assert simulator.rest.tokens_issued == 2


def test_a_wrong_client_secret_or_a_missing_permission_is_unavailable_never_a_refusal(simulator):
    with pytest.raises(LibrarySystemUnavailable):
        door(simulator, client_secret="guess").get_patron("1")
    limited = door(simulator, client_id="no-delete", client_secret="no-delete-secret")
    with pytest.raises(LibrarySystemUnavailable):
        limited.delete_patron("1")
    assert simulator.patrons()[0]["barcode"] == "TP90000001"


@pytest.mark.parametrize("faults", [{"down": True}, {"drop_mid_answer": True}, {"latency_ms": 1500}])
def test_a_library_system_down_cut_off_or_slow_is_unavailable(records, simulator, faults):
    records.get_patron("1")  # a token is held: the fault meets the call itself
    simulator.set_faults(**faults)
    with pytest.raises(LibrarySystemUnavailable):
        records.set_password("1", "shelf2026")
    simulator.set_faults()
    assert records.get_patron("1") is not None


def test_nothing_answers_at_the_url_is_unavailable(simulator):
    nowhere = rest_door(simulator, url="http://127.0.0.1:9", client_id="x", client_secret="y", timeout=TIMEOUT)
    with pytest.raises(LibrarySystemUnavailable):
        nowhere.find_patron(cardnumber="TP90000001")


def test_the_adapter_never_shows_its_secret(records):
    assert "service-secret" not in repr(records)
