"""A card holder's password change in 個人書房 (PUT /v1/readers/me/password, warm) against what it cannot avoid: one
password check (SIP2 Patron Information) and one password set (Koha REST) in the library system.

The simulated library system answers both after ILS_LATENCY_MS, as across a library's network (see
card_holder_login); the service token is held already, as in a warm container. The emulation runs in a process of
its own.
"""

from __future__ import annotations

import os
import statistics
import time

RUNS = 30
ILS_LATENCY_MS = 30
PASSWORDS = ("shelf2026", "tpml2024")


def run() -> list[tuple[str, float, float]]:
    from devstack.in_process import emulated_aws_elsewhere

    with emulated_aws_elsewhere() as aws:
        from ils_simulator import IlsSimulator

        with IlsSimulator().running() as library:
            return _measure(aws, library)


def _measure(aws, library) -> list[tuple[str, float, float]]:
    import boto3

    from bench.card_holder_login import _DynamoDbRequests
    from devstack.functions import api_routes
    from onecard import wiring
    from tests.support.api import ApiClient
    from tests.support.library_system import library_environment, rest_door, sip2_door, use_library_system

    use_library_system(aws, os.environ.__setitem__, library)
    api = ApiClient(api_routes(aws.specs), aws.invoke)
    boto3.setup_default_session()
    changes, requests_made = [], []
    try:
        login = api.post("/v1/sessions", {"id_number": "F131104093", "password": "tpml2024"})
        assert login.status == 201, login.body
        headers = {"X-CSRF-Token": login.json()["csrf_token"]}
        current = "tpml2024"

        def change_once() -> float:
            nonlocal current
            new = PASSWORDS[0] if current == PASSWORDS[1] else PASSWORDS[1]
            body = {"current_password": current, "password": new, "password_confirm": new}
            count = _DynamoDbRequests()
            started = time.perf_counter()
            with count:
                answer = api.put("/v1/readers/me/password", body, headers=headers)
            elapsed = time.perf_counter() - started
            assert answer.status == 204, answer.body
            current = new
            requests_made.append(count.made)
            return elapsed

        for _ in range(3):  # warm: the containers, the SIP2 connection, the service token, the patron id kept
            change_once()
        library.set_faults(latency_ms=ILS_LATENCY_MS)
        requests_made.clear()
        changes = [change_once() for _ in range(RUNS)]

        sip2, rest = sip2_door(library), rest_door(library)
        patron_id = rest.find_patron(cardnumber="TP90000001").patron_id  # type: ignore[union-attr]
        sip2.check_password("TP90000001", current)  # connected, logged in and a token held, as when warm
        baseline = []
        for _ in range(RUNS):
            new = PASSWORDS[0] if current == PASSWORDS[1] else PASSWORDS[1]
            started = time.perf_counter()
            assert sip2.check_password("TP90000001", current).password_valid
            rest.set_password(patron_id, new)
            baseline.append(time.perf_counter() - started)
            current = new
        sip2.close()
    finally:
        library.set_faults()
        for name in library_environment(library):
            os.environ.pop(name, None)
        wiring.reset()
    base, change = statistics.median(baseline), statistics.median(changes)
    return [
        (
            f"one SIP2 password check + one REST password set, ILS answering in {ILS_LATENCY_MS} ms (baseline, median)",
            base,
            1.0,
        ),
        (
            "warm card-holder password change in 個人書房 through the handler (median; "
            f"{statistics.mean(requests_made):.1f} DynamoDB requests each)",
            change,
            change / base,
        ),
    ]


if __name__ == "__main__":
    for name, seconds, ratio in run():
        print(f"{name}: {seconds * 1000:.1f} ms, ratio {ratio:.2f}")
