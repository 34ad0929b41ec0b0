"""The simulated library system's HTTP control routes on the partner simulator's port."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request

import pytest

from ils_simulator import IlsSimulator
from onecard.ils import CardStatus, LibrarySystemUnavailable
from partner_simulator.server import PartnerSimulator
from tests.support.library_system import sip2_door


@pytest.fixture
def control():
    ils = IlsSimulator()
    partners = PartnerSimulator({}, "http://127.0.0.1:9", port=0, ils=ils)
    stop = threading.Event()
    threads = [threading.Thread(target=serve, args=(stop,), daemon=True) for serve in (ils.serve, partners.serve)]
    for thread in threads:
        thread.start()

    def call(method: str, path: str, body: object = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{partners.port}{path}", data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    client = sip2_door(ils, timeout=0.3)
    call.ils = ils  # type: ignore[attr-defined]  # for the tests that also speak its REST side
    yield call, client
    client.close()
    stop.set()
    for thread in threads:
        thread.join(timeout=5)


def test_down_then_restored_over_http(control):
    call, client = control
    assert call("POST", "/_control/ils", {"down": True}) == (
        200,
        {"down": True, "latency_ms": 0, "drop_mid_answer": False, "corrupt_checksum": False},
    )
    with pytest.raises(LibrarySystemUnavailable):
        client.find_patron("TP90000001")
    assert call("POST", "/_control/ils", {})[1]["down"] is False
    assert client.find_patron("TP90000001").name == "陳大文"


def test_latency_over_http_makes_the_client_time_out(control):
    call, client = control
    assert call("POST", "/_control/ils", {"latency_ms": 600})[1]["latency_ms"] == 600
    assert call("GET", "/_control/ils")[1]["latency_ms"] == 600
    with pytest.raises(LibrarySystemUnavailable):
        client.find_patron("TP90000001")


def test_a_counter_password_change_over_http(control):
    call, client = control
    assert call("POST", "/_control/ils/patrons/TP90000001", {"password": "counter-42"})[0] == 200
    assert client.check_password("TP90000001", "counter-42").password_valid
    assert not client.check_password("TP90000001", "tpml2024").password_valid


def test_patrons_are_listed_without_passwords(control):
    call, _ = control
    status, body = call("GET", "/_control/ils/patrons")
    assert status == 200
    assert [p["barcode"] for p in body["patrons"]] == ["TP90000001", "TP90000002", "TP90000003"]
    assert "tpml2024" not in json.dumps(body) and all("password" not in p for p in body["patrons"])


def test_bad_control_requests_are_refused(control):
    call, _ = control
    assert call("POST", "/_control/ils", {"explode": True})[0] == 400
    assert call("POST", "/_control/ils/patrons/TP00000000", {"password": "x"})[0] == 404
    assert call("POST", "/_control/ils/patrons/TP90000001", {})[0] == 400
    assert call("GET", "/_control/ils/nothing")[0] == 404


def card_holder(**changes: object) -> dict:
    return {
        "barcode": "TP91000001",
        "id_number": "A123456789",
        "password": "shelf-2026",
        "name": "張書蟲",
        "birth_date": "1999-04-01",
        "email": "reader@example.com",
        "phone": "0911222333",
        **changes,
    }


def test_new_card_holders_are_added_and_answer_over_sip2(control):
    call, client = control
    later = card_holder(barcode="tp91000002", id_number="b123456780", card_expires="2020-06-30", email=None)

    added = call("POST", "/_control/ils/patrons", {"patrons": [card_holder(), later]})

    assert added == (201, {"added": ["TP91000001", "TP91000002"]})
    check = client.check_password("A123456789", "shelf-2026")
    assert check.password_valid and check.patron is not None
    assert (check.patron.barcode, check.patron.name, check.patron.birth_date) == (
        "TP91000001",
        "張書蟲",
        dt.date(1999, 4, 1),
    )
    assert check.patron.email == "reader@example.com" and check.patron.card_status is CardStatus.VALID
    assert check.patron.card_expires is not None and check.patron.card_expires > dt.date.today()
    assert not client.check_password("TP91000001", "wrong-one").password_valid
    expired = client.find_patron("B123456780")  # stored upper-cased, as the service asks
    assert expired is not None and expired.card_status is CardStatus.EXPIRED and expired.email is None
    listed = call("GET", "/_control/ils/patrons")[1]["patrons"]
    assert [p["barcode"] for p in listed][-2:] == ["TP91000001", "TP91000002"]
    assert "shelf-2026" not in json.dumps(listed)


def test_a_wrong_card_holder_is_refused_naming_the_field_and_nobody_is_added(control):
    call, client = control
    fine, wrong = card_holder(), card_holder(barcode="TP91000002", id_number="B123456780", birth_date="1999/04/01")

    status, answer = call("POST", "/_control/ils/patrons", {"patrons": [fine, wrong]})
    not_an_object = call("POST", "/_control/ils/patrons", [fine])

    assert (status, answer["field"]) == (400, "patrons[1].birth_date")
    assert answer["reason"] == "patrons[1].birth_date: must be a date, YYYY-MM-DD"
    assert (not_an_object[0], not_an_object[1]["field"]) == (400, "patrons")
    assert len(call("GET", "/_control/ils/patrons")[1]["patrons"]) == 3
    assert client.find_patron("A123456789") is None


def test_a_card_or_id_number_already_held_is_a_conflict_and_nobody_is_added(control):
    call, client = control
    fresh = card_holder(barcode="TP91000005", id_number="D123456783")

    taken_card = call("POST", "/_control/ils/patrons", {"patrons": [fresh, card_holder(barcode="TP90000001")]})
    taken_id = call("POST", "/_control/ils/patrons", {"patrons": [card_holder(id_number="F131104093")]})

    assert (taken_card[0], taken_card[1]["field"]) == (409, "patrons[1].barcode")
    assert (taken_id[0], taken_id[1]["field"]) == (409, "patrons[0].id_number")
    assert "TP90000001" in taken_id[1]["reason"]
    assert client.find_patron("D123456783") is None
    assert client.check_password("F131104093", "tpml2024").password_valid  # the holder's card is untouched


def test_the_partner_routes_still_answer(control):
    call, _ = control
    assert call("GET", "/_control/ntpc/seen")[0] == 200


def test_a_loan_and_a_debt_are_given_and_taken_back_over_http_and_a_delete_waits_for_them(control):
    from ils_simulator.rest import KohaRestApi

    call, _ = control
    ils = call.ils
    given = call("POST", "/_control/ils/patrons/F131104093", {"checkouts": 1, "debt": 50})
    rest: KohaRestApi = ils.rest
    token = rest.answer(
        "POST",
        "/api/v1/oauth/token",
        {},
        f"grant_type=client_credentials&client_id={rest.clients[0].client_id}"
        f"&client_secret={rest.clients[0].client_secret}".encode(),
    )[2]["access_token"]
    bearer = {"authorization": f"Bearer {token}"}

    assert given[0] == 200 and (given[1]["checkouts"], given[1]["debt"]) == (1, 50.0)
    assert rest.answer("DELETE", "/api/v1/patrons/1", bearer, b"")[2]["error_code"] == "has_checkouts"
    call("POST", "/_control/ils/patrons/TP90000001", {"checkouts": 0, "debt": 0})
    assert rest.answer("DELETE", "/api/v1/patrons/1", bearer, b"")[0] == 204
    assert call("POST", "/_control/ils/patrons/TP90000002", {"shoe_size": 42})[0] == 400
