"""Cheaper rollback for moto's DynamoDB transactions, so the emulation stays fast as the tables grow.

moto backs up every table a transaction touches with a deep copy of the whole table, stream included, before each
TransactWriteItems. Every application and link request is a transaction, so each one cost time in proportion to all
the data and stream records written before it: after a few hundred readers the local stack slowed to timeouts.
Here the table copy is skipped and only the items the transaction names are kept, then put back on failure together
with the stream's length (a cancelled transaction leaves no stream record in DynamoDB either).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

_in_transaction = threading.local()


@dataclass
class _Before:
    table: Any
    hash_value: Any
    range_value: Any
    item: Any
    stream_length: int | None


def _table_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    if getattr(_in_transaction, "active", False):
        return self
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for name, value in self.__dict__.items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


def _key_of(table: Any, operation: dict[str, Any]) -> dict[str, Any]:
    if "Key" in operation:
        return operation["Key"]
    attributes = operation.get("Item", {})
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: attributes[name] for name in names if name in attributes}


def _capture(backend: Any, transact_items: list[dict[str, Any]]) -> list[_Before]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    kept: list[_Before] = []
    for entry in transact_items:
        operation: dict[str, Any] = next(iter(entry.values()), {})
        table = backend.tables.get(operation.get("TableName"))
        if table is None:
            continue
        key = _key_of(table, operation)
        if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        current = table.get_item(hash_value, range_value)
        shard = table.stream_shard
        kept.append(
            _Before(
                table, hash_value, range_value, copy.deepcopy(current), len(shard.items) if shard is not None else None
            )
        )
    return kept


def _restore(kept: list[_Before]) -> None:
    # Newest first, so an item named twice ends as it was before the first write.
    for before in reversed(kept):
        items = before.table.items
        if before.range_value is None:
            if before.item is None:
                items.pop(before.hash_value, None)
            else:
                items[before.hash_value] = before.item
        else:
            if before.item is None:
                items.get(before.hash_value, {}).pop(before.range_value, None)
            else:
                items[before.hash_value][before.range_value] = before.item
        shard = before.table.stream_shard
        if shard is not None and before.stream_length is not None:
            del shard.items[before.stream_length :]


def install() -> None:
    """Patch moto's DynamoDB backend in this process (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if getattr(DynamoDBBackend.transact_write_items, "_cheap_rollback", False):
        return
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        kept = _capture(self, transact_items)
        _in_transaction.active = True
        try:
            return original(self, transact_items)
        except Exception:
            _restore(kept)
            raise
        finally:
            _in_transaction.active = False

    transact_write_items._cheap_rollback = True  # type: ignore[attr-defined]
    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
