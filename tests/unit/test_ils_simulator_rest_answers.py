"""The simulated library system answers Koha's REST calls as Koha does, from the patrons its SIP2 side answers with."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from ils_simulator import ID_NUMBER_ATTRIBUTE, PROVISIONAL_CATEGORY, IlsSimulator, RestClient
from onecard.infra import sip2_codec as codec


@pytest.fixture
def ils() -> Iterator[IlsSimulator]:
    simulator = IlsSimulator(
        rest_clients=[
            RestClient("onecard-service", "service-secret"),
            RestClient("read-only", "reader-secret", frozenset({"list_borrowers"})),
        ]
    )
    yield simulator
    simulator.close()


def token(ils: IlsSimulator, client_id: str = "onecard-service", secret: str = "service-secret") -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    status, _, body = ils.rest.answer("POST", "/api/v1/oauth/token", {}, form.encode())
    assert status == 200, body
    return body["access_token"]


def call(
    ils: IlsSimulator, method: str, target: str, body: Any = None, *, bearer: str | None = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    given = {name.replace("_", "-"): value for name, value in headers.items()}
    given["authorization"] = f"Bearer {bearer or token(ils)}"
    raw = b"" if body is None else json.dumps(body).encode()
    return ils.rest.answer(method, target, given, raw)


def new_patron(**changes: Any) -> dict[str, Any]:
    return {
        "surname": "林",
        "firstname": "書蟲",
        "date_of_birth": "2000-02-29",
        "library_id": "TPML",
        "category_id": PROVISIONAL_CATEGORY,
        "email": "reader@example.com",
        "extended_attributes": [{"type": ID_NUMBER_ATTRIBUTE, "value": "A123456789"}],
        **changes,
    }


def sip2_status(ils: IlsSimulator, identifier: str, password: str | None = None) -> codec.Message:
    request = codec.patron_information(ils.institution_id, identifier, password, dt.datetime.now())
    answer, _ = ils.answer(request, logged_in=True)
    assert answer is not None
    return answer


def test_a_token_is_issued_for_client_credentials_in_the_form_or_as_basic_authentication(ils):
    assert token(ils)
    basic = base64.b64encode(b"onecard-service:service-secret").decode()
    status, _, body = ils.rest.answer(
        "POST", "/api/v1/oauth/token", {"authorization": f"Basic {basic}"}, b"grant_type=client_credentials"
    )
    assert (status, body["token_type"], body["expires_in"]) == (200, "Bearer", 3600)


def test_a_wrong_secret_or_grant_type_gets_no_token(ils):
    wrong = b"grant_type=client_credentials&client_id=onecard-service&client_secret=guess"
    assert ils.rest.answer("POST", "/api/v1/oauth/token", {}, wrong)[::2] == (403, {"error": "unauthorized_client"})
    password_grant = b"grant_type=password&client_id=onecard-service&client_secret=service-secret"
    assert ils.rest.answer("POST", "/api/v1/oauth/token", {}, password_grant)[::2] == (
        400,
        {"error": "Unimplemented grant type"},
    )


def test_calls_without_a_token_or_with_an_expired_one_are_401(ils):
    assert ils.rest.answer("GET", "/api/v1/patrons", {}, b"")[0] == 401
    bearer = token(ils)
    ils.rest.expire_tokens()
    assert call(ils, "GET", "/api/v1/patrons", bearer=bearer)[0] == 401


def test_a_client_without_the_permission_is_403_naming_it(ils):
    reader = token(ils, "read-only", "reader-secret")
    assert call(ils, "GET", "/api/v1/patrons?cardnumber=TP90000001", bearer=reader)[0] == 200
    status, _, body = call(ils, "POST", "/api/v1/patrons", new_patron(), bearer=reader)
    assert (status, body["required_permissions"]) == (403, {"borrowers": "edit_borrowers"})


def test_a_created_patron_is_201_with_its_location_and_sip2_finds_it_by_id_number_at_once(ils):
    status, headers, body = call(ils, "POST", "/api/v1/patrons", new_patron())

    assert status == 201 and headers["Location"] == f"/api/v1/patrons/{body['patron_id']}"
    assert (body["surname"], body["category_id"], body["cardnumber"]) == ("林", PROVISIONAL_CATEGORY, None)
    answer = sip2_status(ils, "A123456789")
    assert (answer.get("BL"), answer.get("AE"), answer.get("XI")) == ("Y", "林書蟲", "A123456789")


def test_sip2_denies_charge_privileges_to_a_provisional_patron_and_allows_them_after_the_category_change(ils):
    _, _, created = call(ils, "POST", "/api/v1/patrons", new_patron())
    assert sip2_status(ils, "A123456789").fixed[0] == "Y"

    upgrade = {"surname": "林", "library_id": "TPML", "category_id": "PT", "cardnumber": "TP91000009"}
    status, _, updated = call(ils, "PUT", f"/api/v1/patrons/{created['patron_id']}", upgrade)

    assert (status, updated["cardnumber"], updated["firstname"]) == (200, "TP91000009", "書蟲")
    answer = sip2_status(ils, "TP91000009")
    assert answer.fixed[0] == " " and answer.get("AA") == "TP91000009"


def test_a_taken_card_number_is_409_naming_the_conflict(ils):
    status, _, body = call(ils, "POST", "/api/v1/patrons", new_patron(cardnumber="tp90000001"))
    assert (status, body["conflict"]) == (409, "cardnumber")


def test_the_same_surname_first_name_and_birth_date_is_a_duplicate_unless_confirmed(ils):
    same_person = new_patron(surname="陳", firstname="大文", date_of_birth="1985-03-02", extended_attributes=[])
    status, _, body = call(ils, "POST", "/api/v1/patrons", same_person)
    assert (status, body) == (409, {"error": "A patron record matching these details already exists"})

    assert call(ils, "POST", "/api/v1/patrons", same_person, x_confirm_not_duplicate="1")[0] == 201


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (new_patron(password="secret1"), "/body", "Properties not allowed: password."),
        (new_patron(patron_id=7), "/body/patron_id", "Read-only."),
        ({k: v for k, v in new_patron().items() if k != "surname"}, "/body/surname", "Missing property."),
        (new_patron(email=12), "/body/email", "Expected string/null - got integer."),
        (new_patron(date_of_birth="2000/02/29"), "/body/date_of_birth", "Does not match date format."),
        (new_patron(extended_attributes=[{"type": "X"}]), "/body/extended_attributes/0/value", "Missing property."),
    ],
)
def test_a_body_the_patron_definition_does_not_allow_is_400_naming_the_property(ils, body, path, message):
    status, _, answer = call(ils, "POST", "/api/v1/patrons", body)
    assert (status, answer["errors"][0]) == (400, {"message": message, "path": path})
    assert len(ils.patrons()) == 3


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"category_id": "NOPE"}, "Given category_id does not exist"),
        ({"library_id": "NOPE"}, "Given library_id does not exist"),
        (
            {"extended_attributes": [{"type": "SHOE", "value": "42"}]},
            "Tried to use an invalid attribute type. type=SHOE",
        ),
        (
            {"extended_attributes": [{"type": ID_NUMBER_ATTRIBUTE, "value": "F131104093"}]},
            f"Your action breaks a unique constraint on the attribute. type={ID_NUMBER_ATTRIBUTE} value=F131104093",
        ),
    ],
)
def test_unknown_codes_and_a_taken_unique_attribute_are_400_in_kohas_words(ils, changes, error):
    assert call(ils, "POST", "/api/v1/patrons", new_patron(**changes))[::2] == (400, {"error": error})


def test_the_search_matches_contains_by_default_and_exactly_when_asked(ils):
    _, headers, loose = call(ils, "GET", "/api/v1/patrons?cardnumber=TP9000000")
    assert len(loose) == 3 and headers["X-Total-Count"] == "3"
    assert call(ils, "GET", "/api/v1/patrons?cardnumber=TP9000000&_match=exact")[2] == []
    [exact] = call(ils, "GET", "/api/v1/patrons?cardnumber=TP90000002&_match=exact")[2]
    assert exact["surname"] == "王"


def test_the_search_finds_by_an_extended_attribute_and_embeds_them_when_asked(ils):
    q = json.dumps({"extended_attributes.code": ID_NUMBER_ATTRIBUTE, "extended_attributes.attribute": "A234567893"})
    target = "/api/v1/patrons?" + urllib.parse.urlencode({"q": q})
    [found] = call(ils, "GET", target, x_koha_embed="extended_attributes")[2]
    assert found["cardnumber"] == "TP90000002"
    assert {"extended_attribute_id": 1, "type": ID_NUMBER_ATTRIBUTE, "value": "A234567893"} in found[
        "extended_attributes"
    ]
    [plain] = call(ils, "GET", target)[2]
    assert "extended_attributes" not in plain


def test_an_update_needs_the_three_required_properties_sets_what_is_given_and_clears_nulls(ils):
    [patron] = call(ils, "GET", "/api/v1/patrons?cardnumber=TP90000001&_match=exact")[2]
    before = dt.datetime.fromisoformat(patron["updated_on"])
    target = f"/api/v1/patrons/{patron['patron_id']}"

    missing = call(ils, "PUT", target, {"surname": "陳", "email": "chen@example.com"})
    assert (missing[0], missing[2]["errors"][0]["path"]) == (400, "/body/library_id")

    change = {"surname": "陳", "library_id": "TPML", "category_id": "PT", "email": "chen@example.com", "phone": None}
    status, _, updated = call(ils, "PUT", target, change)

    assert (status, updated["email"], updated["phone"], updated["address"]) == (
        200,
        "chen@example.com",
        None,
        "臺北市大安區建國南路二段1號",
    )
    assert dt.datetime.fromisoformat(updated["updated_on"]) >= before
    assert sip2_status(ils, "TP90000001").get("BE") == "chen@example.com"


def test_an_unknown_patron_is_404(ils):
    assert call(ils, "GET", "/api/v1/patrons/999")[0] == 404
    change = {"surname": "x", "library_id": "TPML", "category_id": "PT"}
    assert call(ils, "PUT", "/api/v1/patrons/999", change)[0] == 404
    assert (
        call(ils, "POST", "/api/v1/patrons/999/password", {"password": "abc12345", "password_2": "abc12345"})[0] == 404
    )
    assert call(ils, "DELETE", "/api/v1/patrons/999")[0] == 404


@pytest.mark.parametrize(
    ("password", "repeated", "error"),
    [
        ("shelf2026", "shelf2027", "Passwords don't match"),
        ("ab12", "ab12", "Password length (4) is shorter than required (6)"),
        ("shelf2026 ", "shelf2026 ", "Password contains trailing whitespace(s)"),
        ("bookshelf", "bookshelf", "Password is too weak"),
    ],
)
def test_the_password_policy_refuses_in_kohas_words_and_keeps_the_old_password(ils, password, repeated, error):
    status, _, body = call(ils, "POST", "/api/v1/patrons/1/password", {"password": password, "password_2": repeated})
    assert (status, body) == (400, {"error": error})
    assert sip2_status(ils, "TP90000001", "tpml2024").get("CQ") == "Y"


def test_a_password_set_over_rest_is_the_one_sip2_accepts(ils):
    assert call(ils, "POST", "/api/v1/patrons/1/password", {"password": "shelf2026", "password_2": "shelf2026"})[
        :3:2
    ] == (200, "")
    assert sip2_status(ils, "TP90000001", "shelf2026").get("CQ") == "Y"
    assert sip2_status(ils, "TP90000001", "tpml2024").get("CQ") == "N"


def test_a_delete_is_refused_while_a_loan_or_a_debt_is_pending_and_done_after(ils):
    ils.change_patron("TP90000001", checkouts=1, debt=30)
    assert call(ils, "DELETE", "/api/v1/patrons/1")[::2] == (
        409,
        {"error": "Pending checkouts prevent deletion", "error_code": "has_checkouts"},
    )
    ils.change_patron("TP90000001", checkouts=0)
    assert call(ils, "DELETE", "/api/v1/patrons/1")[2]["error_code"] == "has_debt"
    ils.change_patron("TP90000001", debt=0)

    assert call(ils, "DELETE", "/api/v1/patrons/1")[::2] == (204, None)
    assert call(ils, "GET", "/api/v1/patrons/1")[0] == 404
    assert sip2_status(ils, "TP90000001").get("BL") == "N"


def test_a_change_at_the_counter_is_seen_over_rest_with_a_newer_updated_on(ils):
    [before] = call(ils, "GET", "/api/v1/patrons?cardnumber=TP90000002&_match=exact")[2]
    ils.change_patron("TP90000002", email="new@example.com")
    after = call(ils, "GET", f"/api/v1/patrons/{before['patron_id']}")[2]
    assert after["email"] == "new@example.com" and after["updated_on"] >= before["updated_on"]
