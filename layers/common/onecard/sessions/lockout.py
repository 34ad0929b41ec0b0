"""Account lockout: 5 failed logins within 15 minutes lock the account for 15 minutes.

Counted by the blind index of the submitted ID number, so an unknown number is locked exactly like a known one.
"""

from __future__ import annotations

from typing import Any

from onecard.infra.dynamo import from_item, to_item

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60


class Lockout:
    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def locked_for(self, account: str, now: int) -> int:
        """Seconds the account stays locked (0 when it is not)."""
        item = self._db.get_item(TableName=self._table, Key=to_item({"pk": f"LOCK#{account}"}),
                                 ConsistentRead=True).get("Item")
        if not item:
            return 0
        record = from_item(item)
        return max(0, int(record.get("locked_until", 0)) - now)

    def fail(self, account: str, now: int) -> None:
        key = to_item({"pk": f"LOCK#{account}"})
        item = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        record = from_item(item) if item else {}
        window_start = int(record.get("window_start", 0))
        failures = int(record.get("failures", 0)) if now - window_start < WINDOW_SECONDS else 0
        if failures == 0:
            window_start = now
        failures += 1
        locked_until = now + LOCK_SECONDS if failures >= MAX_FAILURES else int(record.get("locked_until", 0))
        self._db.put_item(TableName=self._table, Item=to_item({
            "pk": f"LOCK#{account}", "failures": failures if failures < MAX_FAILURES else 0,
            "window_start": window_start, "locked_until": locked_until,
            "expires_at": max(locked_until, window_start + WINDOW_SECONDS) + 60}))

    def succeed(self, account: str) -> None:
        self._db.delete_item(TableName=self._table, Key=to_item({"pk": f"LOCK#{account}"}))
