"""The counter staff's API: only staff signed in at the user pool (API Gateway's Cognito authorizer, emulated),
each route for its groups, never a reader's session; lookup by ID number, activation with a card barcode, what may
not be activated, and an audit trail that names the signed-in person whatever a body claims."""

from __future__ import annotations

import json
import time

import pytest

from tests.support.lifecycle import STAFF, apply, log_in, unique_person
from tests.support.staff import COUNTER_USER, REVIEWER_USER, SUPERVISOR_USER, claims_of, emulated_token, signed_token

READER = "R0123456789ABCDEF0123"
ACTIVATION = {"card_barcode": "TP00000001", "document_checked": "national_id_card"}
LOOKUP = {"id_type": "national_id", "id_number": "A123456789"}
# (method, path, body, query, the groups allowed)
STAFF_ROUTES = [
    ("GET", "/v1/staff/applications", None, LOOKUP, {"counter", "supervisor"}),
    ("POST", f"/v1/staff/readers/{READER}/activation", ACTIVATION, None, {"counter", "supervisor"}),
    (
        "POST",
        f"/v1/staff/readers/{READER}/card-replacement",
        {"card_barcode": "TP00000002", "reason": "lost"},
        None,
        {"counter", "supervisor"},
    ),
    (
        "POST",
        f"/v1/staff/readers/{READER}/guardian-check",
        {"id_number": "A123456789"},
        None,
        {"counter", "supervisor"},
    ),
    ("GET", "/v1/staff/reviews", None, None, {"reviewer", "supervisor"}),
    ("POST", f"/v1/staff/reviews/{READER}", {"decision": "distinct"}, None, {"reviewer", "supervisor"}),
    ("GET", "/v1/staff/partners", None, None, {"supervisor"}),
    ("GET", "/v1/staff/audit", None, {"reader_id": READER}, {"supervisor"}),
]
IDS = [f"{m} {p}" for m, p, *_ in STAFF_ROUTES]
USERS = {"counter": COUNTER_USER, "reviewer": REVIEWER_USER, "supervisor": SUPERVISOR_USER}


def activation(barcode: str = "TP10000001", **changes) -> dict:
    return {"card_barcode": barcode, "document_checked": "national_id_card", **changes}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def call(client, route, headers=None):
    method, path, body, query, _ = route
    return client.request(method, path, json_body=body, query=query, headers=headers)


def assert_refused_quietly(answer, status: int = 401) -> None:
    assert answer.status == status, answer.body
    assert answer.header("Content-Type") == "application/problem+json"
    text = answer.body.decode()
    assert "reader_id" not in text and "errors" not in answer.json() and "partners" not in text


def test_the_template_puts_the_cognito_authorizer_on_exactly_the_staff_api_routes(aws):
    from devstack.functions import api_routes

    routes = api_routes(aws.specs)
    guarded = {(r.method, r.path) for r in routes if r.authorizer}
    assert guarded == {(r.method, r.path) for r in routes if r.path.startswith("/v1/staff/")}
    assert {r.authorizer for r in routes if r.authorizer} == {"StaffCognito"}
    # Each GET route has its HEAD twin (the same function and authorizer).
    assert {(m, p.replace(READER, "{reader_id}")) for m, p, *_ in STAFF_ROUTES} == {
        (m, p) for m, p in guarded if m != "HEAD"
    }
    assert {("HEAD", p) for m, p in guarded if m == "GET"} == {(m, p) for m, p in guarded if m == "HEAD"}


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=IDS)
def test_every_staff_route_refuses_no_token_and_reveals_nothing(api, route):
    assert_refused_quietly(call(api, route))


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=IDS)
def test_every_staff_route_refuses_a_readers_session_by_cookie_or_bearer(api, route):
    applicant, _ = apply(api, **unique_person())
    csrf = log_in(api, applicant)
    token = api.cookies["onecard_session"]

    by_cookie = call(api, route, headers=csrf)
    api.cookies.clear()
    by_bearer = call(api, route, headers=bearer(token))

    assert_refused_quietly(by_cookie)
    assert_refused_quietly(by_bearer)


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=IDS)
def test_every_staff_route_refuses_expired_forged_foreign_and_access_tokens(api, aws, route):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from devstack.resources import cognito_refs

    claims = claims_of(emulated_token(SUPERVISOR_USER))  # allowed everything: only the token is wrong below
    other_client = aws.client("cognito-idp").create_user_pool_client(
        UserPoolId=cognito_refs(aws.session)["StaffUserPool"], ClientName="another-app"
    )["UserPoolClient"]["ClientId"]
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = {
        "expired": signed_token({**claims, "exp": int(time.time()) - 1}),
        "forged signature": signed_token(claims, key=stranger_key),
        "unknown key": signed_token(claims, kid="other"),
        "another app client": signed_token({**claims, "aud": other_client}),
        "another pool": signed_token({**claims, "iss": claims["iss"] + "x"}),
        "access token": signed_token(
            {**{k: v for k, v in claims.items() if k != "aud"}, "token_use": "access", "client_id": claims["aud"]}
        ),
        "not a token": "not.a.token",
        "unsigned": signed_token(claims).rsplit(".", 1)[0] + ".",
    }
    assert call(api, route, headers=bearer(signed_token(claims))).status not in (401, 403)  # the genuine shape passes
    for what, token in refused.items():
        answer = call(api, route, headers=bearer(token))
        assert answer.status == 401, (what, answer.body)
        assert_refused_quietly(answer)


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=IDS)
def test_each_staff_route_lets_only_its_groups_through(api, route):
    for group, username in USERS.items():
        answer = call(api, route, headers=bearer(emulated_token(username)))
        if group in route[4]:
            assert answer.status not in (401, 403), (group, answer.body)
        else:
            assert_refused_quietly(answer, 403)


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=IDS)
def test_the_staff_function_itself_refuses_a_request_that_reached_it_without_verified_claims(aws, route):
    from devstack.api_gateway import proxy_event
    from devstack.functions import ApiRoute

    method, path, body, _, _ = route
    resource = path.replace(READER, "{reader_id}")
    event = proxy_event(
        ApiRoute("StaffFunction", method, resource),
        method,
        path,
        {"reader_id": READER},
        [("Content-Type", "application/json")],
        json.dumps(body or {}).encode(),
        "203.0.113.9",
        "local",
    )
    forged = {**claims_of(emulated_token(SUPERVISOR_USER)), "aud": "another-client", "cognito:groups": "supervisor"}
    with_foreign_claims = {**event, "requestContext": {**event["requestContext"], "authorizer": {"claims": forged}}}

    for refused in (event, with_foreign_claims):
        result = aws.invoke("StaffFunction", refused)
        assert result["statusCode"] == 401 and json.loads(result["body"])["status"] == 401


def test_the_audit_trail_names_the_signed_in_person_and_branch_whatever_the_body_says(api, staff):
    applicant, accepted = apply(api, **unique_person())
    reader_id = accepted["reader_id"]

    answer = staff.post(
        f"/v1/staff/readers/{reader_id}/activation",
        activation("TP40000001", staff_id="S9999", branch="FAKE", by="someone-else"),
        headers=bearer(emulated_token(COUNTER_USER)),
    )
    trail = staff.get(
        "/v1/staff/audit", query={"reader_id": reader_id}, headers=bearer(emulated_token(SUPERVISOR_USER))
    )

    assert answer.status == 200, answer.body
    assert trail.status == 200, trail.body
    [entry] = [e for e in trail.json()["entries"] if e["action"] == "activated"]
    assert entry["by"] == COUNTER_USER and entry["branch"] == "ZH01" and entry["channel"] == "counter"
    assert entry["document_checked"] == "national_id_card" and entry["card_barcode"] == "TP40000001"
    assert entry["at"] == answer.json()["activated_at"]
    assert "S9999" not in trail.body.decode() and "FAKE" not in trail.body.decode()
    log_in(api, applicant)  # the reader's own copy says the same
    [own] = [a for a in api.get("/v1/readers/me/export").json()["audit_trail"] if a["action"] == "activated"]
    assert own["by"] == COUNTER_USER and own["principal"] == claims_of(emulated_token(COUNTER_USER))["sub"]


def test_a_review_decision_is_recorded_under_the_reviewers_name(api, staff):
    body, _ = apply(api, **unique_person())
    _, twin = apply(api, name=body["name"], birth_date=body["birth_date"])
    reviewer = bearer(emulated_token(REVIEWER_USER))

    assert (
        staff.post(f"/v1/staff/reviews/{twin['reader_id']}", {"decision": "distinct"}, headers=reviewer).status == 200
    )
    trail = staff.get(
        "/v1/staff/audit", query={"reader_id": twin["reader_id"]}, headers=bearer(emulated_token(SUPERVISOR_USER))
    ).json()["entries"]

    assert [(e["action"], e["by"], e["branch"]) for e in trail if e["field"] == "review"] == [
        ("distinct", REVIEWER_USER, "ZH01")
    ]


def test_the_counter_finds_an_application_by_id_number_with_the_number_in_clear(api, staff):
    applicant, accepted = apply(api, **unique_person())

    found = staff.get(
        "/v1/staff/applications",
        query={"id_type": "national_id", "id_number": applicant["id_number"].lower()},
        headers=STAFF,
    )

    assert found.status == 200, found.body
    record = found.json()
    assert record["id_number"] == applicant["id_number"] and record["reader_id"] == accepted["reader_id"]
    assert record["name"] == applicant["name"] and record["status"] == "pending_verification"
    assert record["verify_by"] == accepted["verify_by"]


def test_the_counter_gets_404_for_a_number_without_application_and_422_for_a_malformed_one(staff):
    from tests.support.applications import new_national_id

    missing = staff.get(
        "/v1/staff/applications", query={"id_type": "national_id", "id_number": new_national_id()}, headers=STAFF
    )
    malformed = staff.get("/v1/staff/applications", query={"id_type": "national_id", "id_number": "A12"}, headers=STAFF)

    assert missing.status == 404 and missing.header("Content-Type") == "application/problem+json"
    assert malformed.status == 422 and malformed.json()["errors"][0]["field"] == "id_number"


def test_activation_makes_the_reader_active_and_records_who_where_which_document_and_when(api, staff):
    applicant, accepted = apply(api, **unique_person())
    reader_id = accepted["reader_id"]

    answer = staff.post(
        f"/v1/staff/readers/{reader_id}/activation",
        activation("tp10000001"),
        headers=bearer(emulated_token(COUNTER_USER)),
    )

    assert answer.status == 200, answer.body
    assert answer.json()["status"] == "active" and answer.json()["card_barcode"] == "TP10000001"
    log_in(api, applicant)
    me = api.get("/v1/readers/me").json()
    assert me["status"] == "active" and me.get("verify_by") is None
    [audit] = [a for a in api.get("/v1/readers/me/export").json()["audit_trail"] if a["action"] == "activated"]
    assert audit["by"] == COUNTER_USER and audit["branch"] == "ZH01" and audit["document_checked"] == "national_id_card"
    assert audit["channel"] == "counter" and audit["at"] == answer.json()["activated_at"]


def test_activating_twice_is_a_conflict_and_changes_nothing(api, staff):
    _, accepted = apply(api, **unique_person())
    path = f"/v1/staff/readers/{accepted['reader_id']}/activation"
    assert staff.post(path, activation("TP20000001"), headers=STAFF).status == 200

    again = staff.post(path, activation("TP20000002"), headers=STAFF)

    assert again.status == 409 and again.json()["code"] == "already_active"
    assert (
        staff.post(
            f"/v1/staff/readers/{apply(api, **unique_person())[1]['reader_id']}/activation",
            activation("TP20000002"),
            headers=STAFF,
        ).status
        == 200
    )  # the refused barcode stayed free


def test_another_readers_barcode_is_a_conflict_and_the_application_stays_pending(api, staff):
    _, first = apply(api, **unique_person())
    second_body, second = apply(api, **unique_person())
    assert (
        staff.post(f"/v1/staff/readers/{first['reader_id']}/activation", activation("TP30000001"), headers=STAFF).status
        == 200
    )

    taken = staff.post(f"/v1/staff/readers/{second['reader_id']}/activation", activation("TP30000001"), headers=STAFF)

    assert taken.status == 409 and taken.json()["code"] == "barcode_taken"
    found = staff.get(
        "/v1/staff/applications", query={"id_type": "national_id", "id_number": second_body["id_number"]}, headers=STAFF
    )
    assert found.json()["status"] == "pending_verification" and found.json().get("card_barcode") is None


def test_activation_of_an_unknown_reader_is_404_and_a_bad_body_lists_its_fields(staff):
    unknown = staff.post("/v1/staff/readers/R0123456789ABCDEF0123/activation", activation(), headers=STAFF)
    bad = staff.post(
        "/v1/staff/readers/R0123456789ABCDEF0123/activation",
        {"card_barcode": "x", "document_checked": "library_card", "branch": "", "staff_id": "S1"},
        headers=STAFF,
    )  # an old client's staff_id and branch are ignored, not refused

    assert unknown.status == 404
    assert bad.status == 422 and {e["field"] for e in bad.json()["errors"]} == {"card_barcode", "document_checked"}


def test_the_counter_sees_a_minors_guardian_without_any_sealed_number(api, staff):
    guardian = {"name": "林爸爸", "relationship": "father", "id_number": "A123456789", "phone": "0922333444"}
    applicant, _ = apply(api, birth_date="2016-04-04", guardian=guardian, **unique_person())

    found = staff.get(
        "/v1/staff/applications", query={"id_type": "national_id", "id_number": applicant["id_number"]}, headers=STAFF
    )

    assert found.status == 200, found.body
    assert found.json()["guardian"]["name"] == "林爸爸" and found.json()["guardian"]["relationship"] == "father"
    assert found.json()["guardian"]["id_number_masked"] == "A12*****89"
    assert "A123456789" not in found.body.decode()
    assert "encrypted" not in found.body.decode() and "ciphertext" not in found.body.decode()


def test_the_counter_checks_the_adult_present_against_the_minors_guardian_by_their_id_number(api, staff):
    guardian = {"name": "林爸爸", "relationship": "father", "id_number": "A123456789", "phone": "0922333444"}
    _, accepted = apply(api, birth_date="2016-04-04", guardian=guardian, **unique_person())
    check = f"/v1/staff/readers/{accepted['reader_id']}/guardian-check"

    right = staff.post(check, {"id_number": " a123456789 "}, headers=STAFF)  # as typed or scanned
    wrong = staff.post(check, {"id_number": "A223456788"}, headers=STAFF)
    malformed = staff.post(check, {"id_number": "not a number"}, headers=STAFF)

    assert right.status == 200 and right.json() == {"matches": True}, right.body
    assert wrong.status == 200 and wrong.json() == {"matches": False}
    assert malformed.status == 200 and malformed.json() == {"matches": False}
    adult, adult_accepted = apply(api, **unique_person())
    no_guardian = staff.post(
        f"/v1/staff/readers/{adult_accepted['reader_id']}/guardian-check",
        {"id_number": adult["id_number"]},
        headers=STAFF,
    )
    assert no_guardian.status == 409 and no_guardian.json()["code"] == "no_guardian"


def test_a_minors_card_is_activated_only_with_the_guardians_id_number_and_the_check_is_in_the_audit_trail(api, staff):
    guardian = {"name": "林爸爸", "relationship": "father", "id_number": "A123456789", "phone": "0922333444"}
    applicant, accepted = apply(api, birth_date="2016-04-04", guardian=guardian, **unique_person())
    path = f"/v1/staff/readers/{accepted['reader_id']}/activation"

    missing = staff.post(path, activation("TP50000001"), headers=STAFF)
    wrong = staff.post(path, activation("TP50000001", guardian_id_number="A223456788"), headers=STAFF)
    for refused, code in ((missing, "guardian_not_checked"), (wrong, "guardian_differs")):
        assert refused.status == 422, refused.body
        [issue] = refused.json()["errors"]
        assert issue["field"] == "guardian_id_number" and issue["code"] == code
    log_in(api, applicant)
    assert api.get("/v1/readers/me").json()["status"] == "pending_verification"  # nothing was handed over

    done = staff.post(path, activation("TP50000001", guardian_id_number=" a123456789 "), headers=STAFF)
    assert done.status == 200, done.body
    [entry] = [a for a in api.get("/v1/readers/me/export").json()["audit_trail"] if a["action"] == "activated"]
    assert entry["guardian_checked"] is True


def test_the_counter_sees_a_family_cards_household_register_number_and_head_but_not_the_heads_number(api, staff):
    from tests.integration.test_family_and_minor_applications import TAIPEI_HOME
    from tests.support.applications import new_national_id, personal_application
    from tests.support.captcha import solved_captcha

    head_number = new_national_id()
    household = {"register_number": "c 7654-321", "head_name": "陳大華", "head_id_number": head_number}
    body = personal_application(
        solved_captcha(api),
        id_number=new_national_id(),
        card_type="family",
        mailing_address=TAIPEI_HOME,
        household=household,
    )
    assert api.post("/v1/readers", body).status == 201

    found = staff.get(
        "/v1/staff/applications", query={"id_type": "national_id", "id_number": body["id_number"]}, headers=STAFF
    )

    assert found.status == 200, found.body
    record = found.json()
    assert record["card_type"] == "family"
    assert record["household"] == {"register_number": "C7654321", "head_name": "陳大華"}
    assert record["household_address"]["district"] == "大安區"
    assert head_number not in found.body.decode() and "encrypted" not in found.body.decode()


def audit_entries(staff, reader_id: str) -> list[dict]:
    trail = staff.get(
        "/v1/staff/audit", query={"reader_id": reader_id}, headers=bearer(emulated_token(SUPERVISOR_USER))
    )
    assert trail.status == 200, trail.body
    return trail.json()["entries"]


def test_every_counter_lookup_is_in_the_readers_audit_trail_with_who_where_when_and_why(api, staff):
    applicant, accepted = apply(api, **unique_person())
    query = {"id_type": "national_id", "id_number": applicant["id_number"]}

    checked = staff.get("/v1/staff/applications", query=query, headers=bearer(emulated_token(COUNTER_USER)))
    enquired = staff.get(
        "/v1/staff/applications",
        query={**query, "purpose": "reader_enquiry"},
        headers=bearer(emulated_token(COUNTER_USER)),
    )
    refused = staff.get("/v1/staff/applications", query={**query, "purpose": "curiosity"}, headers=STAFF)

    assert checked.status == enquired.status == 200
    assert refused.status == 422 and refused.json()["errors"][0]["field"] == "purpose"
    reads = [e for e in audit_entries(staff, accepted["reader_id"]) if e["action"] == "viewed_by_staff"]
    lookups = [
        (e["field"], e["by"], e["branch"], e["channel"], e["purpose"]) for e in reads if e["field"] != "audit_trail"
    ]
    assert lookups == [
        ("personal_data", COUNTER_USER, "ZH01", "counter", "identity_check"),
        ("personal_data", COUNTER_USER, "ZH01", "counter", "reader_enquiry"),
    ]
    assert all(e["at"] for e in reads)
    log_in(api, applicant)  # the reader's own copy shows who read their data, too
    own = [a for a in api.get("/v1/readers/me/export").json()["audit_trail"] if a["action"] == "viewed_by_staff"]
    assert {a["principal"] for a in own if a["field"] == "personal_data"} == {
        claims_of(emulated_token(COUNTER_USER))["sub"]
    }


def test_the_supervisors_reading_of_an_audit_trail_is_itself_recorded(api, staff):
    _, accepted = apply(api, **unique_person())
    assert (
        staff.post(
            f"/v1/staff/readers/{accepted['reader_id']}/activation", activation("TP50000001"), headers=STAFF
        ).status
        == 200
    )

    audit_entries(staff, accepted["reader_id"])

    [read] = [e for e in audit_entries(staff, accepted["reader_id"]) if e["field"] == "audit_trail"][:1]
    assert read["by"] == SUPERVISOR_USER and read["purpose"] == "supervision"


def test_a_review_list_records_the_reviewers_read_in_each_shown_readers_trail(api, staff):
    body, first = apply(api, **unique_person())
    _, twin = apply(api, name=body["name"], birth_date=body["birth_date"])

    listed = staff.get("/v1/staff/reviews", headers=bearer(emulated_token(REVIEWER_USER)))

    assert listed.status == 200
    for reader_id in (first["reader_id"], twin["reader_id"]):
        reads = [e for e in audit_entries(staff, reader_id) if e["field"] == "personal_data"]
        assert [(e["by"], e["purpose"]) for e in reads] == [(REVIEWER_USER, "duplicate_review")], reader_id


def test_the_counter_looks_up_a_card_holder_taken_over_from_the_library_system(api, staff, library):
    from tests.integration.test_existing_card_holders import CHEN, login

    reader_id = login(api, CHEN).json()["reader_id"]  # taken over: no nationality type, no gender

    found = staff.get(
        "/v1/staff/applications", query={"id_type": "national_id", "id_number": CHEN["id_number"]}, headers=STAFF
    )

    assert found.status == 200, found.body
    record = found.json()
    assert record["reader_id"] == reader_id and record["id_number"] == CHEN["id_number"]
    assert record["status"] == "active" and record["password_source"] == "library_system"
    assert record["name"] == "陳大文" and record["card_barcode"] == "TP90000001"
    assert [e["purpose"] for e in audit_entries(staff, reader_id) if e["field"] == "personal_data"] == [
        "identity_check"
    ]
