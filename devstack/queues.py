"""What Lambda's SQS event source mapping does, for each function with an SQS event in template.yaml."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from devstack.functions import FunctionSpec

Invoke = Callable[[str, dict[str, Any]], Any]


def _record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: str(v) for k, v in message.get("Attributes", {}).items()},
        "messageAttributes": {
            k: {"stringValue": v.get("StringValue"), "dataType": v.get("DataType")}
            for k, v in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "ap-northeast-1",
    }


def poll_queue(
    sqs: Any,
    spec: FunctionSpec,
    properties: dict[str, Any],
    queue_url: str,
    queue_arn: str,
    invoke: Invoke,
    stop: threading.Event,
    idle_wait: float = 0.2,
) -> None:
    batch_size = min(int(properties.get("BatchSize", 10)), 10)
    partial = "ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or [])
    while not stop.is_set():
        try:
            answer = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=batch_size,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        except Exception:
            stop.wait(idle_wait)
            continue
        messages = answer.get("Messages", [])
        if not messages:
            stop.wait(idle_wait)
            continue
        event = {"Records": [_record(m, queue_arn) for m in messages]}
        try:
            result = invoke(spec.name, event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])} if partial else set()
        except Exception:
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
