"""Warm latency of POST /v1/readers through the handler, against its irreducible work on the same moto:
one argon2id hash and one DynamoDB transaction. The emulation runs in a process of its own, as AWS's services
run on machines of their own: the function's CPU is its own work, and waiting on a service is waiting."""

from __future__ import annotations

import statistics
import time
import uuid

RUNS = 30


def run() -> list[tuple[str, float, float]]:
    from devstack.functions import api_routes
    from devstack.in_process import emulated_aws_elsewhere

    with emulated_aws_elsewhere() as aws:
        session, resources = aws.session, aws.resources
        from onecard.captcha import solve
        from onecard.security.passwords import hash_password
        from tests.support.api import ApiClient
        from tests.support.applications import personal_application

        api = ApiClient(api_routes(aws.specs), aws.invoke)
        # As operators do before the first deploy: the sender address is a verified SES identity.
        from onecard.config import settings

        aws.client("ses").verify_email_identity(EmailAddress=settings().mail_sender)

        from tests.support.lifecycle import unique_person

        def application() -> dict:
            # Each applicant a different person, as nearly all are: a shared name and birth date would make every
            # application after the first a possible duplicate for the counter to review.
            return personal_application(captcha=solve(api.get("/v1/captcha").json()), **unique_person())

        def from_own_address(number: int) -> ApiClient:
            # Each applicant from an address of their own: the per-address limit is not what is measured.
            return ApiClient(api_routes(aws.specs), aws.invoke, source_ip=f"198.51.100.{number + 1}")

        for number in range(3):  # warm the container: keys, data key, clients
            api = from_own_address(200 + number)
            api.post("/v1/readers", application())
        dynamodb = session.client("dynamodb")
        table = resources.table_names["ReadersTable"]

        def baseline_once() -> float:
            started = time.perf_counter()
            hash_password("read2026")
            key = str(uuid.uuid4())
            dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": table,
                            "Item": {"pk": {"S": f"B#{key}"}, "sk": {"S": part}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                    for part in ("A", "B")
                ]
            )
            return time.perf_counter() - started

        baseline_once()  # its client warmed as the handler's are
        # Each application is followed by one baseline, so that both meet the same load on a shared machine.
        from bench.card_holder_login import _DynamoDbRequests

        handler_times, baseline_times, made, in_line = [], [], [], []
        for number in range(RUNS):
            api = from_own_address(number)
            body = application()
            count = _DynamoDbRequests()
            started = time.perf_counter()
            with count:
                answer = api.post("/v1/readers", body)
            handler_times.append(time.perf_counter() - started)
            made.append(count.made)
            in_line.append(count.in_line)
            assert answer.status == 201, answer.body
            baseline_times.append(baseline_once())
    baseline = statistics.median(baseline_times)
    handler = statistics.median(handler_times)
    return [
        ("argon2id hash + one DynamoDB transaction (baseline, median)", baseline, 1.0),
        (
            f"warm POST /v1/readers through the handler (median; {statistics.mean(made):.1f} DynamoDB requests "
            f"each, {statistics.mean(in_line):.1f} in line)",
            handler,
            handler / baseline,
        ),
    ]
