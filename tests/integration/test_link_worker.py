"""The link worker on emulated SQS and DynamoDB, with simulated partners injected behind the client interface."""

from __future__ import annotations

import json

import pytest

from devstack.functions import LambdaContext, load_module
from partner_simulator.core import SimulatedPartners
from tests.integration.test_partner_callbacks import pending_link


@pytest.fixture
def partners():
    return SimulatedPartners()


@pytest.fixture
def worker(aws, monkeypatch, partners):
    module = load_module(aws.specs["LinkWorkerFunction"])
    monkeypatch.setattr(module, "partner", lambda: partners)
    return module


def queue(aws):
    return aws.resources.queue_urls["LinkQueue"]


def outbox_message(aws, request_id):
    items = aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"]
    return next(i["message"]["S"] for i in items if i["sk"]["S"] == f"OUTBOX#{request_id}")


def deliver(aws, worker, count_receives=1):
    sqs = aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=queue(aws), MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    if not messages:
        return set()
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                "attributes": m["Attributes"], "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:LinkQueue",
                "awsRegion": "ap-northeast-1"} for m in messages]
    result = worker.lambda_handler({"Records": records}, LambdaContext(aws.specs["LinkWorkerFunction"]))
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for m in messages:
        if m["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=queue(aws), ReceiptHandle=m["ReceiptHandle"])
    return failed


def my_link(api):
    return api.get("/v1/readers/me/links").json()["links"][0]


def fast_retries(monkeypatch):
    monkeypatch.setenv("LINK_RETRY_BASE_SECONDS", "0")
    from onecard import config

    config.settings.cache_clear()


def test_the_same_request_delivered_twice_calls_the_partner_once(api, aws, worker, partners, monkeypatch):
    fast_retries(monkeypatch)
    request_id = pending_link(api)
    message = outbox_message(aws, request_id)
    for _ in range(2):
        aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=message)

    rounds = [deliver(aws, worker) for _ in range(3)]

    assert rounds[-1] == set()
    assert "Messages" not in aws.client("sqs").receive_message(QueueUrl=queue(aws))
    assert [s["request_id"] for s in partners.partners["ntpc"].seen] == [request_id]
    assert my_link(api)["status"] == "active"


def test_a_4xx_from_the_partner_rejects_the_link_without_retry(api, aws, worker, partners):
    partners.partners["ntpc"].faults.reject_rate = 1.0
    request_id = pending_link(api)
    aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))

    assert deliver(aws, worker) == set()
    assert my_link(api)["status"] == "rejected" and my_link(api)["reason"]


def test_a_partner_that_always_fails_ends_failed_and_in_the_dead_letter_queue(api, aws, worker, partners, monkeypatch):
    partners.partners["ntpc"].faults.error_rate = 1.0
    fast_retries(monkeypatch)
    request_id = pending_link(api)
    aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))

    for attempt in range(1, 6):
        assert len(deliver(aws, worker)) == 1, f"attempt {attempt}"
        assert my_link(api)["status"] == ("failed" if attempt == 5 else "pending")
    dead = aws.client("sqs").receive_message(QueueUrl=queue(aws), MaxNumberOfMessages=10)
    assert "Messages" not in dead
    in_dlq = aws.client("sqs").receive_message(QueueUrl=aws.resources.queue_urls["LinkDeadLetterQueue"])
    assert json.loads(in_dlq["Messages"][0]["Body"])["request_id"] == request_id
    assert partners.partners["ntpc"].seen == []


class FailsOnce:
    """A partner that answers its first call with a passing failure, then works."""

    def __init__(self, partners):
        self.partners, self.calls = partners, 0

    def send(self, partner, action, request_id, payload):
        from onecard.partners.client import PartnerAnswer

        self.calls += 1
        return PartnerAnswer("retry", reason="HTTP 503") if self.calls == 1 else self.partners.send(
            partner, action, request_id, payload)


def test_a_passing_partner_failure_is_tried_again_within_the_same_delivery(api, aws, worker, partners, monkeypatch):
    flaky = FailsOnce(partners)
    monkeypatch.setattr(worker, "partner", lambda: flaky)
    request_id = pending_link(api)
    aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))

    assert deliver(aws, worker) == set()
    assert flaky.calls == 2 and my_link(api)["status"] == "active"
