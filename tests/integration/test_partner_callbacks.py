"""Partners' callbacks: signed, fresh, applied once, and never undone by an older answer."""

from __future__ import annotations

import json
import time

import pytest

from onecard.partners import protocol
from tests.support.lifecycle import active_reader


def pending_link(api, partner="ntpc"):
    """A link request of a reader whose card was collected at a counter: it is sent to the partner at once."""
    body, _ = active_reader(api)
    csrf = api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).json()["csrf_token"]
    sha = api.get(f"/v1/consent-documents/{partner}").json()["sha256"]
    answer = api.post(
        "/v1/readers/me/links", {"partner": partner, "document_sha256": sha}, headers={"X-CSRF-Token": csrf}
    )
    assert answer.status == 202, answer.body
    return answer.json()["request_id"]


def secret(aws, partner="ntpc") -> bytes:
    name = {"ntpc": "NtpcPartnerSecret"}[partner]
    return (
        aws.client("secretsmanager").get_secret_value(SecretId=aws.resources.secret_ids[name])["SecretString"].encode()
    )


def send(api, partner, event, key, at=None):
    body = json.dumps(event).encode()
    headers = protocol.signed_headers(key, event["request_id"], at or int(time.time()), body)
    return api.request("POST", f"/v1/partners/{partner}/callbacks", raw_body=body, headers=headers)


def status(api):
    return api.get("/v1/readers/me/links").json()["links"][0]


def test_a_signed_callback_activates_the_link_and_a_replay_changes_nothing(api, aws):
    request_id = pending_link(api)
    event = {"event_id": "E1", "request_id": request_id, "status": "active", "partner_card_number": "N-1"}

    assert send(api, "ntpc", event, secret(aws)).status == 204
    assert status(api)["status"] == "active" and status(api)["partner_card_number"] == "N-1"
    assert send(api, "ntpc", {**event, "partner_card_number": "N-2"}, secret(aws)).status == 204
    assert status(api)["partner_card_number"] == "N-1"


def test_forged_and_stale_callbacks_are_401_and_change_nothing(api, aws):
    request_id = pending_link(api)
    event = {"event_id": "E2", "request_id": request_id, "status": "active"}

    assert send(api, "ntpc", event, b"not-the-secret").status == 401
    assert send(api, "ntpc", event, secret(aws), at=int(time.time()) - 301).status == 401
    unsigned = api.request("POST", "/v1/partners/ntpc/callbacks", raw_body=json.dumps(event).encode())
    assert unsigned.status == 401
    assert status(api)["status"] == "pending"


@pytest.mark.parametrize(
    "header, value",
    [
        (protocol.SIGNATURE_HEADER, "é" * 64),
        (protocol.SIGNATURE_HEADER, "签名"),
        (protocol.TIMESTAMP_HEADER, "１７"),
        (protocol.TIMESTAMP_HEADER, "²"),
        (protocol.TIMESTAMP_HEADER, "9" * 400),
    ],
)
def test_a_malformed_signature_or_timestamp_header_is_401_not_an_error(api, aws, header, value):
    request_id = pending_link(api)
    body = json.dumps({"event_id": "E9", "request_id": request_id, "status": "active"}).encode()
    headers = {**protocol.signed_headers(secret(aws), request_id, int(time.time()), body), header: value}

    answer = api.request("POST", "/v1/partners/ntpc/callbacks", raw_body=body, headers=headers)

    assert answer.status == 401 and answer.header("Content-Type").startswith("application/problem+json")


def test_unknown_partners_and_requests_are_404(api, aws):
    request_id = pending_link(api)

    assert (
        send(api, "tainan", {"event_id": "E3", "request_id": request_id, "status": "active"}, secret(aws)).status == 404
    )
    assert send(api, "ntpc", {"event_id": "E4", "request_id": "LR-nope", "status": "active"}, secret(aws)).status == 404


def test_an_older_answer_arriving_after_a_newer_one_does_not_undo_it(api, aws):
    request_id = pending_link(api)
    now = int(time.time())
    send(api, "ntpc", {"event_id": "new", "request_id": request_id, "status": "active"}, secret(aws), at=now)

    send(
        api,
        "ntpc",
        {"event_id": "old", "request_id": request_id, "status": "rejected", "reason": "x"},
        secret(aws),
        at=now - 30,
    )

    assert status(api)["status"] == "active"


def test_a_family_card_cannot_ask_for_a_link_and_a_revised_document_hash_is_a_409(api):
    body, _ = active_reader(api)
    csrf = api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).json()["csrf_token"]

    outdated = api.post(
        "/v1/readers/me/links", {"partner": "ntpc", "document_sha256": "0" * 64}, headers={"X-CSRF-Token": csrf}
    )

    assert outdated.status == 409 and outdated.json()["current"]["version"] == 1
