"""個人書房 and PDPA Art. 3: correct, copy, change password, erase — and nothing of anyone else."""

from __future__ import annotations

import json

import pytest

from tests.support.applications import personal_application
from tests.support.captcha import solved_captcha


def register_and_log_in(api, password="Read2026", **changes):
    body = personal_application(solved_captcha(api), password=password, password_confirm=password, **changes)
    answer = api.post("/v1/readers", body)
    assert answer.status == 201, answer.body
    api.cookies.clear()
    csrf = api.post("/v1/sessions", {"id_number": body["id_number"], "password": password}).json()["csrf_token"]
    return body, answer.json()["reader_id"], {"X-CSRF-Token": csrf}


def every_item(aws) -> str:
    items = []
    for table in aws.resources.table_names.values():
        items += aws.client("dynamodb").scan(TableName=table)["Items"]
    return json.dumps(items, ensure_ascii=False)


def test_a_correction_is_stored_normalised_and_audited(api):
    _, _reader_id, csrf = register_and_log_in(api)

    answer = api.patch(
        "/v1/readers/me",
        {
            "mobile": "0987-654-321",
            "occupation": "student",
            "mailing_address": {"city": "台中市", "district": "西屯區", "street": "台灣大道三段 99 號"},
        },
        headers=csrf,
    )

    assert answer.status == 200, answer.body
    assert answer.json()["mobile"] == "+886987654321"
    assert answer.json()["mailing_address"]["postal_code"] == "407"
    audit = api.get("/v1/readers/me/export").json()["audit_trail"]
    assert {a["field"] for a in audit} == {"mobile", "occupation", "mailing_address", "household_address"}
    assert answer.json()["household_address"] == answer.json()["mailing_address"]  # it was 同通訊地址
    assert all(a["by"] == "reader" and a["at"] for a in audit)


def test_a_correction_with_several_bad_fields_lists_them_all_and_changes_nothing(api):
    _, _, csrf = register_and_log_in(api)
    before = api.get("/v1/readers/me").json()

    answer = api.patch(
        "/v1/readers/me",
        {
            "mobile": "123",
            "email": "nope",
            "name": "王大明",
            "id_number": "A123456789",
            "household_address": {"city": "臺北市", "district": "板橋區", "street": "x"},
        },
        headers=csrf,
    )

    assert answer.status == 422
    assert {e["field"] for e in answer.json()["errors"]} >= {
        "mobile",
        "email",
        "name",
        "id_number",
        "household_address.district",
    }
    assert any("櫃檯" in e["message"] for e in answer.json()["errors"] if e["field"] == "name")
    assert api.get("/v1/readers/me").json() == before


def test_a_correction_by_cookie_without_the_csrf_token_is_forbidden(api):
    register_and_log_in(api)

    assert api.patch("/v1/readers/me", {"occupation": "student"}).status == 403


def test_changing_the_password_logs_out_other_sessions_and_keeps_this_one(api):
    body, _, csrf = register_and_log_in(api)
    other_token = api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Read2026"}).json()
    this_cookie = dict(api.cookies)
    api.cookies.clear()
    other_cookie = {
        "onecard_session": api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Read2026"})
        and api.cookies["onecard_session"]
    }
    api.cookies.clear()
    api.cookies.update(this_cookie)
    csrf = {
        "X-CSRF-Token": api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Read2026"}).json()[
            "csrf_token"
        ]
    }

    wrong = api.put(
        "/v1/readers/me/password",
        {"current_password": "Bad00000", "password": "New2026x", "password_confirm": "New2026x"},
        headers=csrf,
    )
    changed = api.put(
        "/v1/readers/me/password",
        {"current_password": "Read2026", "password": "New2026x", "password_confirm": "New2026x"},
        headers=csrf,
    )

    assert wrong.status == 422 and changed.status == 204
    assert api.get("/v1/readers/me").status == 200
    api.cookies.clear()
    api.cookies.update(other_cookie)
    assert api.get("/v1/readers/me").status == 401
    assert other_token["csrf_token"]
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "New2026x"}).status == 201


def test_the_export_is_a_downloadable_complete_copy_with_the_full_id_number_and_nothing_of_others(api):
    other, _, _ = register_and_log_in(api, mobile="0911111111")
    partners = [{"partner": "ntpc", "document_sha256": api.get("/v1/consent-documents/ntpc").json()["sha256"]}]
    mine, reader_id, _ = register_and_log_in(api, partners=partners)

    answer = api.get("/v1/readers/me/export")
    copy = answer.json()

    assert answer.status == 200
    assert answer.header("Content-Disposition").startswith('attachment; filename="tpml-reader-data-')
    assert copy["profile"]["id_number"] == mine["id_number"] and copy["profile"]["reader_id"] == reader_id
    assert [r["partner"] for r in copy["consent_receipts"]] == ["ntpc"]
    assert len(copy["sessions"]) == 1
    assert "password_hash" not in copy["profile"]
    assert other["id_number"] not in answer.body.decode() and "0911111111" not in answer.body.decode()


def test_erasure_leaves_no_personal_data_in_any_table_a_valid_chain_and_allows_a_new_application(api, aws):
    partners = [{"partner": "klcpl", "document_sha256": api.get("/v1/consent-documents/klcpl").json()["sha256"]}]
    body, reader_id, csrf = register_and_log_in(api, partners=partners, email="erase.me@example.com")
    api.patch("/v1/readers/me", {"occupation": "student"}, headers=csrf)

    wrong = api.post("/v1/readers/me/erasure", {"password": "Wrong000"}, headers=csrf)
    erased = api.post("/v1/readers/me/erasure", {"password": "Read2026"}, headers=csrf)

    assert wrong.status == 401
    assert erased.status == 202 and erased.json()["status"] == "completed" and erased.json()["deadline"]
    stored = every_item(aws)
    for personal in (body["name"], "erase.me@example.com", "912345678", "中山南路", "argon2id", body["id_number"]):
        assert personal not in stored
    readers = aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"]
    sessions = aws.client("dynamodb").scan(TableName=aws.resources.table_names["SessionsTable"])["Items"]
    assert not [i for i in readers if i["pk"]["S"] == f"READER#{reader_id}"]
    assert not [i for i in sessions if i.get("reader_id", {}).get("S") == reader_id]
    from onecard import wiring
    from onecard.consent.receipts import verify_chain

    assert verify_chain(wiring.consent().receipts(reader_id), wiring.consent().head_record(reader_id)).valid
    assert api.get("/v1/readers/me").status == 401
    again = api.post("/v1/readers", personal_application(solved_captcha(api), id_number=body["id_number"]))
    assert again.status == 201


ME_ROUTES = [
    ("GET", "/v1/readers/me"),
    ("PATCH", "/v1/readers/me"),
    ("PUT", "/v1/readers/me/password"),
    ("GET", "/v1/readers/me/export"),
    ("POST", "/v1/readers/me/erasure"),
    ("GET", "/v1/readers/me/consents"),
]


@pytest.mark.parametrize("method,path", ME_ROUTES)
def test_every_me_route_refuses_a_request_without_a_session(api, method, path):
    assert api.request(method, path, json_body={}).status == 401


def test_a_second_readers_session_never_reaches_the_first_readers_data(api):
    _first, first_id, _ = register_and_log_in(api, email="first@example.com")
    _second, second_id, csrf = register_and_log_in(api, email="second@example.com")

    for method, path in ME_ROUTES:
        answer = api.request(method, path, json_body={} if method != "GET" else None, headers=csrf)
        assert first_id not in answer.body.decode() and "first@example.com" not in answer.body.decode()
    assert api.get("/v1/readers/me").json()["reader_id"] == second_id


def test_a_correction_cannot_clear_a_required_field_and_changes_nothing(api):
    _, _, csrf = register_and_log_in(api)
    before = api.get("/v1/readers/me").json()

    answer = api.patch("/v1/readers/me", {"occupation": None, "gender": None, "mobile": "0987654321"}, headers=csrf)

    assert answer.status == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"occupation", "gender"}
    assert api.get("/v1/readers/me").json() == before
