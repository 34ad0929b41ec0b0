"""The link worker: SQS batches of link/unlink requests, partners called concurrently, each request once. The
delivery rules are the layer's (onecard.links.delivery); this handler parses the batch, calls them and maps what
they decide to the batch's answer."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from onecard import wiring
from onecard.config import settings
from onecard.infra.aws import client
from onecard.infra.link_queue import SqsLinkQueue
from onecard.links.delivery import Clock, Delivery, DeliveryDependencies, LinkDelivery, SystemClock, partner_payload
from onecard.links.delivery_rules import Waiting
from onecard.observability import metrics, start_tracing
from onecard.partners.client import PartnerClient

# Failures are reported item by item even when the whole batch fails, so each keeps its own backoff.
processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=client("dynamodb"))
idempotency = IdempotencyConfig(event_key_jmespath="request_id", expires_after_seconds=7 * 86400)

# One thread per record of a full batch: partner calls wait on the network, and asyncio's default pool is sized
# for CPU work (cores + 4), which would split a batch of 10 into two waves.
_calls = ThreadPoolExecutor(max_workers=10, thread_name_prefix="partner-call")

clock: Clock = SystemClock()
draw: Callable[[], float] = random.random  # jitter of waits


def partner() -> PartnerClient:
    return wiring.partner_client()


@idempotent_function(data_keyword_argument="message", config=idempotency, persistence_store=persistence)
def once(message: dict[str, Any], call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return call()


def queue() -> SqsLinkQueue:
    return SqsLinkQueue(client("sqs"), settings().link_queue_url, settings().link_dead_letter_queue_url)


def delivery() -> LinkDelivery:
    return LinkDelivery(
        DeliveryDependencies(
            partner=partner,
            breakers=wiring.partner_breakers(),
            rate_counter=wiring.partner_rate_counter(),
            link_status=wiring.link_status(),
            queue=queue(),
            payload=partner_payload,
            signing_secret=wiring.partner_secret,
            once=once,
            settings=settings(),
            clock=clock,
            draw=draw,
        )
    )


class PutBack(Exception):
    """The request went back to the queue: a failed item of the batch (SQS gives it again later)."""


def _deliver(record: SQSRecord, message: dict[str, Any]) -> dict[str, Any]:
    receives, sent = int(record.attributes.approximate_receive_count), record.attributes.sent_timestamp
    decided = delivery().deliver(Delivery(message, record.body, record.receipt_handle, receives, sent))
    if isinstance(decided, Waiting):
        raise PutBack(f"back in {decided.seconds} s ({decided.why})")
    return {"outcome": decided.outcome}


async def record_handler(record: SQSRecord) -> dict[str, Any]:
    message = json.loads(record.body)
    try:
        return await asyncio.get_running_loop().run_in_executor(_calls, functools.partial(_deliver, record, message))
    except IdempotencyAlreadyInProgressError:
        # The same request is being handled by another delivery right now: look again shortly.
        queue().put_back(record.receipt_handle, max(1, settings().link_retry_base_seconds))
        raise
    except PutBack:
        raise
    except Exception:
        # One of the worker's own AWS calls failed (throttled past the SDK's retries, say): look again after the
        # base delay rather than the queue's visibility timeout (3 minutes). A request that fails so every time
        # still reaches the dead-letter queue after maxReceiveCount receives.
        with contextlib.suppress(Exception):
            queue().put_back(record.receipt_handle, max(1, settings().link_retry_base_seconds))
        raise


@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    start_tracing()
    idempotency.register_lambda_context(context)
    return async_process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
