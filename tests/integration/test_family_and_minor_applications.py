"""家庭證 (one per Taipei household) and applicants under 18 (a guardian decides)."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from onecard.domain.people import TAIPEI
from tests.support.applications import new_national_id, personal_application
from tests.support.captcha import solved_captcha

TAIPEI_HOME = {"city": "臺北市", "district": "大安區", "street": "建國南路二段 125 號"}


def family(api, register_number="A1234567", **changes):
    household = {"register_number": register_number, "head_name": "陳大華", "head_id_number": new_national_id()}
    body = personal_application(
        solved_captcha(api), card_type="family", mailing_address=TAIPEI_HOME, household=household
    )
    body.update(changes)
    return api.post("/v1/readers", {k: v for k, v in body.items() if v is not None})


def born_years_ago(years: int, days: int = 0) -> str:
    today = dt.datetime.now(TAIPEI).date()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return (birthday + dt.timedelta(days=days)).isoformat()


def test_a_taipei_household_gets_a_family_card_and_its_numbers_are_not_stored_in_clear(api, aws):
    answer = family(api, register_number="b 1234-567")

    assert answer.status == 201, answer.body
    assert answer.json()["card_type"] == "family"
    stored = json.dumps(aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"])
    assert "B1234567" not in stored


def test_a_household_outside_taipei_is_refused_on_its_city(api):
    answer = family(api, mailing_address={"city": "新北市", "district": "板橋區", "street": "縣民大道 1 號"})

    assert answer.status == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["mailing_address.city"]


def test_missing_and_invalid_household_data_are_all_listed(api):
    bad = family(api, household={"register_number": "戶號?", "head_name": " ", "head_id_number": "A123456788"})
    missing = family(api, household=None)

    assert {e["field"] for e in bad.json()["errors"]} == {
        "household.register_number",
        "household.head_name",
        "household.head_id_number",
    }
    assert [e["field"] for e in missing.json()["errors"]] == ["household"]


def test_a_second_family_card_for_the_same_household_is_a_conflict(api):
    assert family(api, register_number="C7654321").status == 201

    again = family(api, register_number="c7654321")

    assert again.status == 409 and again.json()["code"] == "household_already_registered"


def test_concurrent_applications_for_one_household_let_exactly_one_win(api):
    bodies = []
    for _ in range(6):
        body = personal_application(
            solved_captcha(api),
            card_type="family",
            mailing_address=TAIPEI_HOME,
            household={"register_number": "D1111111", "head_name": "陳大華", "head_id_number": "A123456789"},
        )
        bodies.append(body)
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(lambda b: api.post("/v1/readers", b).status, bodies))

    assert statuses == [201] + [409] * 5


def test_a_family_card_cannot_be_linked_with_partners(api):
    partners = [{"partner": "ntpc", "document_sha256": api.get("/v1/consent-documents/ntpc").json()["sha256"]}]

    answer = family(api, partners=partners)

    assert answer.status == 422 and [e["field"] for e in answer.json()["errors"]] == ["partners"]


GUARDIAN = {"name": "林爸爸", "relationship": "father", "id_number": "A123456789", "phone": "0922333444"}


@pytest.mark.parametrize(
    "birth,needs_guardian",
    [
        (born_years_ago(18), False),  # the 18th birthday is today
        (born_years_ago(18, days=1), True),  # tomorrow
        (born_years_ago(18, days=-1), False),
    ],
)
def test_a_guardian_is_required_exactly_until_the_eighteenth_birthday_in_taipei(api, birth, needs_guardian):
    without = api.post("/v1/readers", personal_application(solved_captcha(api), birth_date=birth))
    with_guardian = api.post(
        "/v1/readers", personal_application(solved_captcha(api), birth_date=birth, guardian=GUARDIAN)
    )

    if needs_guardian:
        assert without.status == 422 and [e["field"] for e in without.json()["errors"]] == ["guardian"]
        assert with_guardian.status == 201, with_guardian.body
    else:
        assert without.status == 201
        assert with_guardian.status == 422 and [e["field"] for e in with_guardian.json()["errors"]] == ["guardian"]


def test_a_minors_consents_are_recorded_as_the_guardians_decision(api):
    partners = [{"partner": "klcpl", "document_sha256": api.get("/v1/consent-documents/klcpl").json()["sha256"]}]
    body = personal_application(
        solved_captcha(api),
        birth_date=born_years_ago(12),
        occupation="child",
        education="primary",
        guardian=GUARDIAN,
        partners=partners,
    )
    reader_id = api.post("/v1/readers", body).json()["reader_id"]
    from onecard import wiring

    assert [r["decided_by"] for r in wiring.consent().receipts(reader_id)] == ["guardian"]


def test_an_invalid_guardian_is_reported_field_by_field_and_an_adult_child_occupation_is_refused(api):
    minor = api.post(
        "/v1/readers",
        personal_application(
            solved_captcha(api),
            birth_date=born_years_ago(10),
            guardian={**GUARDIAN, "id_number": "A123456788", "phone": "12"},
        ),
    )
    adult = api.post("/v1/readers", personal_application(solved_captcha(api), occupation="child"))

    assert {e["field"] for e in minor.json()["errors"]} == {"guardian.id_number", "guardian.phone"}
    assert [e["field"] for e in adult.json()["errors"]] == ["occupation"]


def test_someone_born_on_29_february_comes_of_age_on_1_march_in_a_common_year():
    from onecard.domain.people import is_minor

    assert is_minor(dt.date(2008, 2, 29), dt.date(2026, 2, 28))
    assert not is_minor(dt.date(2008, 2, 29), dt.date(2026, 3, 1))


def test_the_family_export_returns_the_household_numbers_to_their_owner(api):
    body = personal_application(
        solved_captcha(api),
        card_type="family",
        mailing_address=TAIPEI_HOME,
        household={"register_number": "E2222222", "head_name": "陳大華", "head_id_number": "A123456789"},
    )
    assert api.post("/v1/readers", body).status == 201
    api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]})

    household = api.get("/v1/readers/me/export").json()["profile"]["household"]

    assert household == {"register_number": "E2222222", "head_name": "陳大華", "head_id_number": "A123456789"}
