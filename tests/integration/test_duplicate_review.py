"""Possible duplicates: the same name and birth date under another ID number is accepted, silently flagged, and
listed for staff with the record it resembles; staff clear or reject the flag."""

from __future__ import annotations

import re

from tests.support.lifecycle import STAFF, apply, log_in, unique_person


def flagged(staff) -> dict[str, dict]:
    answer = staff.get("/v1/staff/reviews", headers=STAFF)
    assert answer.status == 200, answer.body
    return {review["reader_id"]: review for review in answer.json()["reviews"]}


def test_the_same_name_and_birthday_with_another_id_number_is_flagged_and_listed_with_the_record_it_resembles(
    api, staff, aws
):
    _first_body, first = apply(api, name="陳 美玲", birth_date="1985-03-08", id_number=unique_person()["id_number"])
    _second_body, second = apply(api, name="陳美玲", birth_date="1985-03-08", id_number=unique_person()["id_number"])

    reviews = flagged(staff)

    assert second["reader_id"] in reviews and first["reader_id"] not in reviews
    review = reviews[second["reader_id"]]
    assert [r["reader_id"] for r in review["resembles"]] == [first["reader_id"]]
    assert review["application"]["name"] == "陳美玲" and review["resembles"][0]["birth_date"] == "1985-03-08"
    items = aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"]
    person_keys = [i["pk"]["S"] for i in items if i["pk"]["S"].startswith("PERSON#")]
    assert len(person_keys) == 2 and len(set(person_keys)) == 1  # one person, two readers
    assert re.fullmatch(r"PERSON#[0-9a-f]{64}", person_keys[0])  # nothing in clear in the key


def test_the_applicant_is_not_told_of_the_flag(api, staff):
    _, first = apply(api, name="黃志明", birth_date="1979-11-30", id_number=unique_person()["id_number"])
    _, plain = apply(api, **unique_person())
    second_body, second = apply(api, name="黃志明", birth_date="1979-11-30", id_number=unique_person()["id_number"])

    assert set(second) == set(plain) and second["next_steps"] == plain["next_steps"]
    log_in(api, second_body)
    mine = api.get("/v1/readers/me").body.decode() + api.get("/v1/readers/me/export").body.decode()
    assert first["reader_id"] not in mine and "review" not in mine and "duplicate" not in mine


def test_an_unrelated_application_is_not_flagged(api, staff):
    apply(api, name="吳家豪", birth_date="1992-02-02", id_number=unique_person()["id_number"])
    _, other_birthday = apply(api, name="吳家豪", birth_date="1992-02-03", id_number=unique_person()["id_number"])
    _, other_name = apply(api, name="吳家樺", birth_date="1992-02-02", id_number=unique_person()["id_number"])

    reviews = flagged(staff)

    assert other_birthday["reader_id"] not in reviews and other_name["reader_id"] not in reviews


def test_a_distinct_decision_clears_the_flag_and_activation_proceeds(api, staff):
    apply(api, name="Lin Mei", birth_date="2000-01-01", id_number=unique_person()["id_number"])
    _, second = apply(api, name="LIN  MEI", birth_date="2000-01-01", id_number=unique_person()["id_number"])
    assert second["reader_id"] in flagged(staff)

    decided = staff.post(f"/v1/staff/reviews/{second['reader_id']}", {"decision": "distinct"}, headers=STAFF)

    assert decided.status == 200 and decided.json()["decision"] == "distinct"
    assert second["reader_id"] not in flagged(staff)
    assert staff.post(f"/v1/staff/reviews/{second['reader_id']}", {"decision": "distinct"}, headers=STAFF).status == 404
    assert (
        staff.post(
            f"/v1/staff/readers/{second['reader_id']}/activation",
            {"card_barcode": "TP40000001", "document_checked": "passport", "branch": "ZH01", "staff_id": "S1"},
            headers=STAFF,
        ).status
        == 200
    )


def test_a_duplicate_decision_rejects_the_application_at_the_counter(api, staff):
    apply(api, name="張雅婷", birth_date="1988-08-08", id_number=unique_person()["id_number"])
    _, second = apply(api, name="張雅婷", birth_date="1988-08-08", id_number=unique_person()["id_number"])

    assert (
        staff.post(f"/v1/staff/reviews/{second['reader_id']}", {"decision": "duplicate"}, headers=STAFF).status == 200
    )
    refused = staff.post(
        f"/v1/staff/readers/{second['reader_id']}/activation",
        {"card_barcode": "TP50000001", "document_checked": "national_id_card", "branch": "ZH01", "staff_id": "S1"},
        headers=STAFF,
    )

    assert refused.status == 409 and refused.json()["code"] == "rejected_as_duplicate"
    assert second["reader_id"] not in flagged(staff)
