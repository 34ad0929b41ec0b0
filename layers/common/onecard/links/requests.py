"""Link, unlink and update requests, written with the decision that causes them (transactional outbox).

A request is three items under the reader: the link's current status, the outbox message that the stream relay
sends to the queue, and a pointer from the request id back to the reader for the partner's callback.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from onecard.infra.dynamo import to_item

OPEN_STATUSES = ("pending", "active")
OUTBOX_DAYS = 14


def new_request_id() -> str:
    return "LR" + secrets.token_hex(10).upper()


def link_key(reader_id: str, partner: str) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": f"LINK#{partner}"}


def request_key(request_id: str) -> dict[str, str]:
    return {"pk": f"REQUEST#{request_id}", "sk": "REQUEST"}


def _outbox(table: str, reader_id: str, message: dict[str, Any], now_epoch: int) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": to_item({
        "pk": f"READER#{reader_id}", "sk": f"OUTBOX#{message['request_id']}", "message": json.dumps(message),
        "expires_at": now_epoch + OUTBOX_DAYS * 86400}), "ConditionExpression": "attribute_not_exists(pk)"}}


def _pointer(table: str, reader_id: str, partner: str, request_id: str, action: str) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": to_item({**request_key(request_id), "reader_id": reader_id,
                                                         "partner": partner, "action": action}),
                    "ConditionExpression": "attribute_not_exists(pk)"}}


def link_request_actions(table: str, reader_id: str, partner: str, document_version: int, receipt_id: str,
                         request_id: str, now_iso: str, now_epoch: int) -> list[dict[str, Any]]:
    """Fails (ConditionalCheckFailed on the first action) when the link is already pending or active."""
    link = {**link_key(reader_id, partner), "partner": partner, "status": "pending", "request_id": request_id,
            "receipt_id": receipt_id, "updated_at": now_iso, "status_at": now_epoch * 1000}
    message = {"request_id": request_id, "action": "link", "reader_id": reader_id, "partner": partner,
               "document_version": document_version}
    return [
        {"Put": {"TableName": table, "Item": to_item(link),
                 "ConditionExpression": "attribute_not_exists(pk) OR NOT (#status IN (:pending, :active))",
                 "ExpressionAttributeNames": {"#status": "status"},
                 "ExpressionAttributeValues": to_item({":pending": "pending", ":active": "active"})}},
        _outbox(table, reader_id, message, now_epoch),
        _pointer(table, reader_id, partner, request_id, "link"),
    ]


def unlink_request_actions(table: str, reader_id: str, partner: str, request_id: str, now_iso: str,
                           now_epoch: int) -> list[dict[str, Any]]:
    """Fails when there is no pending or active link to end."""
    message = {"request_id": request_id, "action": "unlink", "reader_id": reader_id, "partner": partner}
    return [
        {"Update": {"TableName": table, "Key": to_item(link_key(reader_id, partner)),
                    "UpdateExpression": "SET #status = :unlinking, request_id = :rid, updated_at = :at, status_at = :t",
                    "ConditionExpression": "#status IN (:pending, :active)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_item({":unlinking": "unlinking", ":rid": request_id,
                                                          ":at": now_iso, ":t": now_epoch * 1000,
                                                          ":pending": "pending", ":active": "active"})}},
        _outbox(table, reader_id, message, now_epoch),
        _pointer(table, reader_id, partner, request_id, "unlink"),
    ]


def update_request_actions(table: str, reader_id: str, active_links: list[dict[str, Any]], document_versions: dict[str, int],
                           now_epoch: int) -> list[dict[str, Any]]:
    """One update request per active link, for a correction of the reader's data."""
    actions: list[dict[str, Any]] = []
    for link in active_links:
        request_id = new_request_id()
        message = {"request_id": request_id, "action": "update", "reader_id": reader_id, "partner": link["partner"],
                   "document_version": document_versions[link["partner"]]}
        actions += [_outbox(table, reader_id, message, now_epoch),
                    _pointer(table, reader_id, link["partner"], request_id, "update")]
    return actions


def withdrawal_actions(table: str, reader_id: str, partners: list[str], now_epoch: int) -> list[dict[str, Any]]:
    """Unlink requests that outlive the reader's own items (an erasure deletes those): each partner is told."""
    actions: list[dict[str, Any]] = []
    for partner in partners:
        request_id = new_request_id()
        message = {"request_id": request_id, "action": "unlink", "reader_id": reader_id, "partner": partner}
        actions.append({"Put": {"TableName": table, "Item": to_item({
            "pk": f"OUTBOX#{request_id}", "sk": f"OUTBOX#{request_id}", "message": json.dumps(message),
            "expires_at": now_epoch + OUTBOX_DAYS * 86400}), "ConditionExpression": "attribute_not_exists(pk)"}})
    return actions
