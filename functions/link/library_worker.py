"""The library-card worker: SQS batches of writes for the library system (a provisional patron, the counter's
upgrade, the password, a deletion) and of reads of a card holder's patron record (the phones a login's SIP2 answer
cannot tell), each with the partners' manners (onecard.library_cards.delivery)."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from typing import Any

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from onecard import wiring
from onecard.config import settings
from onecard.domain.moments import iso_millis
from onecard.ils.records import LibrarySystemUnavailable, PatronRecords
from onecard.infra.aws import client
from onecard.library_cards import delivery
from onecard.links import delivery_rules
from onecard.links.manners import Manners
from onecard.observability import logger, metrics, start_tracing

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class Waiting(Exception):
    """The write was put back in the queue (the library system down, over its rate, or backing off)."""


def records() -> PatronRecords:
    """The library system's write-capable door (Koha's REST API); while the stack has none configured, its writes
    wait as for a library system that is down."""
    door = wiring.patron_records()
    if door is None:
        raise LibrarySystemUnavailable("the stack has no REST door to the library system (IlsRestBaseUrl)")
    return door


def _deps(holder: str) -> delivery.DeliveryDependencies:
    s = settings()
    cipher = wiring.cipher()
    return delivery.DeliveryDependencies(
        repository=wiring.library_cards(),
        readers=wiring.readers(),
        records=records,
        decrypt=lambda envelope, associated: cipher.decrypt(envelope, associated_data=associated),
        breakers=wiring.partner_breakers(),
        rate_counter=wiring.partner_rate_counter(),
        manners=Manners.of(s, delivery.LIBRARY_SYSTEM),
        clock=time.time,
        sleep=time.sleep,
        draw=random.random,
        holder=holder,
        valid_years=s.card_valid_years,
        iso=lambda epoch: iso_millis(dt.datetime.fromtimestamp(epoch, dt.UTC)),
        from_record=_from_record,
    )


def _from_record(profile: dict[str, Any], stored: Any, now: float) -> Any:
    """onecard.readers.library_refresh.from_record, imported by the first record read (a write never needs it)."""
    from onecard.readers.library_refresh import from_record

    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    return from_record(profile, stored, iso_millis(moment), int(now))


def record_handler(record: SQSRecord) -> str:
    message = json.loads(record.body)
    first_sent_at = delivery_rules.first_sent_at(message, record.attributes.sent_timestamp, time.time())
    # How long the oldest write has waited, whatever became of it: the alarm of an hour reads this.
    metrics.add_metric(name="LibraryCardWriteWaitSeconds", unit=MetricUnit.Seconds, value=time.time() - first_sent_at)
    receives = int(record.attributes.approximate_receive_count or 1)
    outcome = delivery.handle(message, first_sent_at, _deps(f"{record.message_id}:{uuid.uuid4().hex}"), receives)
    if outcome.failed_for_good:
        metrics.add_metric(name="LibraryCardWriteFailed", unit=MetricUnit.Count, value=1)
        client("sqs").send_message(QueueUrl=settings().library_card_dead_letter_queue_url, MessageBody=record.body)
    elif outcome.wait is not None:
        client("sqs").change_message_visibility(
            QueueUrl=settings().library_card_queue_url,
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=max(1, outcome.wait),
        )
        raise Waiting(f"{outcome.why}: back in {outcome.wait} s")
    logger.info("library system write", extra={"request_id": message["request_id"], "outcome": outcome.result})
    return outcome.result


@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    start_tracing()
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
