"""Counting the DynamoDB requests a piece of code makes (any client of this process), by operation."""

from __future__ import annotations

from collections import Counter
from typing import Any


class DynamoDbRequests:
    """While entered, every DynamoDB request of this process is counted in ``made`` (operation → requests)."""

    def __init__(self) -> None:
        self.made: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.made.values())

    def __enter__(self) -> DynamoDbRequests:
        from botocore.client import BaseClient

        self._original = original = BaseClient._make_api_call
        made = self.made

        def counted(client: Any, operation: str, params: Any) -> Any:
            if client.meta.service_model.service_name == "dynamodb":
                made[operation] += 1
            return original(client, operation, params)

        BaseClient._make_api_call = counted
        return self

    def __exit__(self, *_: object) -> None:
        from botocore.client import BaseClient

        BaseClient._make_api_call = self._original
