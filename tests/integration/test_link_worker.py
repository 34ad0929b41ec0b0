"""The link worker on emulated SQS and DynamoDB, with simulated partners injected behind the client interface."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from devstack.functions import LambdaContext, load_module
from partner_simulator.core import SimulatedPartners
from tests.integration.test_partner_callbacks import pending_link
from tests.support.flows import sqs_records
from tests.support.running_stack import eventually


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
    request_id = pending_link(api)
    aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))

    eventually(
        lambda: deliver(aws, worker) is not None and my_link(api)["status"] == "failed",
        seconds=15,
        what="the link failing once its budget is spent",
    )

    assert "Messages" not in aws.client("sqs").receive_message(
        QueueUrl=queue(aws), MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    in_dlq = aws.client("sqs").receive_message(QueueUrl=aws.resources.queue_urls["LinkDeadLetterQueue"])
    assert json.loads(in_dlq["Messages"][0]["Body"])["request_id"] == request_id
    tries = partners.partners["ntpc"].refused
    assert len(tries) >= 4 and tries[-1]["at"] - tries[0]["at"] >= 1.5  # tried again and again within the budget
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
    ntpc = partners.partners["ntpc"]
    ntpc.faults.error_rate = 1.0
    request_ids = queue_requests(aws, "ntpc", 4, api)

    down_for = time.monotonic() + 6
    while time.monotonic() < down_for:
        deliver(aws, worker)
        time.sleep(0.05)
    back_at = time.time()
    ntpc.faults.error_rate = 0.0
    eventually(
        lambda: deliver(aws, worker) is not None and set(link_items(aws, "ntpc").values()) == {"active"},
        seconds=20,
        what=lambda: f"every link active (now {link_items(aws, 'ntpc')})",
    )

    assert set(link_items(aws, "ntpc")) == set(request_ids)
    assert "Messages" not in aws.client("sqs").receive_message(QueueUrl=aws.resources.queue_urls["LinkDeadLetterQueue"])
    refused = sorted(r["at"] for r in ntpc.refused)
    # The first batch calls (each request and its quick second try, spread over up to ~1.5 s on a busy machine)
    # before the breaker trips; after that, one probe a second.
    first_batch = [at for at in refused if at - refused[0] < 2.0]
    probes = [at for at in refused if at - refused[0] >= 2.0]
    assert len(first_batch) <= 8 + 2  # and the first probes, one a second
    assert len(refused) <= 8 + 7, "calls beyond the first batch and one probe a second while down"
    assert len(probes) >= 3, "the outage outlasted more than the old five tries"
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(probes))
    assert all(at < back_at for at in refused)
    assert sorted(s["request_id"] for s in ntpc.seen) == sorted(request_ids)


def test_two_workers_never_call_a_partner_faster_than_its_rate(api, aws, partners, monkeypatch):
    import threading
    from collections import Counter

    configure(monkeypatch, PARTNER_RATE_LIMITS="ntpc=20,klcpl=3,taipei-card=20")
    workers = [load_module(aws.specs["LinkWorkerFunction"]) for _ in range(2)]
    for module in workers:
        monkeypatch.setattr(module, "partner", lambda: partners)
    request_ids = queue_requests(aws, "klcpl", 15, api)
    stop = threading.Event()

    def work(module):
        while not stop.is_set():
            deliver(aws, module)
            time.sleep(0.02)

    threads = [threading.Thread(target=work, args=(module,)) for module in workers]
    for thread in threads:
        thread.start()
    try:
        eventually(
            lambda: set(link_items(aws, "klcpl").values()) == {"active"},
            seconds=60,
            what=lambda: f"every link active (now {Counter(link_items(aws, 'klcpl').values())})",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    per_second = Counter(int(s["at"]) for s in partners.partners["klcpl"].seen)
    assert max(per_second.values()) <= 3, per_second
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
