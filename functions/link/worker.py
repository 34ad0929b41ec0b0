"""The link worker: SQS batches of link/unlink requests, partners called concurrently, each request once."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from onecard import wiring
from onecard.config import settings
from onecard.consent.documents import default_library
from onecard.infra.aws import client
from onecard.links import retry_policy
from onecard.observability import logger, metrics, start_tracing
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


class Slot(NamedTuple):
    """A call's ask for a slot of its partner's rate: whether it may go, and which ask it was in which second."""

    allowed: bool
    place: int  # the how-many-th ask in its second, this one included
    second: int


class OverRate(Exception):
    """The partner has had its agreed calls in this second."""

    def __init__(self, slot: Slot):
        super().__init__(f"ask {slot.place} in second {slot.second}")
        self.slot = slot


def _send(
    message: dict[str, Any], payload: dict[str, Any], slot: Slot, take_slot: Callable[[], Slot], quick_retry: bool
) -> PartnerAnswer:
    """The call goes in the second of the slot taken for it just before (only the idempotency record is written in
    between); a slot whose second has passed meanwhile is given up for one of the current second."""
    if slot.allowed and math.floor(time.time()) != slot.second:
        slot = take_slot()
    if not slot.allowed:
        raise OverRate(slot)
    started = time.monotonic()
    answer = partner().send(message["partner"], message["action"], message["request_id"], payload)
    if quick_retry and answer.outcome == "retry" and time.monotonic() - started < QUICK_ANSWER_SECONDS:
        time.sleep(QUICK_RETRY_AFTER_SECONDS * (0.5 + random.random()))
        if not take_slot().allowed:  # the second call counts against the partner's rate too
            return answer
        answer = partner().send(message["partner"], message["action"], message["request_id"], payload)
    return answer


@idempotent_function(data_keyword_argument="message", config=idempotency, persistence_store=persistence)
def handle(
    message: dict[str, Any], payload: dict[str, Any], slot: Slot, take_slot: Callable[[], Slot], probe: bool = False
) -> dict[str, Any]:
    """A probe of a down partner makes one call only (no quick second try)."""
    answer = _send(message, payload, slot, take_slot, quick_retry=not probe)
    if answer.outcome == "retry":
        raise PartnerUnavailable(answer.reason or "partner unavailable")
    status = {"active": "active", "unlinked": "unlinked", "rejected": "rejected"}.get(answer.outcome)
    if status:
        wiring.link_status().set(
            message["reader_id"],
            message["partner"],
            message["request_id"],
            status,
            int(time.time() * 1000),
            partner_card_number=answer.partner_card_number,
            reason=answer.reason,
        )
    return {"outcome": answer.outcome}


class Waiting(Exception):
    """The request was put back in the queue (held for a down partner, over its rate, or backing off)."""


def _first_sent_at(record: SQSRecord, message: dict[str, Any]) -> float:
    """When the relay first sent the request: the body's ``first_sent_at`` when a copy carries it, else the queue's
    SentTimestamp of this message."""
    if message.get("first_sent_at"):
        return float(message["first_sent_at"])
    sent = record.attributes.sent_timestamp
    return int(sent) / 1000 if sent else time.time()


def _put_back(record: SQSRecord, seconds: int) -> None:
    client("sqs").change_message_visibility(
        QueueUrl=settings().link_queue_url, ReceiptHandle=record.receipt_handle, VisibilityTimeout=seconds
    )


def _partner_metric(name: str, partner: str, value: float, unit: MetricUnit = MetricUnit.Count) -> None:
    with single_metric(name=name, unit=unit, value=value, default_dimensions=metrics.default_dimensions) as metric:
        metric.add_dimension(name="partner", value=partner)


def _waiting(record: SQSRecord, partner: str, seconds: int) -> Waiting:
    """Puts the request back for ``seconds``; its first wait counts it in the partner's backlog."""
    if int(record.attributes.approximate_receive_count) == 1:
        wiring.partner_breakers().add_to_backlog(partner, 1)
    _put_back(record, seconds)
    return Waiting(f"back in {seconds} s")


def _settled(record: SQSRecord, partner: str) -> None:
    """A request that had waited leaves the partner's backlog."""
    if int(record.attributes.approximate_receive_count) > 1:
        wiring.partner_breakers().add_to_backlog(partner, -1)


def _fail_for_good(record: SQSRecord, message: dict[str, Any], why: str) -> dict[str, Any]:
    """Past the budget: the link is failed and the request moves to the dead-letter queue (sent there by the
    worker, since the number of receives says nothing about the time spent)."""
    s = settings()
    wiring.link_status().set(
        message["reader_id"],
        message["partner"],
        message["request_id"],
        "failed",
        int(time.time() * 1000),
        reason=f"合作館暫時無法回應 ({why})",
    )
    metrics.add_metric(name="LinkFailed", unit=MetricUnit.Count, value=1)
    logger.warning("link request failed for good", extra={"request_id": message["request_id"], "reason": why})
    client("sqs").send_message(QueueUrl=s.link_dead_letter_queue_url, MessageBody=record.body)
    _settled(record, message["partner"])
    return {"outcome": "failed"}


def _take_rate_slot(partner: str) -> Slot:
    """The partner's agreed calls per second, counted for all workers together in whole seconds of the time the
    call starts."""
    limit = settings().partner_rates().get(partner)
    if limit is None:
        return Slot(True, 0, math.floor(time.time()))
    slot = Slot(False, 0, 0)
    for _ in range(LATE_SLOT_TRIES):
        second, wait = retry_policy.slot_window(time.time(), RATE_SLOT_MARGIN_SECONDS)
        if wait:
            time.sleep(wait)
        count = wiring.partner_rate_counter().take(partner, second)
        slot = Slot(count <= limit, count, second)
        if count > limit or math.floor(time.time()) == second:
            return slot
        # Taken late (the count itself took long): given up rather than used in the next second, where it was not
        # counted. Its turn is now, so it asks again at once rather than through the queue.
        slot = slot._replace(allowed=False)
    return slot


# A call that starts this close to the end of a second could reach the partner in the next one.
RATE_SLOT_MARGIN_SECONDS = 0.05
# A slot may be taken late when DynamoDB answers slowly; a request asks again at most this many times in a row.
LATE_SLOT_TRIES = 3


def _gated_call(record: SQSRecord, message: dict[str, Any]) -> dict[str, Any]:
    """The partner's breaker, then its rate, then the call; every wait puts the request back without a try."""
    s, partner, now = settings(), message["partner"], time.time()
    first_sent_at = _first_sent_at(record, message)
    breakers = wiring.partner_breakers()
    health = breakers.read(partner)
    decision = retry_policy.gate(health, now)
    if decision is retry_policy.Gate.PROBE and not breakers.elect_prober(partner, health, now, s.partner_probe_seconds):
        decision = retry_policy.Gate.HOLD
    if decision is retry_policy.Gate.HOLD:
        _partner_metric("PartnerDownSeconds", partner, now - float(health.down_since or now), MetricUnit.Seconds)
        if retry_policy.out_of_budget(first_sent_at, now, s.link_retry_for_seconds):
            return _fail_for_good(record, message, "合作館停止服務超過重試期限")
        raise _waiting(
            record,
            partner,
            retry_policy.hold_delay(
                now - float(health.down_since or now),
                backlog=health.backlog,
                rate=s.partner_rates().get(partner),
                probe_seconds=s.partner_probe_seconds,
                cap=s.link_retry_max_delay_seconds,
                until_deadline=retry_policy.deadline(first_sent_at, s.link_retry_for_seconds) - now,
                draw=random.random(),
            ),
        )
    try:
        payload = _payload(message)
        wiring.partner_secret(partner)  # read now (or from the cache), so nothing slow comes between slot and call
        # The slot is taken before the idempotency record is written: a request over the rate costs no writes.
        slot = _take_rate_slot(partner)
        if not slot.allowed:
            raise OverRate(slot)
        result = handle(
            message=message,
            payload=payload,
            slot=slot,
            take_slot=lambda: _take_rate_slot(partner),
            probe=decision is retry_policy.Gate.PROBE,
        )
    except OverRate as over:
        _partner_metric("PartnerRateWaits", partner, 1)
        raise _waiting(
            record,
            partner,
            retry_policy.rate_wait_delay(
                over.slot.place,
                s.partner_rates()[partner],
                over.slot.second,
                time.time(),
                backlog=health.backlog,
                cap=s.link_retry_max_delay_seconds,
                draw=random.random(),
            ),
        ) from None
    except PartnerSecretNotSet as error:
        # An operator's task, not a partner outage: the request waits (within its budget) rather than failing.
        logger.error(
            "link request not sent: partner secret not set",
            extra={"request_id": message["request_id"], "partner": partner, "reason": str(error)},
        )
        if retry_policy.out_of_budget(first_sent_at, time.time(), s.link_retry_for_seconds):
            return _fail_for_good(record, message, "合作館金鑰未設定")
        raise _waiting(
            record,
            partner,
            retry_policy.retry_delay(
                first_sent_at,
                time.time(),
                base=s.link_retry_base_seconds,
                cap=s.link_retry_max_delay_seconds,
                retry_for=s.link_retry_for_seconds,
                draw=random.random(),
            ),
        ) from error
    except PartnerUnavailable as error:
        now = time.time()
        after, tripped = breakers.record_failure(
            partner, now, trip_after=s.partner_trip_after_failures, probe_seconds=s.partner_probe_seconds
        )
        if tripped:
            _partner_metric("PartnerDown", partner, 1)
            logger.warning("partner marked down", extra={"partner": partner, "failures": after.failures})
        if retry_policy.out_of_budget(first_sent_at, now, s.link_retry_for_seconds):
            return _fail_for_good(record, message, str(error))
        raise _waiting(
            record,
            partner,
            retry_policy.retry_delay(
                first_sent_at,
                now,
                base=s.link_retry_base_seconds,
                cap=s.link_retry_max_delay_seconds,
                retry_for=s.link_retry_for_seconds,
                draw=random.random(),
            ),
        ) from error
    if health.failures or health.down:
        down_since = breakers.record_answer(partner)
        if down_since is not None:
            _partner_metric("PartnerDownSeconds", partner, 0, MetricUnit.Seconds)
            logger.info("partner back", extra={"partner": partner, "down_seconds": round(time.time() - down_since)})
    _settled(record, partner)
    return result


async def record_handler(record: SQSRecord) -> dict[str, Any]:
    message = json.loads(record.body)
    try:
        return await asyncio.get_running_loop().run_in_executor(
            _calls, functools.partial(_gated_call, record=record, message=message)
        )
    except IdempotencyAlreadyInProgressError:
        # The same request is being handled by another delivery right now: look again shortly.
        _put_back(record, max(1, settings().link_retry_base_seconds))
        raise
    except Waiting:
        raise
    except Exception:
        # One of the worker's own AWS calls failed (throttled past the SDK's retries, say): look again after the
        # base delay rather than the queue's visibility timeout (3 minutes). A request that fails so every time
        # still reaches the dead-letter queue after maxReceiveCount receives.
        with contextlib.suppress(Exception):
            _put_back(record, max(1, settings().link_retry_base_seconds))
        raise


@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    start_tracing()
    idempotency.register_lambda_context(context)
    return async_process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
