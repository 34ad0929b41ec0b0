"""Warm 個人書房 login of an existing card holder, whose password the library system holds, against the one thing
it cannot avoid: one SIP2 Patron Information round trip (63/64) to the library system.

The simulated library system answers after ILS_LATENCY_MS, a typical SIP2 answer across a library's network (a real
ILS checks the password in its own database); on loopback with no delay the round trip would be a fraction of a
millisecond and every DynamoDB request would weigh more than in AWS. The emulation runs in a process of its own.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import time

RUNS = 30
ILS_LATENCY_MS = 30


def run() -> list[tuple[str, float, float]]:
    from devstack.in_process import emulated_aws_elsewhere

    with emulated_aws_elsewhere() as aws:
        from ils_simulator import IlsSimulator  # it speaks SIP2 with the layer's codec: after the layer is on the path

        with IlsSimulator().running() as library:
            return _measure(aws, library)


def _measure(aws, library) -> list[tuple[str, float, float]]:
    import boto3

    from devstack.functions import api_routes
    from onecard import wiring
    from tests.support.api import ApiClient
    from tests.support.library_system import library_environment, sip2_door

    os.environ.update({**library_environment(library), "ILS_TIMEOUT_SECONDS": "3"})
    aws.client("secretsmanager").put_secret_value(
        SecretId=aws.resources.secret_ids["IlsSipAccountSecret"],
        SecretString=json.dumps({"login": library.account.login, "password": library.account.password}),
    )
    wiring.reset()
    library.set_faults(latency_ms=ILS_LATENCY_MS)
    api = ApiClient(api_routes(aws.specs), aws.invoke)
    by_credential = {
        "ID number": {"id_number": "F131104093", "password": "tpml2024"},
        "card barcode": {"card_barcode": "TP90000001", "password": "tpml2024"},
    }
    login_times: dict[str, list[float]] = {name: [] for name in by_credential}
    requests_made: dict[str, list[int]] = {name: [] for name in by_credential}
    requests_in_line: dict[str, list[int]] = {name: [] for name in by_credential}
    # Each login from an address of its own: the per-address login limit (30 a minute) is not what is measured.
    addresses = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())
    boto3.setup_default_session()
    try:
        for _ in range(3):  # the first login keeps the reader record; then warm containers and connections
            for credentials in by_credential.values():
                api.cookies.clear()
                api.source_ip = next(addresses)
                assert api.post("/v1/sessions", credentials).status == 201
        for _ in range(RUNS):
            for name, credentials in by_credential.items():
                api.cookies.clear()
                api.source_ip = next(addresses)
                count = _DynamoDbRequests()
                started = time.perf_counter()
                with count:
                    answer = api.post("/v1/sessions", credentials)
                login_times[name].append(time.perf_counter() - started)
                requests_made[name].append(count.made)
                requests_in_line[name].append(count.in_line)
                assert answer.status == 201, answer.body

        adapter = sip2_door(library)
        adapter.check_password("TP90000001", "tpml2024")  # connected and logged in, as a warm container is
        round_trips = []
        for _ in range(RUNS):
            started = time.perf_counter()
            adapter.check_password("TP90000001", "tpml2024")
            round_trips.append(time.perf_counter() - started)
        adapter.close()
    finally:
        for name in library_environment(library):
            os.environ.pop(name, None)
        wiring.reset()
    baseline = statistics.median(round_trips)
    rows = [
        (
            f"one SIP2 Patron Information round trip, ILS answering in {ILS_LATENCY_MS} ms (baseline, median)",
            baseline,
            1.0,
        )
    ]
    for name, times in login_times.items():
        login = statistics.median(times)
        rows.append(
            (
                f"warm card-holder login by {name} through the handler (median; "
                f"{statistics.mean(requests_made[name]):.1f} DynamoDB requests each, "
                f"{statistics.mean(requests_in_line[name]):.1f} in line)",
                login,
                login / baseline,
            )
        )
    return rows


class _DynamoDbRequests:
    """Counts the DynamoDB requests made by any client of this process while it is entered: ``made`` in all, and
    ``in_line`` those made by the thread that entered it, each waited for in turn (the others run beside other
    work, as a profile read while the library system checks does). The emulation answers one request at a time,
    so what a path waits for there is about its requests in line."""

    def __enter__(self) -> _DynamoDbRequests:
        import threading

        from botocore.client import BaseClient

        self.made, self.in_line, self._original = 0, 0, BaseClient._make_api_call
        entered_by = threading.get_ident()

        def counted(client, operation, params):
            if client.meta.service_model.service_name == "dynamodb":
                self.made += 1
                self.in_line += threading.get_ident() == entered_by
            return self._original(client, operation, params)

        BaseClient._make_api_call = counted
        return self

    def __exit__(self, *_: object) -> None:
        from botocore.client import BaseClient

        BaseClient._make_api_call = self._original


if __name__ == "__main__":
    for name, seconds, ratio in run():
        print(f"{name}: {seconds * 1000:.1f} ms, ratio {ratio:.2f}")
