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
