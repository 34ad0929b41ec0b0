"""The link worker on emulated SQS and DynamoDB, with simulated partners injected behind the client interface."""

from __future__ import annotations

import itertools
import json
import math

import pytest

from devstack.functions import LambdaContext, load_module
from partner_simulator.core import SimulatedPartners
from tests.integration.test_partner_callbacks import pending_link
from tests.support.flows import sqs_records
from tests.support.simulated_time import SimulatedDelivery, TimedPartners


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
    messages = sqs.receive_message(QueueUrl=queue(aws), MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    )
    if not messages:
        return set()
    records = sqs_records(messages)
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


def test_a_partner_that_fails_past_the_time_budget_ends_failed_and_in_the_dead_letter_queue(
    api, aws, worker, partners, monkeypatch
):
    partners.partners["ntpc"].faults.error_rate = 1.0
    configure(
        monkeypatch,
        LINK_RETRY_BASE_SECONDS=0,
        LINK_RETRY_MAX_DELAY_SECONDS=1,
        LINK_RETRY_FOR_SECONDS=2,
        PARTNER_TRIP_AFTER_FAILURES=100,
    )
    simulated = SimulatedDelivery(aws, [worker], monkeypatch)
    timed = TimedPartners(partners, simulated.clock)
    monkeypatch.setattr(worker, "partner", lambda: timed)
    request_id = pending_link(api)
    aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))

    simulated.run_until(
        lambda: my_link(api)["status"] == "failed", within_seconds=10, what="the link failing once its budget is spent"
    )

    assert "Messages" not in aws.client("sqs").receive_message(
        QueueUrl=queue(aws), MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    in_dlq = aws.client("sqs").receive_message(QueueUrl=aws.resources.queue_urls["LinkDeadLetterQueue"])
    assert json.loads(in_dlq["Messages"][0]["Body"])["request_id"] == request_id
    tries = timed.times("ntpc", "retry")
    assert len(tries) >= 4 and tries[-1] - tries[0] >= 1.5  # tried again and again within the budget
    assert partners.partners["ntpc"].seen == []


def configure(monkeypatch, **variables):
    for name, value in variables.items():
        monkeypatch.setenv(name, str(value))
    from onecard import config

    config.settings.cache_clear()


def link_items(aws, partner):
    items = aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"]
    return {i["request_id"]["S"]: i["status"]["S"] for i in items if i["sk"]["S"] == f"LINK#{partner}"}


def queue_requests(aws, partner, count, api):
    request_ids = [pending_link(api, partner) for _ in range(count)]
    for request_id in request_ids:
        aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))
    return request_ids


OUTAGE_SECONDS = 30  # twice what the old five tries took at a base of 1 s (1 + 2 + 4 + 8)


def test_a_partner_down_longer_than_five_tries_gets_only_probes_and_every_link_ends_active_once_it_is_back(
    api, aws, worker, partners, monkeypatch
):
    configure(
        monkeypatch,
        LINK_RETRY_BASE_SECONDS=0,
        LINK_RETRY_MAX_DELAY_SECONDS=1,
        LINK_RETRY_FOR_SECONDS=3600,
        PARTNER_TRIP_AFTER_FAILURES=2,
        PARTNER_PROBE_SECONDS=1,
    )
    # One request a round, so that the calls before the breaker trips are as few as the rule allows.
    simulated = SimulatedDelivery(aws, [worker], monkeypatch, batch_size=1)
    timed = TimedPartners(partners, simulated.clock)
    monkeypatch.setattr(worker, "partner", lambda: timed)
    ntpc = partners.partners["ntpc"]
    ntpc.faults.error_rate = 1.0
    request_ids = queue_requests(aws, "ntpc", 4, api)

    simulated.run_for(OUTAGE_SECONDS)
    back_at = simulated.clock.time()
    ntpc.faults.error_rate = 0.0
    simulated.run_until(
        lambda: set(link_items(aws, "ntpc").values()) == {"active"},
        within_seconds=10,
        what=f"every link active (now {link_items(aws, 'ntpc')})",
    )

    assert set(link_items(aws, "ntpc")) == set(request_ids)
    assert "Messages" not in aws.client("sqs").receive_message(QueueUrl=aws.resources.queue_urls["LinkDeadLetterQueue"])
    refused = timed.times("ntpc", "retry")
    # The first two requests call (each with its quick second try) and trip the breaker; after that, probes only,
    # one a probe period at most, for as long as the outage lasts.
    before_the_trip, probes = refused[:4], refused[4:]
    assert before_the_trip[-1] - before_the_trip[0] < 2
    assert OUTAGE_SECONDS / 2 <= len(probes) <= OUTAGE_SECONDS + 1
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(probes))
    assert all(at < back_at for at in refused)
    assert sorted(s["request_id"] for s in ntpc.seen) == sorted(request_ids)


def test_two_workers_never_call_a_partner_faster_than_its_rate(api, aws, partners, monkeypatch):
    from collections import Counter

    configure(monkeypatch, PARTNER_RATE_LIMITS="ntpc=20,klcpl=3,taipei-card=20")
    workers = [load_module(aws.specs["LinkWorkerFunction"]) for _ in range(2)]
    simulated = SimulatedDelivery(aws, workers, monkeypatch)
    timed = TimedPartners(partners, simulated.clock)
    for module in workers:
        monkeypatch.setattr(module, "partner", lambda: timed)
    # Three seconds' worth at klcpl's 3 a second (each request costs a registration, an activation and a login).
    request_ids = queue_requests(aws, "klcpl", 9, api)

    simulated.run_until(
        lambda: set(link_items(aws, "klcpl").values()) == {"active"},
        within_seconds=30,
        what=f"every link active (now {Counter(link_items(aws, 'klcpl').values())})",
    )

    per_second = Counter(math.floor(at) for at in timed.times("klcpl"))
    assert max(per_second.values()) <= 3, per_second
    assert len(per_second) >= 3
    assert sorted(s["request_id"] for s in partners.partners["klcpl"].seen) == sorted(request_ids)


class FailsOnce:
    """A partner that answers its first call with a passing failure, then works."""

    def __init__(self, partners):
        self.partners, self.calls = partners, 0

    def send(self, partner, action, request_id, payload):
        from onecard.partners.client import PartnerAnswer

        self.calls += 1
        return (
            PartnerAnswer("retry", reason="HTTP 503")
            if self.calls == 1
            else self.partners.send(partner, action, request_id, payload)
        )


def test_a_passing_partner_failure_is_tried_again_within_the_same_delivery(api, aws, worker, partners, monkeypatch):
    flaky = FailsOnce(partners)
    monkeypatch.setattr(worker, "partner", lambda: flaky)
    request_id = pending_link(api)
    aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))

    assert deliver(aws, worker) == set()
    assert flaky.calls == 2 and my_link(api)["status"] == "active"
