"""The SIP2 adapter against the simulated library system on a loopback port."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
import time

import pytest

from ils_simulator import Account, IlsSimulator
from onecard.ils import CardStatus, LibrarySystemUnavailable
from onecard.infra.sip2_library import Sip2LibrarySystem
from tests.support.library_system import sip2_door

TIMEOUT = 0.3


@pytest.fixture
def simulator():
    with IlsSimulator(account=Account("onecard-test", "sip-pass-123")).running() as running:
        yield running


def adapter(simulator: IlsSimulator, **overrides) -> Sip2LibrarySystem:
    return sip2_door(simulator, **{"timeout": TIMEOUT, **simulator.extension_fields, **overrides})


@pytest.fixture
def ils(simulator):
    library = adapter(simulator)
    yield library
    library.close()


def test_the_right_password_is_valid_and_the_record_comes_with_it(ils):
    check = ils.check_password("TP90000001", "tpml2024")
    assert check.password_valid and check.patron_valid
    patron = check.patron
    assert (patron.barcode, patron.id_number, patron.name) == ("TP90000001", "F131104093", "陳大文")
    assert patron.birth_date == dt.date(1985, 3, 2)
    assert patron.card_status is CardStatus.VALID and patron.card_expires > dt.date.today()
    assert patron.address and patron.phone


def test_a_wrong_password_is_not_valid_but_the_patron_is(ils):
    check = ils.check_password("TP90000001", "tpml2025")
    assert check.patron_valid and not check.password_valid


def test_an_empty_password_or_one_sip2_cannot_carry_is_not_valid(ils):
    assert not ils.check_password("TP90000001", "").password_valid
    assert not ils.check_password("TP90000001", "tpml2024|ADx").password_valid


def test_an_unknown_patron_is_none(ils):
    assert ils.find_patron("TP99999999") is None
    check = ils.check_password("TP99999999", "whatever")
    assert check.patron is None and not check.password_valid


def test_lookup_by_barcode_and_by_id_number_find_the_same_card_holder(ils):
    by_barcode, by_id = ils.find_patron("TP90000002"), ils.find_patron("A234567893")
    assert by_barcode == by_id
    assert by_id.barcode == "TP90000002" and by_id.email == "wang@example.com" and by_id.name == "王美玲"
    assert ils.check_password("A234567893", "book5678").password_valid


def test_an_expired_card_is_expired(ils):
    patron = ils.find_patron("TP90000003")
    assert patron.card_status is CardStatus.EXPIRED and patron.card_expires == dt.date(2024, 12, 31)
    assert patron.birth_date == dt.date(1978, 7, 15)


def test_the_health_check_answers(ils):
    ils.check_available()


def test_one_connection_serves_many_calls(simulator, ils):
    for _ in range(3):
        ils.find_patron("TP90000001")
    assert len(simulator._open) == 1


def test_a_wrong_service_account_is_unavailable_not_a_wrong_password(simulator):
    library = adapter(simulator, login_password="not-the-password")
    with pytest.raises(LibrarySystemUnavailable, match="login"):
        library.check_password("TP90000001", "tpml2024")


def test_down_is_unavailable_at_once(simulator, ils):
    ils.find_patron("TP90000001")
    simulator.set_faults(down=True)
    started = time.monotonic()
    with pytest.raises(LibrarySystemUnavailable):
        ils.check_password("TP90000001", "tpml2024")
    assert time.monotonic() - started < TIMEOUT


def test_nothing_listening_is_unavailable_at_once():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    library = Sip2LibrarySystem(
        "127.0.0.1", port, institution_id="TPML", login_user="u", login_password="p", timeout=TIMEOUT
    )
    started = time.monotonic()
    with pytest.raises(LibrarySystemUnavailable):
        library.find_patron("TP90000001")
    assert time.monotonic() - started < TIMEOUT


def test_an_answer_slower_than_the_timeout_is_unavailable_within_the_timeout(simulator, ils):
    ils.find_patron("TP90000001")
    simulator.set_faults(latency_ms=int(TIMEOUT * 1000) + 400)
    started = time.monotonic()
    with pytest.raises(LibrarySystemUnavailable, match="in time"):
        ils.check_password("TP90000001", "tpml2024")
    assert TIMEOUT * 0.9 < time.monotonic() - started < TIMEOUT + 0.2


def test_a_late_answer_is_never_taken_for_the_next_one(simulator, ils):
    simulator.set_faults(latency_ms=int(TIMEOUT * 1000) + 100)
    with pytest.raises(LibrarySystemUnavailable):
        ils.check_password("TP90000001", "tpml2024")
    simulator.set_faults()
    time.sleep(0.15)  # the late answer to the first request arrives meanwhile (on the connection dropped)
    check = ils.check_password("TP90000001", "wrong")
    assert check.patron.barcode == "TP90000001" and not check.password_valid


def test_a_connection_dropped_in_the_middle_of_an_answer_is_unavailable(simulator, ils):
    ils.find_patron("TP90000001")
    simulator.set_faults(drop_mid_answer=True)
    started = time.monotonic()
    with pytest.raises(LibrarySystemUnavailable, match="closed"):
        ils.find_patron("TP90000001")
    assert time.monotonic() - started < TIMEOUT


def test_a_wrong_checksum_on_an_answer_is_unavailable(simulator, ils):
    ils.find_patron("TP90000001")
    simulator.set_faults(corrupt_checksum=True)
    with pytest.raises(LibrarySystemUnavailable, match="checksum"):
        ils.check_password("TP90000001", "tpml2024")


def test_a_connection_the_library_system_closed_is_reopened_without_failing_the_call(simulator, ils):
    assert ils.find_patron("TP90000001")
    simulator.drop_connections()  # a restart of the library system between two logins
    assert ils.check_password("TP90000001", "tpml2024").password_valid


def test_calls_work_again_after_the_library_system_comes_back(simulator, ils):
    simulator.set_faults(down=True)
    with pytest.raises(LibrarySystemUnavailable):
        ils.find_patron("TP90000001")
    simulator.set_faults()
    assert ils.check_password("TP90000001", "tpml2024").password_valid


def test_a_password_changed_at_the_counter_works_at_the_next_check_and_the_old_one_stops(simulator, ils):
    assert ils.check_password("TP90000002", "book5678").password_valid
    simulator.set_password("TP90000002", "newpass99")
    assert ils.check_password("TP90000002", "newpass99").password_valid
    assert not ils.check_password("TP90000002", "book5678").password_valid


def test_calls_from_many_threads_share_the_connection_safely(ils):
    results: list[bool] = []

    def check(barcode: str, password: str) -> None:
        results.append(ils.check_password(barcode, password).password_valid)

    threads = [
        threading.Thread(target=check, args=pair)
        for pair in [("TP90000001", "tpml2024"), ("TP90000002", "book5678"), ("TP90000001", "bad")] * 4
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert sorted(results) == [False] * 4 + [True] * 8


def test_no_password_reaches_a_log_line(simulator, caplog):
    caplog.set_level(logging.DEBUG, logger="onecard.infra.sip2_library")
    library = adapter(simulator)
    library.check_password("TP90000001", "tpml2024")
    simulator.set_faults(corrupt_checksum=True)
    with pytest.raises(LibrarySystemUnavailable):
        library.check_password("TP90000001", "tpml2024")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SIP2 sent" in logged
    for secret in ("tpml2024", simulator.account.password, "F131104093"):
        assert secret not in logged
    assert simulator.account.password not in repr(library)
