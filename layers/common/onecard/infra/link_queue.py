"""The link queue as the worker uses it beyond receiving: putting a request back for a while, and moving one that
failed for good to the dead-letter queue."""

from __future__ import annotations

from typing import Any


class SqsLinkQueue:
    def __init__(self, sqs: Any, queue_url: str, dead_letter_queue_url: str):
        self._sqs = sqs
        self._queue_url = queue_url
        self._dead_letter_queue_url = dead_letter_queue_url

    def put_back(self, receipt_handle: str, seconds: int) -> None:
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )

    def dead_letter(self, body: str) -> None:
        self._sqs.send_message(QueueUrl=self._dead_letter_queue_url, MessageBody=body)
