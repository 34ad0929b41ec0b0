"""Warm latency of POST /v1/sessions (a reader who applied here, the right password) through the handler, against
its irreducible work on the same moto: one argon2id verification and one DynamoDB write. The emulation runs in a
process of its own, as in bench/registration_latency.py."""

from __future__ import annotations

import statistics
import time
import uuid

RUNS = 30
PASSWORD = "Read2026"


def run() -> list[tuple[str, float, float]]:
    from devstack.functions import api_routes
    from devstack.in_process import emulated_aws_elsewhere

    with emulated_aws_elsewhere() as aws:
        session, resources = aws.session, aws.resources
        from onecard.captcha import solve
        from onecard.security.passwords import hash_password, verify_password
        from tests.support.api import ApiClient
        from tests.support.applications import personal_application
        from tests.support.lifecycle import unique_person

        def client(number: int) -> ApiClient:
            # One address per login, as readers log in from their own devices (the per-address limit is not measured).
            return ApiClient(api_routes(aws.specs), aws.invoke, source_ip=f"198.51.{number // 250}.{number % 250 + 1}")

        api = client(0)
        body = personal_application(
            captcha=solve(api.get("/v1/captcha").json()),
            password=PASSWORD,
            password_confirm=PASSWORD,
            **unique_person(),
        )
        assert api.post("/v1/readers", body).status == 201
        credentials = {"id_number": body["id_number"], "password": PASSWORD}
        for number in range(3):  # warm the container: keys, clients
            assert client(1000 + number).post("/v1/sessions", credentials).status == 201
        from bench.card_holder_login import _DynamoDbRequests

        handler_times, in_line = [], []
        for number in range(RUNS):
            api = client(number + 1)
            count = _DynamoDbRequests()
            started = time.perf_counter()
            with count:
                answer = api.post("/v1/sessions", credentials)
            handler_times.append(time.perf_counter() - started)
            in_line.append(count.in_line)
            assert answer.status == 201, answer.body

        dynamodb = session.client("dynamodb")
        table = resources.table_names["SessionsTable"]
        stored = hash_password(PASSWORD)
        baseline_times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            assert verify_password(stored, PASSWORD)
            dynamodb.put_item(
                TableName=table, Item={"pk": {"S": f"B#{uuid.uuid4()}"}}, ConditionExpression="attribute_not_exists(pk)"
            )
            baseline_times.append(time.perf_counter() - started)
    baseline = statistics.median(baseline_times)
    handler = statistics.median(handler_times)
    return [
        ("argon2id verify + one DynamoDB write (baseline, median)", baseline, 1.0),
        (
            f"warm POST /v1/sessions through the handler (median; {statistics.mean(in_line):.1f} DynamoDB requests "
            "in line)",
            handler,
            handler / baseline,
        ),
    ]
