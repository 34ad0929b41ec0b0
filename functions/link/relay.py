"""The outbox relay: committed link requests (OUTBOX items) go to the link queue, committed writes for the library
system to the library-card queue, and committed mails to the mail service, then leave the outbox.

DynamoDB Streams retries a failed batch, so a request committed but not yet sent is never lost.
"""

from __future__ import annotations

import json
from typing import Any

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from onecard import wiring
from onecard.config import settings
from onecard.infra.aws import client
from onecard.library_cards import LIBRARY_CARD
from onecard.lifecycle import password_reset
from onecard.lifecycle.email_verification import VERIFICATION_MAIL, send_from_outbox
from onecard.mail import notices
from onecard.observability import start_tracing

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image or not str(image.get("sk", "")).startswith("OUTBOX#"):
        return
    key = {"pk": {"S": str(image["pk"])}, "sk": {"S": str(image["sk"])}}
    # Only what is still in the outbox is sent: a record replayed after its send (stream retries) is skipped.
    if "Item" not in client("dynamodb").get_item(TableName=settings().readers_table, Key=key, ConsistentRead=True):
        return
    message = json.loads(str(image["message"]))
    kind = message.get("kind")
    if kind in (VERIFICATION_MAIL, password_reset.RESET_MAIL, notices.NOTICE_MAIL):
        if kind == VERIFICATION_MAIL:
            send_from_outbox(message, wiring.identity_indexes(), wiring.mailer(), wiring.verification_link)
        elif kind == password_reset.RESET_MAIL:
            password_reset.send_from_outbox(
                message, wiring.identity_indexes(), wiring.mailer(), wiring.password_reset_link
            )
        else:
            notices.send_notice(message, wiring.mailer(), wiring.personal_study_link)
        client("dynamodb").delete_item(TableName=settings().readers_table, Key=key)
        return
    request_id = str(image["sk"]).split("#", 1)[1]
    client("sqs").send_message(
        # a write for the library system goes to its own queue, the link requests to the partners'
        QueueUrl=settings().library_card_queue_url if kind == LIBRARY_CARD else settings().link_queue_url,
        MessageBody=str(image["message"]),
        MessageAttributes={"request_id": {"DataType": "String", "StringValue": request_id}},
    )
    client("dynamodb").delete_item(TableName=settings().readers_table, Key=key)


def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    start_tracing()
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
