"""The link worker: SQS batches of link/unlink requests, partners called concurrently, each request once."""

from __future__ import annotations

import asyncio
import functools
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from onecard import wiring
from onecard.config import settings
from onecard.consent.documents import default_library
from onecard.infra.aws import client
from onecard.observability import logger, metrics
from onecard.partners.client import PartnerAnswer, PartnerClient
from onecard.partners.protocol import PartnerSecretNotSet, minimised

# Failures are reported item by item even when the whole batch fails, so each keeps its own backoff.
processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
persistence = DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=client("dynamodb"))
idempotency = IdempotencyConfig(event_key_jmespath="request_id", expires_after_seconds=7 * 86400)


# One thread per record of a full batch: partner calls wait on the network, and asyncio's default pool is sized
# for CPU work (cores + 4), which would split a batch of 10 into two waves.
_calls = ThreadPoolExecutor(max_workers=10, thread_name_prefix="partner-call")


class PartnerUnavailable(Exception):
    """5xx, timeout or connection error: the message is retried with backoff."""


def partner() -> PartnerClient:
    return wiring.partner_client()


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    reader_id = message["reader_id"]
    base = {"request_id": message["request_id"], "reader_id": reader_id}
    if message["action"] not in ("link", "update"):
        return base
    profile = wiring.readers().get_profile(reader_id) or {}
    document = default_library().get(message["partner"], int(message["document_version"]))
    id_number = wiring.cipher().decrypt(profile["id_number_encrypted"], associated_data=f"{reader_id}:id_number")
    return {**base, **minimised(profile, document.data_fields, id_number)}


# A partner's passing failure (a 503 while it restarts) is often over within a second: one quick second try in the
# same delivery spares a reader the queue's backoff. Only after a fast answer: a timeout has spent its time already.
QUICK_RETRY_AFTER_SECONDS = 0.5
QUICK_ANSWER_SECONDS = 2.0


def _send(message: dict[str, Any]) -> PartnerAnswer:
    payload = _payload(message)
    started = time.monotonic()
    answer = partner().send(message["partner"], message["action"], message["request_id"], payload)
    if answer.outcome == "retry" and time.monotonic() - started < QUICK_ANSWER_SECONDS:
        time.sleep(QUICK_RETRY_AFTER_SECONDS * (0.5 + random.random()))
        answer = partner().send(message["partner"], message["action"], message["request_id"], payload)
    return answer


@idempotent_function(data_keyword_argument="message", config=idempotency, persistence_store=persistence)
def handle(message: dict[str, Any]) -> dict[str, Any]:
    answer = _send(message)
    if answer.outcome == "retry":
        raise PartnerUnavailable(answer.reason or "partner unavailable")
    status = {"active": "active", "unlinked": "unlinked", "rejected": "rejected"}.get(answer.outcome)
    if status:
        wiring.link_status().set(message["reader_id"], message["partner"], message["request_id"], status,
                                 int(time.time() * 1000), partner_card_number=answer.partner_card_number,
                                 reason=answer.reason)
    return {"outcome": answer.outcome}


async def record_handler(record: SQSRecord) -> dict[str, Any]:
    message = json.loads(record.body)
    attempt = int(record.attributes.approximate_receive_count)
    try:
        return await asyncio.get_running_loop().run_in_executor(_calls, functools.partial(handle, message=message))
    except PartnerSecretNotSet as error:
        # An operator's task, not a partner outage: the request waits (then dead-letters) rather than failing.
        logger.error("link request not sent: partner secret not set",
                     extra={"request_id": message["request_id"], "partner": message["partner"], "reason": str(error)})
        raise
    except IdempotencyAlreadyInProgressError:
        # The same request is being handled by another delivery right now: look again shortly.
        client("sqs").change_message_visibility(QueueUrl=settings().link_queue_url,
                                                ReceiptHandle=record.receipt_handle,
                                                VisibilityTimeout=settings().link_retry_base_seconds)
        raise
    except PartnerUnavailable as error:
        s = settings()
        if attempt >= s.link_max_attempts:
            wiring.link_status().set(message["reader_id"], message["partner"], message["request_id"], "failed",
                                     int(time.time() * 1000), reason=f"合作館暫時無法回應 ({error})")
            metrics.add_metric(name="LinkFailed", unit=MetricUnit.Count, value=1)
            logger.warning("link request failed for good", extra={"request_id": message["request_id"]})
            # Visible again at once, so the queue's redrive policy moves it to the dead-letter queue now.
            client("sqs").change_message_visibility(QueueUrl=s.link_queue_url, ReceiptHandle=record.receipt_handle,
                                                    VisibilityTimeout=0)
        else:
            delay = s.link_retry_base_seconds * 2 ** (attempt - 1)
            client("sqs").change_message_visibility(QueueUrl=s.link_queue_url, ReceiptHandle=record.receipt_handle,
                                                    VisibilityTimeout=min(delay, 43200))
        raise


@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    return async_process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                          context=context)
