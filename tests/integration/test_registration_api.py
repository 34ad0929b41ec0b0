"""網路辦證 through the real handler, on AWS emulated from template.yaml."""

from __future__ import annotations

import json

import pytest

from tests.support.applications import new_national_id, personal_application
from tests.support.captcha import solved_captcha


def apply(api, **changes):
    return api.post("/v1/readers", personal_application(captcha=solved_captcha(api), **changes))


def all_items(aws) -> list[dict]:
    items = []
    for table in aws.resources.table_names.values():
        items += aws.client("dynamodb").scan(TableName=table)["Items"]
    return items


def reader_items(aws) -> list[dict]:
    table = aws.resources.table_names["ReadersTable"]
    return aws.client("dynamodb").scan(TableName=table)["Items"]


def test_a_valid_personal_application_is_accepted_with_an_opaque_reader_id(api):
    id_number = new_national_id()
    answer = apply(api, id_number=id_number.lower())

    assert answer.status == 201, answer.body
    body = answer.json()
    assert body["status"] == "pending_verification"
    assert body["card_type"] == "personal"
    assert answer.header("Location") == f"/v1/readers/{body['reader_id']}"
    assert id_number[1:] not in body["reader_id"]
    assert body["id_number_masked"].startswith(id_number[:3]) and "*" in body["id_number_masked"]
    assert body["id_number_masked"] != id_number
    assert any("櫃檯" in step for step in body["next_steps"])
    assert body["created_at"].endswith("Z")


def test_the_id_number_and_password_never_appear_in_clear_in_any_table(api, aws):
    id_number = new_national_id()
    assert apply(api, id_number=id_number, password="Secret42", password_confirm="Secret42").status == 201

    stored = json.dumps(all_items(aws), ensure_ascii=False)
    assert id_number not in stored
    assert "Secret42" not in stored
    assert "$argon2id$v=19$m=19456,t=2,p=1$" in stored


def test_the_stored_reader_has_normalised_contacts_and_postal_codes(api, aws):
    assert (
        apply(
            api,
            mobile="+886 912-345-678",
            mailing_address={"city": "台北市", "district": "信義區", "street": "市府路 1 號"},
        ).status
        == 201
    )

    profile = next(i for i in reader_items(aws) if i["sk"]["S"] == "PROFILE")
    assert profile["mobile"]["S"] == "+886912345678"
    mailing = profile["mailing_address"]["M"]
    assert mailing["city"]["S"] == "臺北市" and mailing["postal_code"]["S"] == "110"
    assert profile["household_address"]["M"]["postal_code"]["S"] == "110"


def test_applying_again_with_the_same_id_number_is_refused_with_409(api, aws):
    id_number = new_national_id()
    assert apply(api, id_number=id_number).status == 201

    again = apply(api, id_number=f"  {id_number.lower()} ")

    assert again.status == 409
    assert again.header("Content-Type") == "application/problem+json"
    assert again.json()["status"] == 409
    assert len([i for i in reader_items(aws) if i["sk"]["S"] == "PROFILE"]) == 1


def test_a_form_with_many_mistakes_lists_every_failing_field_at_once(api, aws):
    answer = apply(
        api,
        id_number="A123456788",
        password="abc",
        password_confirm="abd",
        birth_date="2999-01-01",
        mailing_address={"city": "基隆市", "district": "信義區X", "street": "x"},
        mobile="12345",
        email="not-an-email",
        occupation="astronaut",
        favourite_colour="blue",
    )

    assert answer.status == 422
    problem = answer.json()
    fields = {e["field"] for e in problem["errors"]}
    assert {
        "id_number",
        "password",
        "password_confirm",
        "birth_date",
        "mailing_address.district",
        "mobile",
        "email",
        "occupation",
        "favourite_colour",
    } <= fields
    assert all(e["message"] and e["code"] for e in problem["errors"])
    assert problem["type"] and problem["title"] and problem["detail"] and problem["status"] == 422
    assert reader_items(aws) == []


def test_type_errors_and_rule_errors_are_reported_together(api):
    answer = apply(api, birth_date="17/05/1990", id_number="A123456788")

    fields = {e["field"] for e in answer.json()["errors"]}
    assert answer.status == 422
    assert {"birth_date", "id_number"} <= fields


def test_household_address_is_required_unless_same_as_mailing(api):
    answer = apply(api, household_same_as_mailing=False)

    assert answer.status == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["household_address"]


def test_at_least_one_of_household_phone_and_mobile_is_required(api):
    answer = apply(api, mobile=None)

    assert answer.status == 422
    assert {e["code"] for e in answer.json()["errors"]} == {"phone_required"}


def test_nationality_and_id_type_must_match_and_a_passport_needs_its_country(api):
    wrong_pair = apply(api, nationality_type="roc", id_type="passport", id_number="X1234567")
    passport = apply(api, nationality_type="foreign", id_type="passport", id_number="X1234567")

    assert {e["field"] for e in wrong_pair.json()["errors"]} >= {"id_type", "passport_country"}
    assert {e["field"] for e in passport.json()["errors"]} == {"passport_country"}


def test_a_foreign_applicant_with_a_passport_and_its_country_is_accepted(api):
    answer = apply(api, nationality_type="foreign", id_type="passport", id_number="tr1234567", passport_country="jp")

    assert answer.status == 201, answer.body


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_400_problem(api, raw):
    answer = api.request("POST", "/v1/readers", raw_body=raw)

    assert answer.status == 400
    assert answer.header("Content-Type") == "application/problem+json"


def test_a_spent_captcha_is_refused_on_the_captcha_field(api, aws):
    captcha = solved_captcha(api)
    first = api.post("/v1/readers", personal_application(captcha=captcha))
    replay = api.post("/v1/readers", personal_application(captcha=captcha))

    assert first.status == 201
    assert replay.status == 422
    assert [(e["field"], e["code"]) for e in replay.json()["errors"]] == [("captcha", "captcha_used")]
    assert len([i for i in reader_items(aws) if i["sk"]["S"] == "PROFILE"]) == 1


def test_a_forged_captcha_is_refused(api):
    answer = api.post("/v1/readers", personal_application(captcha="eyJub3QiOiAiYSBzb2x1dGlvbiJ9"))

    assert answer.status == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["captcha"]


def test_every_response_carries_a_request_id(api):
    for answer in (api.get("/v1/health"), api.post("/v1/readers", {}), api.get("/v1/captcha")):
        assert answer.header("X-Request-Id")


def test_logs_never_contain_the_applicants_secrets(api, capsys):
    id_number = new_national_id()
    apply(api, id_number=id_number, password="Hidden77", password_confirm="Hidden77", mobile="0987654321")
    apply(api, id_number=id_number, password="Hidden77", password_confirm="Hidden77", mobile="0987654321")

    printed = capsys.readouterr()
    for secret in (id_number, "Hidden77", "0987654321", "987654321", "reader@example.com", "中山南路"):
        assert secret not in printed.out + printed.err


def test_a_form_or_multipart_body_is_refused_as_unsupported_media_type(api):
    for content_type in ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain"):
        answer = api.request("POST", "/v1/readers", raw_body=b"name=x", headers={"Content-Type": content_type})
        assert answer.status == 415, content_type
        assert answer.header("Content-Type") == "application/problem+json"


def test_a_spent_captcha_cannot_ask_whether_a_number_is_registered(api, aws):
    """The answer to a used captcha is the same for a registered and an unregistered number."""
    registered = new_national_id()
    assert apply(api, id_number=registered).status == 201
    captcha = solved_captcha(api)
    first_use = api.post("/v1/readers", personal_application(captcha=captcha, id_number=registered))

    probes = [
        api.post("/v1/readers", personal_application(captcha=captcha, id_number=number))
        for number in (registered, new_national_id(), registered)
    ]

    assert first_use.status == 409
    assert [p.status for p in probes] == [422, 422, 422]
    assert {p.json()["errors"][0]["code"] for p in probes} == {"captcha_used"}
    assert len([i for i in reader_items(aws) if i["sk"]["S"] == "PROFILE"]) == 1


def test_a_captcha_is_spent_by_an_application_that_fails_for_another_reason(api):
    captcha = solved_captcha(api)
    taken = new_national_id()
    assert apply(api, id_number=taken).status == 201

    assert api.post("/v1/readers", personal_application(captcha=captcha, id_number=taken)).status == 409
    retry = api.post("/v1/readers", personal_application(captcha=captcha))

    assert retry.status == 422 and retry.json()["errors"][0]["code"] == "captcha_used"


def test_applications_share_the_addresss_budget_with_the_availability_check(api):
    query = {"id_type": "national_id", "id_number": "A123456789"}
    assert [api.get("/v1/readers/availability", query=query).status for _ in range(19)] == [200] * 19
    captchas = [solved_captcha(api) for _ in range(2)]

    last_allowed = api.post("/v1/readers", personal_application(captcha=captchas[0]))
    over = api.post("/v1/readers", personal_application(captcha=captchas[1]))

    assert last_allowed.status == 201
    assert over.status == 429 and int(over.header("Retry-After")) >= 1
    assert api.get("/v1/readers/availability", query=query).status == 429
    api.source_ip = "198.51.100.8"
    assert api.post("/v1/readers", personal_application(captcha=solved_captcha(api))).status == 201
