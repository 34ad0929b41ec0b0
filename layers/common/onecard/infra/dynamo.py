"""Converting between Python values and DynamoDB's typed attribute values, and reading transaction failures."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_plain(v)) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _python(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _python(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_python(v) for v in value]
    if isinstance(value, set):
        return {_python(v) for v in value}
    return value


def cancellation_codes(error: ClientError) -> list[str]:
    """The per-item reasons of a cancelled transaction ('None' where that item was fine)."""
    reasons = error.response.get("CancellationReasons") or []
    return [str(r.get("Code", "None")) for r in reasons]


def is_transaction_cancelled(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException"


def is_condition_failed(error: ClientError) -> bool:
    """A single write's condition was not met (a transaction's is_transaction_cancelled)."""
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def transact_unless_cancelled(dynamodb: Any, actions: list[dict[str, Any]]) -> bool:
    """Writes ``actions`` together: True, or False when a condition cancelled them all (nothing written)."""
    try:
        dynamodb.transact_write_items(TransactItems=actions)
        return True
    except ClientError as error:
        if not is_transaction_cancelled(error):
            raise
        return False


def query_all(dynamodb: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item a Query matches, page after page, as plain Python values."""
    items: list[dict[str, Any]] = []
    while True:
        page = dynamodb.query(**kwargs)
        items += [from_item(i) for i in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class WritesUnfinished(Exception):
    """DynamoDB left some writes of a batch unprocessed (throttling) even after the retries."""

    def __init__(self, table: str, left: int):
        super().__init__(f"{left} writes to {table} were still unprocessed after retries")
        self.left = left


BATCH_SIZE = 25
BATCH_TRIES = 8


def delete_keys(
    dynamodb: Any,
    table: str,
    keys: list[dict[str, Any]],
    *,
    tries: int = BATCH_TRIES,
    first_delay: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Deletes every key, resending what DynamoDB returns as unprocessed with capped exponential backoff and
    jitter (as its documentation asks). Raises WritesUnfinished when some are left: never reports a partial
    deletion as done."""
    for start in range(0, len(keys), BATCH_SIZE):
        requests = {table: [{"DeleteRequest": {"Key": to_item(key)}} for key in keys[start : start + BATCH_SIZE]]}
        for attempt in range(tries):
            requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
            if not requests.get(table):
                break
            if attempt < tries - 1:
                sleep(min(2.0, first_delay * 2**attempt) * (0.5 + random.random() / 2))
        else:
            raise WritesUnfinished(table, len(requests[table]))


def batch_get(dynamodb: Any, wanted: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The items under ``wanted``'s keys (plain values, by table), read consistently in one BatchGetItem (at most
    100 keys): what DynamoDB keeps back is asked again, and read one by one if it keeps it back still."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in wanted}
    request: dict[str, Any] = {
        table: {"Keys": [to_item(key) for key in keys], "ConsistentRead": True}
        for table, keys in wanted.items()
        if keys
    }
    for _ in range(5):
        if not request:
            return found
        answer = dynamodb.batch_get_item(RequestItems=request)
        for table, items in answer.get("Responses", {}).items():
            found[table] += [from_item(item) for item in items]
        request = answer.get("UnprocessedKeys") or {}
    for table, unread in request.items():
        for key in unread["Keys"]:
            item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            found[table] += [from_item(item)] if item else []
    return found


def item_at(items: list[dict[str, Any]], key: dict[str, Any]) -> dict[str, Any] | None:
    """The item of ``items`` with this key (plain values), or None."""
    return next((item for item in items if all(item.get(name) == value for name, value in key.items())), None)
