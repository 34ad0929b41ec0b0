"""Partner secrets the stack creates as a placeholder: nothing is signed or verified with one until an operator
sets the agreed value, and a rotated value is used without a new container."""

from __future__ import annotations

import json
import time

import pytest

from devstack.functions import load_module
from onecard import wiring
from onecard.partners import protocol
from onecard.partners.client import HttpPartnerClient
from tests.integration.test_link_worker import deliver, my_link, outbox_message, queue
from tests.integration.test_partner_callbacks import pending_link, send
from tests.support.recording_http import RecordingHttp


def set_secret(aws, name: str, value: str) -> None:
    aws.client("secretsmanager").put_secret_value(SecretId=aws.resources.secret_ids[name], SecretString=value)
    from onecard.infra import secrets

    secrets.forget()  # the functions' five-minute cache, which a deployed container would wait out


@pytest.fixture
def http_worker(aws, monkeypatch):
    """The worker with the real HTTP partner client (secrets from the store), its network replaced by a recorder."""
    http = RecordingHttp()
    client = HttpPartnerClient(
        {"ntpc": "https://ntpc.test", "klcpl": "https://klcpl.test", "taipei-card": "https://taipei-card.test"},
        wiring.partner_secret,
    )
    client._http = http
    module = load_module(aws.specs["LinkWorkerFunction"])
    monkeypatch.setattr(module, "partner", lambda: client)
    return module, http


def test_a_callback_is_refused_with_503_while_the_partner_secret_is_the_stacks_placeholder(api, aws):
    request_id = pending_link(api)
    set_secret(aws, "NtpcPartnerSecret", "UNSET")
    event = {"event_id": "E-placeholder", "request_id": request_id, "status": "active"}

    answer = send(api, "ntpc", event, b"UNSET")

    assert answer.status == 503, answer.body
    assert answer.json()["type"] == "/problems/service-unavailable"
    assert my_link(api)["status"] == "pending"


def test_the_worker_sends_nothing_while_the_partner_secret_is_unset_and_links_once_it_is_set(api, aws, http_worker):
    worker, http = http_worker
    request_id = pending_link(api)
    aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))
    set_secret(aws, "NtpcPartnerSecret", "UNSET")

    failed = deliver(aws, worker)

    assert len(failed) == 1 and http.sent == []
    assert my_link(api)["status"] == "pending"

    agreed = "a" * 40
    set_secret(aws, "NtpcPartnerSecret", agreed)
    # The failed delivery would come back after its visibility timeout (as after a redrive); send it again now.
    aws.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=outbox_message(aws, request_id))
    assert deliver(aws, worker) == set()

    sent = http.sent[0]
    assert protocol.verify(agreed.encode(), sent["headers"], sent["body"], time.time()) is not None
    assert json.loads(sent["body"])["request_id"] == request_id
    assert my_link(api)["status"] == "active"


def test_a_rotated_partner_secret_signs_the_next_call_of_the_same_client(aws, http_worker):
    worker, http = http_worker
    client = worker.partner()
    set_secret(aws, "NtpcPartnerSecret", "old-" + "o" * 40)
    client.send("ntpc", "unlink", "LR1", {"request_id": "LR1"})
    set_secret(aws, "NtpcPartnerSecret", "new-" + "n" * 40)
    client.send("ntpc", "unlink", "LR2", {"request_id": "LR2"})

    first, second = http.sent
    assert protocol.verify(("old-" + "o" * 40).encode(), first["headers"], first["body"], time.time())
    assert protocol.verify(("new-" + "n" * 40).encode(), second["headers"], second["body"], time.time())
