"""Link, unlink and update requests, written with the decision that causes them (transactional outbox).

A request is three items under the reader: the link's current status, the outbox message that the stream relay
sends to the queue, and a pointer from the request id back to the reader for the partner's callback.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Final

from onecard.infra.dynamo import to_item
from onecard.infra.readers_repository import reference_put

WAITING: Final = "waiting_for_verification"
OPEN_STATUSES = (WAITING, "pending", "active")
SENT_STATUSES = ("pending", "active")  # a partner has heard of these
OUTBOX_DAYS = 14
_NOT_OPEN = "attribute_not_exists(pk) OR NOT (#status IN (:waiting, :pending, :active))"
_OPEN_VALUES = {":waiting": WAITING, ":pending": "pending", ":active": "active"}


def new_request_id() -> str:
    return "LR" + secrets.token_hex(10).upper()


def link_key(reader_id: str, partner: str) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": f"LINK#{partner}"}


def request_key(request_id: str) -> dict[str, str]:
    return {"pk": f"REQUEST#{request_id}", "sk": "REQUEST"}


def _outbox(table: str, reader_id: str, message: dict[str, Any], now_epoch: int) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(
                {
                    "pk": f"READER#{reader_id}",
                    "sk": f"OUTBOX#{message['request_id']}",
                    "message": json.dumps(message),
                    "expires_at": now_epoch + OUTBOX_DAYS * 86400,
                }
            ),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def _pointer(table: str, reader_id: str, partner: str, request_id: str, action: str) -> list[dict[str, Any]]:
    """The request's pointer back to the reader (for the partner's callback), and the reader's note of it."""
    return [
        {
            "Put": {
                "TableName": table,
                "Item": to_item(
                    {**request_key(request_id), "reader_id": reader_id, "partner": partner, "action": action}
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        reference_put(table, reader_id, request_key(request_id)),
    ]


def link_request_actions(
    table: str,
    reader_id: str,
    partner: str,
    document_version: int,
    receipt_id: str,
    request_id: str,
    now_iso: str,
    now_epoch: int,
) -> list[dict[str, Any]]:
    """A link request that leaves now. Fails (ConditionalCheckFailed on the first action) when the link is
    already open (waiting, pending or active)."""
    return [
        _opened(table, reader_id, partner, "pending", document_version, receipt_id, request_id, now_iso, now_epoch),
        *_sending(table, reader_id, partner, request_id, document_version, now_epoch),
    ]


def _sending(
    table: str, reader_id: str, partner: str, request_id: str, document_version: int, now_epoch: int
) -> list[dict[str, Any]]:
    message = {
        "request_id": request_id,
        "action": "link",
        "reader_id": reader_id,
        "partner": partner,
        "document_version": document_version,
    }
    return [_outbox(table, reader_id, message, now_epoch), *_pointer(table, reader_id, partner, request_id, "link")]


def waiting_link_actions(
    table: str,
    reader_id: str,
    partner: str,
    document_version: int,
    receipt_id: str,
    request_id: str,
    now_iso: str,
    now_epoch: int,
) -> list[dict[str, Any]]:
    """A link asked for by a reader whose identity no counter has checked yet: kept with its receipt, and sent
    to the partner only with the activation (release_actions). Same refusal as link_request_actions."""
    return [_opened(table, reader_id, partner, WAITING, document_version, receipt_id, request_id, now_iso, now_epoch)]


def _opened(
    table: str,
    reader_id: str,
    partner: str,
    status: str,
    document_version: int,
    receipt_id: str,
    request_id: str,
    now_iso: str,
    now_epoch: int,
) -> dict[str, Any]:
    """The link's own item, put only when no link with the partner is open (waiting, pending or active)."""
    link = {
        **link_key(reader_id, partner),
        "partner": partner,
        "status": status,
        "request_id": request_id,
        "receipt_id": receipt_id,
        "document_version": document_version,
        "updated_at": now_iso,
        "status_at": now_epoch * 1000,
    }
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(link),
            "ConditionExpression": _NOT_OPEN,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": to_item(_OPEN_VALUES),
        }
    }


def release_actions(
    table: str, reader_id: str, waiting_links: list[dict[str, Any]], now_iso: str, now_epoch: int
) -> list[dict[str, Any]]:
    """The waiting links leave through the outbox, written with the counter's activation."""
    actions: list[dict[str, Any]] = []
    for link in waiting_links:
        actions.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": to_item(link_key(reader_id, link["partner"])),
                    "UpdateExpression": "SET #status = :pending, updated_at = :at, status_at = :t",
                    "ConditionExpression": "#status = :waiting AND request_id = :rid",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_item(
                        {
                            ":pending": "pending",
                            ":at": now_iso,
                            ":t": now_epoch * 1000,
                            ":waiting": WAITING,
                            ":rid": link["request_id"],
                        }
                    ),
                }
            }
        )
        actions += _sending(
            table, reader_id, link["partner"], link["request_id"], int(link["document_version"]), now_epoch
        )
    return actions


def withdraw_waiting_actions(
    table: str, reader_id: str, partner: str, now_iso: str, now_epoch: int
) -> list[dict[str, Any]]:
    """A waiting link ends before any partner heard of it: nothing is sent. Fails when it is no longer waiting."""
    return [
        {
            "Update": {
                "TableName": table,
                "Key": to_item(link_key(reader_id, partner)),
                "UpdateExpression": "SET #status = :withdrawn, updated_at = :at, status_at = :t",
                "ConditionExpression": "#status = :waiting",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item(
                    {":withdrawn": "withdrawn", ":at": now_iso, ":t": now_epoch * 1000, ":waiting": WAITING}
                ),
            }
        }
    ]


def unlink_request_actions(
    table: str, reader_id: str, partner: str, request_id: str, now_iso: str, now_epoch: int
) -> list[dict[str, Any]]:
    """Fails when there is no pending or active link to end."""
    message = {"request_id": request_id, "action": "unlink", "reader_id": reader_id, "partner": partner}
    return [
        {
            "Update": {
                "TableName": table,
                "Key": to_item(link_key(reader_id, partner)),
                "UpdateExpression": "SET #status = :unlinking, request_id = :rid, updated_at = :at, status_at = :t",
                "ConditionExpression": "#status IN (:pending, :active)",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item(
                    {
                        ":unlinking": "unlinking",
                        ":rid": request_id,
                        ":at": now_iso,
                        ":t": now_epoch * 1000,
                        ":pending": "pending",
                        ":active": "active",
                    }
                ),
            }
        },
        _outbox(table, reader_id, message, now_epoch),
        *_pointer(table, reader_id, partner, request_id, "unlink"),
    ]


def update_request_actions(
    table: str, reader_id: str, active_links: list[dict[str, Any]], document_versions: dict[str, int], now_epoch: int
) -> list[dict[str, Any]]:
    """One update request per active link, for a correction of the reader's data."""
    actions: list[dict[str, Any]] = []
    for link in active_links:
        request_id = new_request_id()
        message = {
            "request_id": request_id,
            "action": "update",
            "reader_id": reader_id,
            "partner": link["partner"],
            "document_version": document_versions[link["partner"]],
        }
        actions += [
            _outbox(table, reader_id, message, now_epoch),
            *_pointer(table, reader_id, link["partner"], request_id, "update"),
        ]
    return actions


def withdrawal_actions(table: str, reader_id: str, partners: list[str], now_epoch: int) -> list[dict[str, Any]]:
    """Unlink requests that outlive the reader's own items (an erasure deletes those): each partner is told, and
    the link shows it is ending (so a run repeated after an interruption tells no partner twice)."""
    actions: list[dict[str, Any]] = []
    for partner in partners:
        actions.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": to_item(link_key(reader_id, partner)),
                    "UpdateExpression": "SET #status = :unlinking",
                    "ConditionExpression": "#status IN (:pending, :active)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_item(
                        {":unlinking": "unlinking", ":pending": "pending", ":active": "active"}
                    ),
                }
            }
        )
        request_id = new_request_id()
        message = {"request_id": request_id, "action": "unlink", "reader_id": reader_id, "partner": partner}
        actions.append(
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item(
                        {
                            "pk": f"OUTBOX#{request_id}",
                            "sk": f"OUTBOX#{request_id}",
                            "message": json.dumps(message),
                            "expires_at": now_epoch + OUTBOX_DAYS * 86400,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
    return actions
