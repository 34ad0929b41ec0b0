"""An erasure says `completed` only when every item is gone, and afterwards nothing but the consent receipt chain
(kept on purpose) names the reader."""

from __future__ import annotations

import pytest

from tests.integration.test_application_expiry import mentions_of
from tests.support.flows import relay_outbox
from tests.support.lifecycle import active_reader, log_in, unique_person


def a_reader_with_history(api) -> tuple[dict, str, dict]:
    """An active reader who changed the e-mail address twice and asked for, ended and asked for links again."""
    body, accepted = active_reader(api, email="first@example.com", **unique_person())
    csrf = log_in(api, body)
    for address in ("second@example.com", "third@example.com"):
        assert api.patch("/v1/readers/me", {"email": address}, headers=csrf).status == 200
    sha = {p: api.get(f"/v1/consent-documents/{p}").json()["sha256"] for p in ("klcpl", "ntpc")}
    assert (
        api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha["klcpl"]}, headers=csrf).status
        == 202
    )
    assert api.delete("/v1/readers/me/links/klcpl", headers=csrf).status == 202
    assert (
        api.post("/v1/readers/me/links", {"partner": "ntpc", "document_sha256": sha["ntpc"]}, headers=csrf).status
        == 202
    )
    return body, accepted["reader_id"], csrf


def test_after_an_erasure_only_the_consent_receipts_name_the_reader(api, aws, read_mail):
    body, reader_id, csrf = a_reader_with_history(api)

    erased = api.post("/v1/readers/me/erasure", {"password": body["password"]}, headers=csrf)
    relay_outbox(aws)  # the partners' unlink requests leave the outbox for the queue

    assert erased.status == 202 and erased.json()["status"] == "completed"
    assert mentions_of(aws, reader_id) == {"ConsentTable"}


class Throttling:
    """A DynamoDB client that leaves part of every batch unprocessed, as DynamoDB does when throttled."""

    def __init__(self, client, unprocessed_batches: int):
        self._client = client
        self.left = unprocessed_batches
        self.batches = 0

    def __getattr__(self, name):
        return getattr(self._client, name)

    def batch_write_item(self, RequestItems):
        self.batches += 1
        if self.left == 0:
            return self._client.batch_write_item(RequestItems=RequestItems)
        self.left -= 1
        [(table, requests)] = RequestItems.items()
        done, held = requests[: len(requests) // 2], requests[len(requests) // 2 :]
        if done:
            self._client.batch_write_item(RequestItems={table: done})
        return {"UnprocessedItems": {table: held}}


@pytest.fixture
def throttled_dynamodb(aws, monkeypatch):
    from onecard.infra import dynamo
    from register import reader_routes

    throttling = Throttling(aws.client("dynamodb"), unprocessed_batches=0)
    original = reader_routes.client
    monkeypatch.setattr(reader_routes, "client", lambda name: throttling if name == "dynamodb" else original(name))
    monkeypatch.setattr(dynamo, "BATCH_TRIES", 4)
    monkeypatch.setattr(dynamo.time, "sleep", lambda seconds: None)
    return throttling


def test_an_erasure_throttled_for_a_while_retries_and_completes(api, aws, read_mail, throttled_dynamodb):
    body, reader_id, csrf = a_reader_with_history(api)
    throttled_dynamodb.left = 2

    erased = api.post("/v1/readers/me/erasure", {"password": body["password"]}, headers=csrf)
    relay_outbox(aws)

    assert erased.status == 202 and erased.json()["status"] == "completed"
    assert throttled_dynamodb.left == 0
    assert mentions_of(aws, reader_id) == {"ConsentTable"}


def test_an_erasure_that_stays_throttled_is_not_reported_completed_and_can_be_asked_again(
    api, aws, read_mail, throttled_dynamodb
):
    body, reader_id, csrf = a_reader_with_history(api)
    throttled_dynamodb.left = 1000

    refused = api.post("/v1/readers/me/erasure", {"password": body["password"]}, headers=csrf)

    assert refused.status == 503 and refused.header("Retry-After")
    erasure_records = [
        i
        for i in aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"]
        if i["pk"]["S"].startswith(("ERASURE#", "ERASED#"))
    ]
    assert erasure_records == []  # no tombstone, no `completed`
    throttled_dynamodb.left = 0
    csrf = log_in(api, body)  # the reader is still there and can ask again
    again = api.post("/v1/readers/me/erasure", {"password": body["password"]}, headers=csrf)
    relay_outbox(aws)
    assert again.status == 202 and again.json()["status"] == "completed"
    assert mentions_of(aws, reader_id) == {"ConsentTable"}
