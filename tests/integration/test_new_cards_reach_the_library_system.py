"""New cards reach the library system: a provisional patron once the e-mail address is verified, the counter's
upgrade, deletions of expired and rejected applications, the password sealed while it waits and the library
system's alone afterwards, idempotent retries; the library system here is an in-memory one behind the port."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from onecard.ils.records import PatronCategory
from tests.support.library_cards import deliver_library_cards
from tests.support.lifecycle import STAFF, activate_with, apply, mail_to, token_in, unique_person
from tests.support.patron_records import InMemoryPatronRecords


@pytest.fixture
def ils(aws, monkeypatch):
    from onecard import wiring

    records = InMemoryPatronRecords()
    monkeypatch.setenv("ILS_REST_BASE_URL", "http://127.0.0.1:9")  # a stack with a REST door (this one in memory)
    wiring.reset()
    monkeypatch.setattr(wiring, "patron_records", lambda: records)
    return records


@pytest.fixture(autouse=True)
def quick_retries(aws, monkeypatch):
    from onecard import wiring

    monkeypatch.setenv("LINK_RETRY_BASE_SECONDS", "0")
    wiring.reset()


def verify_email(api, read_mail, address: str) -> None:
    token = token_in(mail_to(read_mail, address)[0])
    assert api.post("/v1/email-verifications", {"token": token}).status == 200


def counter_view(staff, body) -> dict:
    answer = staff.get(
        "/v1/staff/applications", query={"id_type": "national_id", "id_number": body["id_number"]}, headers=STAFF
    )
    assert answer.status == 200, answer.body
    return answer.json()["library_system"]


def profile_of(aws, reader_id: str) -> dict:
    from onecard import wiring

    return wiring.readers().get_profile(reader_id) or {}


def test_a_verified_applicant_becomes_a_provisional_patron_with_the_password_they_chose(api, aws, ils, read_mail):
    body, accepted = apply(api, email="prov@example.com", password="Shelf2026", password_confirm="Shelf2026")
    reader_id = accepted["reader_id"]

    deliver_library_cards(aws)
    assert ils.by_reader(reader_id) == []  # not a patron before the address is verified

    verify_email(api, read_mail, "prov@example.com")
    deliver_library_cards(aws)

    patron = ils.only(reader_id)
    assert patron.record.category is PatronCategory.PROVISIONAL and patron.record.cardnumber is None
    assert (patron.record.surname, patron.record.id_number) == (body["name"], body["id_number"])
    assert patron.record.email == "prov@example.com" and patron.record.date_of_birth == dt.date(1990, 5, 17)
    assert ils.passwords[patron.patron_id] == "Shelf2026"
    profile = profile_of(aws, reader_id)
    assert "password_hash" not in profile and profile["password_source"] == "library_system"


def test_an_applicant_without_an_email_address_becomes_a_provisional_patron_at_once(api, aws, ils, staff):
    body, accepted = apply(api, email=None, **unique_person())

    deliver_library_cards(aws)

    patron = ils.only(accepted["reader_id"])
    assert patron.record.category is PatronCategory.PROVISIONAL
    status = counter_view(staff, body)
    assert status["state"] == "held" and status["category"] == "provisional" and "暫時" in status["words"]


def test_the_counter_activation_makes_it_a_full_card_with_the_scanned_barcode_and_expiry(api, aws, ils, staff):
    body, accepted = apply(api, email=None, **unique_person())
    deliver_library_cards(aws)

    answer = activate_with(staff, accepted["reader_id"], "TP20260001")
    assert answer.status == 200 and answer.json()["library_system"]["state"] == "waiting"
    deliver_library_cards(aws)

    patron = ils.only(accepted["reader_id"])
    assert patron.record.category is PatronCategory.FULL and patron.record.cardnumber == "TP20260001"
    activated = dt.date.fromisoformat(answer.json()["activated_at"][:10])
    assert patron.record.expiry_date is not None and patron.record.expiry_date.year == activated.year + 2
    status = counter_view(staff, body)
    assert status["state"] == "held" and status["category"] == "full"


def test_the_library_system_down_never_fails_the_activation_and_the_patron_arrives_when_it_is_back(
    api, aws, ils, staff
):
    body, accepted = apply(api, email=None, **unique_person())
    ils.down = True

    assert activate_with(staff, accepted["reader_id"], "TP20260002").status == 200
    assert any(m["failed"] for m in deliver_library_cards(aws))  # put back (the application's own is superseded)
    status = counter_view(staff, body)
    assert status["state"] == "waiting" and status["reason"] == "unreachable"
    assert "無法連線" in status["words"] and status["since"]

    ils.down = False
    deliver_library_cards(aws, wait_seconds=5)

    patron = ils.only(accepted["reader_id"])
    assert patron.record.category is PatronCategory.FULL and patron.record.cardnumber == "TP20260002"
    assert counter_view(staff, body)["state"] == "held"


def test_a_create_whose_answer_was_lost_is_looked_up_on_the_retry_not_made_twice(api, aws, ils):
    _, accepted = apply(api, email=None, **unique_person())
    ils.lose_next_create_answer = True

    assert all(m["failed"] for m in deliver_library_cards(aws))
    deliver_library_cards(aws, wait_seconds=5)

    assert len(ils.by_reader(accepted["reader_id"])) == 1
    assert sum(1 for _, name in ils.calls if name == "create") == 1


def test_a_message_delivered_twice_makes_one_patron(api, aws, ils):
    from tests.support.flows import relay_outbox, sqs_records
    from tests.support.library_cards import library_card_queue

    _, accepted = apply(api, email=None, **unique_person())
    relay_outbox(aws)
    sqs, url = aws.client("sqs"), library_card_queue(aws)
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]

    for _ in range(2):
        aws.invoke("LibraryCardWorkerFunction", {"Records": sqs_records([message])})

    assert len(ils.by_reader(accepted["reader_id"])) == 1


def test_an_expired_application_takes_its_provisional_patron_with_it(api, aws, ils, capsys):
    from tests.integration.test_application_expiry import applied_on, expire_on

    _, accepted = apply(api, email=None, **unique_person())
    deliver_library_cards(aws)
    assert len(ils.by_reader(accepted["reader_id"])) == 1

    assert expire_on(applied_on() + dt.timedelta(days=31), capsys)["expired"] == [accepted["reader_id"]]
    deliver_library_cards(aws)

    assert ils.by_reader(accepted["reader_id"]) == []


def test_a_duplicate_rejection_takes_the_provisional_patron_with_it(api, aws, ils, staff):
    first, _ = apply(api, email="first.of.two@example.com", **unique_person())  # not verified: not sent yet
    _, twin = apply(api, email=None, name=first["name"], birth_date=first["birth_date"])  # flagged here
    deliver_library_cards(aws)
    assert len(ils.by_reader(twin["reader_id"])) == 1

    decided = staff.post(f"/v1/staff/reviews/{twin['reader_id']}", {"decision": "duplicate"}, headers=STAFF)
    assert decided.status == 200
    deliver_library_cards(aws)

    assert ils.by_reader(twin["reader_id"]) == []


def test_a_library_system_duplicate_goes_to_the_reviewers_and_not_a_duplicate_sends_it_again_confirmed(
    api, aws, ils, staff
):
    from onecard.ils.records import PatronRecord

    # Someone the library system already holds under the same name and birth date, unknown here.
    ils.patrons["900"] = PatronRecord(
        surname="王同名", date_of_birth=dt.date(1980, 1, 2), category=PatronCategory.FULL, cardnumber="TP0000900"
    )
    body, accepted = apply(api, email=None, name="王同名", birth_date="1980-01-02")

    deliver_library_cards(aws)

    status = counter_view(staff, body)
    assert status["state"] == "refused" and status["reason"] == "duplicate" and "審核" in status["words"]
    reviews = staff.get("/v1/staff/reviews", headers=STAFF).json()["reviews"]
    flagged = next(r for r in reviews if r["reader_id"] == accepted["reader_id"])
    assert flagged["source"] == "library_system"

    assert (
        staff.post(f"/v1/staff/reviews/{accepted['reader_id']}", {"decision": "distinct"}, headers=STAFF).status == 200
    )
    deliver_library_cards(aws)

    assert ils.only(accepted["reader_id"]).record.surname == "王同名"
    assert counter_view(staff, body)["state"] == "held"


def test_the_password_is_never_in_clear_in_an_item_a_queue_body_or_a_log_line(api, aws, ils, read_mail, capsys):
    password = "Unseen7319"
    _, accepted = apply(api, email="sealed@example.com", password=password, password_confirm=password)
    verify_email(api, read_mail, "sealed@example.com")
    from tests.support.flows import relay_outbox
    from tests.support.library_cards import library_card_queue

    relay_outbox(aws)
    stored = json.dumps([aws.client("dynamodb").scan(TableName=t)["Items"] for t in aws.resources.table_names.values()])
    assert password not in stored and "password_encrypted" in stored  # sealed while it waits
    bodies = aws.client("sqs").receive_message(QueueUrl=library_card_queue(aws), VisibilityTimeout=0)["Messages"]
    assert bodies and all(password not in m["Body"] for m in bodies)

    deliver_library_cards(aws)

    assert ils.passwords[ils.only(accepted["reader_id"]).patron_id] == password
    after = json.dumps([aws.client("dynamodb").scan(TableName=t)["Items"] for t in aws.resources.table_names.values()])
    assert "password_encrypted" not in after  # deleted once delivered
    logged = capsys.readouterr()
    assert password not in logged.out and password not in logged.err


def test_once_the_library_system_holds_the_password_no_hash_kept_here_lets_the_old_password_in(api, aws, ils):
    body, accepted = apply(api, email=None, **unique_person())
    deliver_library_cards(aws)

    api.cookies.clear()
    answer = api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]})

    # No library system answers SIP2 here: the password is only the library system's, so nothing here accepts it.
    assert answer.status in (401, 503)
    stored = json.dumps(aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"])
    assert accepted["reader_id"] in stored and "argon2id" not in stored


def change_password(api, current: str, new: str, headers: dict) -> None:
    body = {"current_password": current, "password": new, "password_confirm": new}
    assert api.put("/v1/readers/me/password", body, headers=headers).status == 204


def test_a_password_changed_here_while_the_first_is_being_set_there_follows_it_at_once(api, aws, ils):
    from tests.support.lifecycle import log_in

    body, accepted = apply(api, email=None, password="First2026", password_confirm="First2026", **unique_person())
    csrf = log_in(api, body)
    set_there = ils.set_password

    def changed_here_meanwhile(patron_id: str, password: str) -> None:
        if password == "First2026":  # the worker took the sealed copy a moment before the reader's change
            change_password(api, "First2026", "Second2026", csrf)
        set_there(patron_id, password)

    ils.set_password = changed_here_meanwhile
    deliver_library_cards(aws)  # sets the first password, then queues the second
    deliver_library_cards(aws)

    patron = ils.only(accepted["reader_id"])
    assert ils.passwords[patron.patron_id] == "Second2026"
    profile = profile_of(aws, accepted["reader_id"])
    assert "password_hash" not in profile and profile["password_source"] == "library_system"


def test_a_password_the_library_system_refused_is_followed_by_the_next_one_changed_here(api, aws, ils):
    from tests.support.lifecycle import log_in

    body, accepted = apply(api, email=None, password="Short26", password_confirm="Short26", **unique_person())
    deliver_library_cards(aws)
    patron = ils.only(accepted["reader_id"])
    assert patron.patron_id not in ils.passwords  # its policy wants 8 characters: the reader still logs in here

    change_password(api, "Short26", "Longer2026", log_in(api, body))
    deliver_library_cards(aws)

    assert ils.passwords[patron.patron_id] == "Longer2026"
    assert "password_hash" not in profile_of(aws, accepted["reader_id"])


def test_a_password_change_that_finds_the_first_delivered_meanwhile_changes_nothing_and_asks_again(
    api, aws, ils, monkeypatch
):
    from onecard import wiring
    from tests.support.lifecycle import log_in

    body, accepted = apply(api, email=None, password="First2026", password_confirm="First2026", **unique_person())
    csrf = log_in(api, body)
    cards = wiring.library_cards()
    read = cards.password_and_state

    def delivered_right_after_the_read(reader_id: str):
        seen = read(reader_id)
        deliver_library_cards(aws)
        return seen

    monkeypatch.setattr(cards, "password_and_state", delivered_right_after_the_read)
    body = {"current_password": "First2026", "password": "Second2026", "password_confirm": "Second2026"}
    answer = api.put("/v1/readers/me/password", body, headers=csrf)

    assert answer.status == 409 and answer.json()["code"] == "password_moved_meanwhile"
    assert ils.passwords[ils.only(accepted["reader_id"]).patron_id] == "First2026"
    profile = profile_of(aws, accepted["reader_id"])
    assert "password_hash" not in profile and profile["password_source"] == "library_system"


def test_a_record_read_the_library_system_was_down_for_is_dropped_not_dead_lettered(api, aws, ils):
    import time

    sessions = aws.resources.table_names["SessionsTable"]
    breaker = {"pk": {"S": "PARTNER#library-system"}}
    aws.client("dynamodb").put_item(
        TableName=sessions,
        Item={**breaker, "failures": {"N": "5"}, "down_since": {"N": str(time.time())}, "probe_at": {"N": "9e12"}},
    )
    read = {"kind": "library_card", "action": "read_record", "reader_id": "R" + "0" * 20, "queued_at": ""}
    from tests.support.library_cards import library_card_queue

    sqs = aws.client("sqs")
    sqs.send_message(
        QueueUrl=library_card_queue(aws),
        MessageBody=json.dumps({**read, "request_id": "LC" + "2" * 20, "first_sent_at": 1}),
    )

    [handled] = deliver_library_cards(aws)

    assert not handled["failed"]
    dead = sqs.receive_message(QueueUrl=aws.resources.queue_urls["LibraryCardDeadLetterQueue"], VisibilityTimeout=0)
    assert not dead.get("Messages")
