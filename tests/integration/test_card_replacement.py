"""The counter gives an active reader another card (換證): the old barcode stops finding them at once, the new one
does, the reader's audit trail names the clerk, and the library system gets the new cardnumber through its outbox."""

from __future__ import annotations

import pytest

from tests.support.library_cards import deliver_library_cards
from tests.support.library_system import sip2_door
from tests.support.lifecycle import OPERATOR_TOKEN, STAFF, activate_with, active_reader, apply, unique_person

LOOKUP = "/v1/staff/applications"


@pytest.fixture(autouse=True)
def quick_retries(aws, monkeypatch):
    from onecard import wiring

    monkeypatch.setenv("LINK_RETRY_BASE_SECONDS", "0")
    wiring.reset()


def replace(staff, reader_id: str, barcode: str, reason: str = "lost"):
    return staff.as_staff(OPERATOR_TOKEN).post(
        f"/v1/staff/readers/{reader_id}/card-replacement", {"card_barcode": barcode, "reason": reason}
    )


def item(aws, pk: str, sk: str) -> dict:
    """The readers table's item at this key ({} when there is none)."""
    from onecard.infra.dynamo import from_item, to_item

    found = aws.client("dynamodb").get_item(
        TableName=aws.resources.table_names["ReadersTable"], Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=True
    )
    return from_item(found["Item"]) if "Item" in found else {}


def partition(aws, pk: str, prefix: str) -> list[dict]:
    from onecard.infra.dynamo import from_item, to_item

    answer = aws.client("dynamodb").query(
        TableName=aws.resources.table_names["ReadersTable"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues=to_item({":pk": pk, ":prefix": prefix}),
        ConsistentRead=True,
    )
    return [from_item(i) for i in answer["Items"]]


def card_of(staff, id_number: str) -> dict:
    answer = staff.get(LOOKUP, query={"id_type": "national_id", "id_number": id_number}, headers=STAFF)
    assert answer.status == 200, answer.body
    return answer.json()


def test_a_lost_card_replaced_the_old_barcode_finds_nobody_here_and_the_new_one_logs_in(api, aws, staff):
    body, accepted = active_reader(api, **unique_person())
    reader_id = accepted["reader_id"]
    old = card_of(staff, body["id_number"])["card_barcode"]
    old_pointer = item(aws, f"BARCODE#{old}", "BARCODE")

    answer = replace(staff, reader_id, "tp77700001", "lost")

    assert answer.status == 200, answer.body
    done = answer.json()
    assert (done["card_barcode"], done["previous_card_barcode"], done["reason"]) == ("TP77700001", old, "lost")
    assert item(aws, f"BARCODE#{old}", "BARCODE") == {}
    new_pointer = item(aws, "BARCODE#TP77700001", "BARCODE")
    assert {k: v for k, v in new_pointer.items() if k != "pk"} == {k: v for k, v in old_pointer.items() if k != "pk"}
    assert card_of(staff, body["id_number"])["card_barcode"] == "TP77700001"
    [entry] = [e for e in partition(aws, f"READER#{reader_id}", "AUDIT#") if e.get("action") == "replaced"]
    assert (entry["by"], entry["branch"], entry["reason"]) == ("staff-counter", "ZH01", "lost")
    assert (entry["previous_card_barcode"], entry["card_barcode"], entry["channel"]) == (old, "TP77700001", "counter")
    assert entry["principal"]  # the sign-in's stable id beside the user name

    assert api.post("/v1/sessions", {"card_barcode": old, "password": body["password"]}).status == 401
    api.cookies.clear()
    assert api.post("/v1/sessions", {"card_barcode": "TP77700001", "password": body["password"]}).status == 201


def test_a_barcode_another_reader_holds_here_is_refused_and_nothing_changes(api, aws, staff):
    body, accepted = active_reader(api, **unique_person())
    other, _ = active_reader(api, **unique_person())
    taken = card_of(staff, other["id_number"])["card_barcode"]
    mine = card_of(staff, body["id_number"])["card_barcode"]

    answer = replace(staff, accepted["reader_id"], taken, "damaged")

    assert answer.status == 409 and answer.json()["code"] == "barcode_taken"
    assert item(aws, f"BARCODE#{mine}", "BARCODE")["reader_id"] == accepted["reader_id"]
    assert card_of(staff, body["id_number"])["card_barcode"] == mine
    assert not [e for e in partition(aws, f"READER#{accepted['reader_id']}", "AUDIT#") if e["action"] == "replaced"]


def test_a_pending_application_has_no_card_to_replace_and_a_bad_reason_or_barcode_names_its_field(api, staff):
    _, accepted = apply(api, **unique_person())
    pending = replace(staff, accepted["reader_id"], "TP77700002")
    assert pending.status == 409 and pending.json()["code"] == "not_active"

    bad = staff.as_staff(OPERATOR_TOKEN).post(
        f"/v1/staff/readers/{accepted['reader_id']}/card-replacement", {"card_barcode": "TP-1", "reason": "stolen"}
    )
    assert bad.status == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"card_barcode", "reason"}


def test_a_barcode_the_library_system_holds_for_another_card_holder_is_refused(api, aws, staff, library):
    body, accepted = apply(api, email=None, **unique_person())
    deliver_library_cards(aws)
    assert activate_with(staff, accepted["reader_id"], "TP31000101").status == 200

    answer = replace(staff, accepted["reader_id"], "TP90000002")  # 王美玲's card

    assert answer.status == 409 and answer.json()["code"] == "barcode_held_by_library_system"
    assert card_of(staff, body["id_number"])["card_barcode"] == "TP31000101"


def test_a_barcode_refused_by_the_library_system_is_replaced_and_the_new_one_reaches_it(api, aws, staff, library):
    from onecard.ils import CardStatus

    body, accepted = apply(api, email=None, **unique_person())
    reader_id = accepted["reader_id"]
    deliver_library_cards(aws)
    library.set_faults(down=True)
    assert activate_with(staff, reader_id, "TP90000001").status == 200  # 陳大文's card
    library.set_faults()
    deliver_library_cards(aws, wait_seconds=5)
    assert card_of(staff, body["id_number"])["library_system"]["reason"] == "cardnumber"

    answer = replace(staff, reader_id, "TP31000202", "refused_by_library_system")

    assert answer.status == 200, answer.body
    assert answer.json()["library_system"]["state"] == "waiting"
    assert item(aws, "BARCODE#TP90000001", "BARCODE") == {}
    assert item(aws, "BARCODE#TP31000202", "BARCODE")["reader_id"] == reader_id
    [outbox] = partition(aws, f"LIBRARYCARD#{reader_id}", "OUTBOX#")[-1:]
    assert reader_id in outbox["message"]
    waiting = card_of(staff, body["id_number"])["library_system"]
    assert (waiting["state"], waiting["pending"], waiting.get("detail")) == ("waiting", "card", None)

    deliver_library_cards(aws, wait_seconds=5)

    held = card_of(staff, body["id_number"])["library_system"]
    assert (held["state"], held["category"]) == ("held", "full")
    check = sip2_door(library, timeout=2, **library.extension_fields).check_password("TP31000202", body["password"])
    assert check.patron_valid and check.password_valid and check.patron is not None
    assert check.patron.card_status is CardStatus.VALID  # charge privileges allowed
    [patron] = [p for p in library.patrons() if p["id_number"] == body["id_number"]]
    assert patron["barcode"] == "TP31000202"
    chen = [p for p in library.patrons() if p["barcode"] == "TP90000001"]
    assert [p["id_number"] for p in chen] == ["F131104093"]  # 陳大文 keeps his card


def test_a_lost_card_a_login_before_the_library_system_has_the_new_one_keeps_it_and_then_the_old_one_is_gone_there(
    api, aws, staff, library
):
    body, accepted = apply(api, email=None, **unique_person())
    reader_id = accepted["reader_id"]
    deliver_library_cards(aws)
    assert activate_with(staff, reader_id, "TP31000303").status == 200
    deliver_library_cards(aws)
    assert replace(staff, reader_id, "TP31000304", "lost").status == 200

    # The library system still knows the lost card: a login's answer names it, and the new card stays.
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).status == 201
    assert api.get("/v1/readers/me").json()["card_barcode"] == "TP31000304"
    api.cookies.clear()

    deliver_library_cards(aws)

    assert "library_card_waiting" not in item(aws, f"READER#{reader_id}", "PROFILE")
    door = sip2_door(library, timeout=2, **library.extension_fields)
    assert door.find_patron("TP31000303") is None  # the lost card finds nobody there either
    assert door.check_password("TP31000304", body["password"]).password_valid


def test_a_login_while_the_library_system_refuses_the_counters_barcode_keeps_that_barcode_here(
    api, aws, staff, library
):
    body, accepted = apply(api, email=None, **unique_person())
    deliver_library_cards(aws)
    library.set_faults(down=True)
    assert activate_with(staff, accepted["reader_id"], "TP90000001").status == 200  # 陳大文's card
    library.set_faults()
    deliver_library_cards(aws, wait_seconds=5)
    assert card_of(staff, body["id_number"])["library_system"]["reason"] == "cardnumber"

    # Its patron there is still provisional, without a card: SIP2 answers with the ID number it was asked.
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).status == 201
    assert api.get("/v1/readers/me").json()["card_barcode"] == "TP90000001"
    api.cookies.clear()
    assert replace(staff, accepted["reader_id"], "TP31000405", "refused_by_library_system").status == 200
    assert item(aws, "BARCODE#TP90000001", "BARCODE") == {}
