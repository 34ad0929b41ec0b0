"""讀者證號是否辦過: whether an ID number already holds a card."""

from __future__ import annotations

from tests.support.applications import new_national_id, personal_application
from tests.support.captcha import solved_captcha


def test_availability_says_whether_a_number_is_registered(api):
    registered = new_national_id()
    assert (
        api.post("/v1/readers", personal_application(captcha=solved_captcha(api), id_number=registered)).status == 201
    )

    yes = api.get("/v1/readers/availability", query={"id_type": "national_id", "id_number": registered.lower()})
    no = api.get("/v1/readers/availability", query={"id_type": "national_id", "id_number": new_national_id()})

    assert (yes.status, yes.json()) == (200, {"registered": True})
    assert (no.status, no.json()) == (200, {"registered": False})


def test_a_malformed_or_checksum_invalid_number_is_a_422(api):
    bad_checksum = api.get("/v1/readers/availability", query={"id_type": "national_id", "id_number": "A123456788"})
    malformed = api.get("/v1/readers/availability", query={"id_type": "national_id", "id_number": "hello"})
    unknown_type = api.get("/v1/readers/availability", query={"id_type": "library_card", "id_number": "A123456789"})

    assert bad_checksum.status == malformed.status == unknown_type.status == 422
    assert bad_checksum.json()["errors"][0]["field"] == "id_number"
    assert unknown_type.json()["errors"][0]["field"] == "id_type"


def test_availability_is_rate_limited_per_client_address(api):
    query = {"id_type": "national_id", "id_number": "A123456789"}
    answers = [api.get("/v1/readers/availability", query=query) for _ in range(21)]

    assert [a.status for a in answers[:20]] == [200] * 20
    assert answers[20].status == 429
    assert int(answers[20].header("Retry-After")) >= 1

    api.source_ip = "198.51.100.7"
    assert api.get("/v1/readers/availability", query=query).status == 200
