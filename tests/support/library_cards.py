"""The library-card writes as the stack carries them: the outbox relay, then the library-card worker on the queue."""

from __future__ import annotations

import time
from typing import Any

from tests.support.flows import relay_outbox, sqs_records


def library_card_queue(aws) -> str:
    return aws.resources.queue_urls["LibraryCardQueue"]


def deliver_library_cards(aws, *, wait_seconds: float = 0) -> list[dict[str, Any]]:
    """Relays the outbox, then hands every visible message of the library-card queue to its worker (waiting up to
    ``wait_seconds`` for messages put back to become visible). The messages received, with ``failed`` set for
    those the worker put back."""
    relay_outbox(aws)
    sqs, url = aws.client("sqs"), library_card_queue(aws)
    deadline = time.monotonic() + wait_seconds
    handled: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not messages:
            if handled or time.monotonic() >= deadline:
                return handled
            time.sleep(0.2)
            continue
        result = aws.invoke("LibraryCardWorkerFunction", {"Records": sqs_records(messages)})
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            handled.append({**message, "failed": message["MessageId"] in failed})


def library_card_flow(aws) -> None:
    """The library-card worker's paths for the permission walk: the writes waiting now, delivered; then, with the
    library system's breaker marked down, one write held (put back) and one past its time budget (dead-lettered)."""
    import json

    deliver_library_cards(aws)
    sessions = aws.resources.table_names["SessionsTable"]
    dynamodb = aws.client("dynamodb")
    breaker = {"pk": {"S": "PARTNER#library-system"}}
    dynamodb.put_item(
        TableName=sessions,
        Item={**breaker, "failures": {"N": "5"}, "down_since": {"N": str(time.time())}, "probe_at": {"N": "9e12"}},
    )
    write = {"kind": "library_card", "action": "sync", "reader_id": "R" + "0" * 20, "queued_at": ""}
    sqs, url = aws.client("sqs"), library_card_queue(aws)
    for request_id, extra in (("LC" + "0" * 20, {}), ("LC" + "1" * 20, {"first_sent_at": 1})):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({**write, "request_id": request_id, **extra}))
    deliver_library_cards(aws)
    dynamodb.delete_item(TableName=sessions, Key=breaker)
