"""The counter staff's API: only IAM-signed callers (the operator token locally), never a reader's session; lookup
by ID number, activation with a card barcode, and what may not be activated."""

from __future__ import annotations

import json

import pytest

from tests.support.lifecycle import STAFF, apply, log_in, unique_person

STAFF_ROUTES = [("GET", "/v1/staff/applications", None),
                ("POST", "/v1/staff/readers/R0123456789ABCDEF0123/activation",
                 {"card_barcode": "TP00000001", "document_checked": "national_id_card", "branch": "main",
                  "staff_id": "S001"}),
                ("GET", "/v1/staff/reviews", None),
                ("POST", "/v1/staff/reviews/R0123456789ABCDEF0123", {"decision": "distinct"})]


def activation(barcode: str = "TP10000001", **changes) -> dict:
    return {"card_barcode": barcode, "document_checked": "national_id_card", "branch": "ZH01", "staff_id": "S0427",
            **changes}


@pytest.mark.parametrize("method,path,body", STAFF_ROUTES)
def test_every_staff_route_refuses_a_request_without_credentials_and_reveals_nothing(api, method, path, body):
    answer = api.request(method, path, json_body=body, query={"id_type": "national_id", "id_number": "A123456789"}
                         if method == "GET" else None)

    assert answer.status == 403
    assert answer.header("Content-Type") == "application/problem+json"
    assert "reader_id" not in answer.body.decode() and "errors" not in answer.json()


@pytest.mark.parametrize("method,path,body", STAFF_ROUTES)
def test_every_staff_route_refuses_a_readers_session_by_cookie_or_bearer(api, method, path, body):
    applicant, _ = apply(api, **unique_person())
    csrf = log_in(api, applicant)
    token = api.cookies["onecard_session"]

    by_cookie = api.request(method, path, json_body=body, headers=csrf)
    api.cookies.clear()
    by_bearer = api.request(method, path, json_body=body, headers={"Authorization": f"Bearer {token}"})

    assert (by_cookie.status, by_bearer.status) == (403, 403)


@pytest.mark.parametrize("method,path,body", STAFF_ROUTES)
def test_the_staff_function_itself_refuses_a_request_that_reached_it_unsigned(aws, method, path, body):
    from devstack.api_gateway import proxy_event
    from devstack.functions import ApiRoute

    resource = path.replace("R0123456789ABCDEF0123", "{reader_id}")
    event = proxy_event(ApiRoute("StaffFunction", method, resource), method, path, {"reader_id": "R0123456789ABCDEF0123"},
                        [("Content-Type", "application/json")], json.dumps(body or {}).encode(), "203.0.113.9", "local")

    result = aws.invoke("StaffFunction", event)

    assert result["statusCode"] == 403 and json.loads(result["body"])["status"] == 403


def test_the_counter_finds_an_application_by_id_number_with_the_number_in_clear(api, staff):
    applicant, accepted = apply(api, **unique_person())

    found = staff.get("/v1/staff/applications", query={"id_type": "national_id", "id_number": applicant["id_number"].lower()},
                      headers=STAFF)

    assert found.status == 200, found.body
    record = found.json()
    assert record["id_number"] == applicant["id_number"] and record["reader_id"] == accepted["reader_id"]
    assert record["name"] == applicant["name"] and record["status"] == "pending_verification"
    assert record["verify_by"] == accepted["verify_by"]


def test_the_counter_gets_404_for_a_number_without_application_and_422_for_a_malformed_one(staff):
    from tests.support.applications import new_national_id

    missing = staff.get("/v1/staff/applications", query={"id_type": "national_id", "id_number": new_national_id()},
                        headers=STAFF)
    malformed = staff.get("/v1/staff/applications", query={"id_type": "national_id", "id_number": "A12"}, headers=STAFF)

    assert missing.status == 404 and missing.header("Content-Type") == "application/problem+json"
    assert malformed.status == 422 and malformed.json()["errors"][0]["field"] == "id_number"


def test_activation_makes_the_reader_active_and_records_who_where_which_document_and_when(api, staff):
    applicant, accepted = apply(api, **unique_person())
    reader_id = accepted["reader_id"]

    answer = staff.post(f"/v1/staff/readers/{reader_id}/activation", activation("tp10000001"), headers=STAFF)

    assert answer.status == 200, answer.body
    assert answer.json()["status"] == "active" and answer.json()["card_barcode"] == "TP10000001"
    log_in(api, applicant)
    me = api.get("/v1/readers/me").json()
    assert me["status"] == "active" and me.get("verify_by") is None
    [audit] = [a for a in api.get("/v1/readers/me/export").json()["audit_trail"] if a["action"] == "activated"]
    assert audit["by"] == "S0427" and audit["branch"] == "ZH01" and audit["document_checked"] == "national_id_card"
    assert audit["channel"] == "counter" and audit["at"] == answer.json()["activated_at"]
    assert audit["principal"].startswith("arn:aws:iam::")


def test_activating_twice_is_a_conflict_and_changes_nothing(api, staff):
    _, accepted = apply(api, **unique_person())
    path = f"/v1/staff/readers/{accepted['reader_id']}/activation"
    assert staff.post(path, activation("TP20000001"), headers=STAFF).status == 200

    again = staff.post(path, activation("TP20000002"), headers=STAFF)

    assert again.status == 409 and again.json()["code"] == "already_active"
    assert staff.post(f"/v1/staff/readers/{apply(api, **unique_person())[1]['reader_id']}/activation",
                      activation("TP20000002"), headers=STAFF).status == 200  # the refused barcode stayed free


def test_another_readers_barcode_is_a_conflict_and_the_application_stays_pending(api, staff):
    _, first = apply(api, **unique_person())
    second_body, second = apply(api, **unique_person())
    assert staff.post(f"/v1/staff/readers/{first['reader_id']}/activation", activation("TP30000001"),
                      headers=STAFF).status == 200

    taken = staff.post(f"/v1/staff/readers/{second['reader_id']}/activation", activation("TP30000001"), headers=STAFF)

    assert taken.status == 409 and taken.json()["code"] == "barcode_taken"
    found = staff.get("/v1/staff/applications", query={"id_type": "national_id", "id_number": second_body["id_number"]},
                      headers=STAFF)
    assert found.json()["status"] == "pending_verification" and found.json().get("card_barcode") is None


def test_activation_of_an_unknown_reader_is_404_and_a_bad_body_lists_its_fields(staff):
    unknown = staff.post("/v1/staff/readers/R0123456789ABCDEF0123/activation", activation(), headers=STAFF)
    bad = staff.post("/v1/staff/readers/R0123456789ABCDEF0123/activation",
                     {"card_barcode": "x", "document_checked": "library_card", "branch": "", "staff_id": "S1"},
                     headers=STAFF)

    assert unknown.status == 404
    assert bad.status == 422 and {e["field"] for e in bad.json()["errors"]} == {"card_barcode", "document_checked",
                                                                                 "branch"}


def test_the_counter_sees_a_minors_guardian_without_any_sealed_number(api, staff):
    guardian = {"name": "林爸爸", "relationship": "father", "id_number": "A123456789", "phone": "0922333444"}
    applicant, _ = apply(api, birth_date="2016-04-04", guardian=guardian, **unique_person())

    found = staff.get("/v1/staff/applications", query={"id_type": "national_id", "id_number": applicant["id_number"]},
                      headers=STAFF)

    assert found.status == 200, found.body
    assert found.json()["guardian"]["name"] == "林爸爸" and found.json()["guardian"]["relationship"] == "father"
    assert "encrypted" not in found.body.decode() and "ciphertext" not in found.body.decode()
