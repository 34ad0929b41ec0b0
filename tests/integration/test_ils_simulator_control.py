"""The simulated library system's HTTP control routes on the partner simulator's port."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from ils_simulator import IlsSimulator
from onecard.ils import LibrarySystemUnavailable
from onecard.infra.sip2_library import Sip2LibrarySystem
from partner_simulator.server import PartnerSimulator


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

    client = Sip2LibrarySystem(
        "127.0.0.1",
        ils.port,
        institution_id=ils.institution_id,
        login_user=ils.account.login,
        login_password=ils.account.password,
        timeout=0.3,
    )
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


def test_the_partner_routes_still_answer(control):
    call, _ = control
    assert call("GET", "/_control/ntpc/seen")[0] == 200
