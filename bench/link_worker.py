"""A batch of 10 link requests with 200 ms partner latency through the worker, against one partner call."""

from __future__ import annotations

import json
import time

LATENCY_MS = 200


def run() -> list[tuple[str, float, float]]:
    from devstack.functions import LambdaContext, load_module
    from devstack.in_process import emulated_aws
    from devstack.resources import REGION

    with emulated_aws() as aws:
        session, resources, specs = aws.session, aws.resources, aws.specs
        from onecard.infra.dynamo import to_item
        from partner_simulator.core import SimulatedPartners

        partners = SimulatedPartners()
        partners.partners["ntpc"].faults.latency_ms = LATENCY_MS
        worker = load_module(specs["LinkWorkerFunction"])
        worker.partner = lambda: partners
        table = resources.table_names["ReadersTable"]
        dynamodb = session.client("dynamodb")

        def batch(size: int, prefix: str) -> dict:
            records = []
            for i in range(size):
                reader_id, request_id = f"RB{prefix}{i}", f"LRB{prefix}{i}"
                dynamodb.put_item(
                    TableName=table,
                    Item=to_item(
                        {
                            "pk": f"READER#{reader_id}",
                            "sk": "LINK#ntpc",
                            "status": "pending",
                            "request_id": request_id,
                            "status_at": 0,
                        }
                    ),
                )
                body = json.dumps(
                    {"request_id": request_id, "action": "unlink", "reader_id": reader_id, "partner": "ntpc"}
                )
                records.append(
                    {
                        "messageId": request_id,
                        "receiptHandle": "h",
                        "body": body,
                        "attributes": {
                            "ApproximateReceiveCount": "1",
                            "SentTimestamp": str(int(time.time() * 1000)),
                        },
                        "messageAttributes": {},
                        "md5OfBody": "",
                        "eventSource": "aws:sqs",
                        "eventSourceARN": "arn",
                        "awsRegion": REGION,
                    }
                )
            return {"Records": records}

        context = LambdaContext(specs["LinkWorkerFunction"])

        def handled(event: dict) -> float:
            """The worker's time for the batch; every record must have reached the partner (a record put back or
            failed would measure the wrong path)."""
            seen = len(partners.partners["ntpc"].seen)
            started = time.perf_counter()
            answer = worker.lambda_handler(event, context)
            elapsed = time.perf_counter() - started
            assert not answer.get("batchItemFailures"), answer
            assert len(partners.partners["ntpc"].seen) - seen == len(event["Records"]), "not every call was made"
            return elapsed

        handled(batch(1, "warm"))
        one = handled(batch(1, "one"))
        ten = handled(batch(10, "ten"))
    return [
        ("one partner call through the worker (baseline)", one, 1.0),
        (f"link worker: a batch of 10 with {LATENCY_MS} ms partner latency", ten, ten / one),
    ]


if __name__ == "__main__":
    for name, seconds, ratio in run():
        print(f"{name}: {seconds * 1000:.0f} ms, ratio {ratio:.2f}")
