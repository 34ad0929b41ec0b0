"""Queries of a table's own key read one partition in the emulation, as in DynamoDB.

moto answers every Query by walking all the items of the table, so each look-up by key cost time in proportion to
everything stored before it: registrations, logins and link requests slowed as the local data grew. A Query of
the table's own hash key now reads only that partition; queries of an index are left as they are.
"""

from __future__ import annotations

import threading
from typing import Any

_partition = threading.local()


def install() -> None:
    """Patch moto's DynamoDB tables in this process (idempotent)."""
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "_by_partition", False):
        return
    original_query, original_all_items = Table.query, Table.all_items

    def all_items(self: Any) -> list[Any]:
        wanted = getattr(_partition, "table", None)
        if wanted is self:
            values = self.items.get(_partition.hash_key)
            if values is None:
                return []
            return list(values.values()) if self.range_key_attr else [values]
        return original_all_items(self)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None:
            return original_query(self, hash_key, *args, **kwargs)
        _partition.table, _partition.hash_key = self, hash_key
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _partition.table = _partition.hash_key = None

    query._by_partition = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
