"""Fixed-window request counters in DynamoDB, keyed by a hash of the client (addresses are personal data)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from onecard.infra.dynamo import to_item


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int


class RateLimiter:
    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def hit(self, bucket: str, client: str, *, limit: int, window_seconds: int, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // window_seconds)
        window_end = (window + 1) * window_seconds
        client_hash = hashlib.sha256(client.encode("utf-8")).hexdigest()[:32]
        answer = self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": f"RATE#{bucket}#{client_hash}#{window}"}),
            UpdateExpression="ADD hits :one SET expires_at = if_not_exists(expires_at, :expires)",
            ExpressionAttributeValues=to_item({":one": 1, ":expires": window_end + 60}),
            ReturnValues="UPDATED_NEW",
        )
        hits = int(answer["Attributes"]["hits"]["N"])
        return Verdict(hits <= limit, max(1, int(window_end - now)))

    @property
    def table(self) -> str:
        return self._table

    @staticmethod
    def key(bucket: str, client: str, window_seconds: int, now: float) -> dict[str, str]:
        """The counter of this client's current window (plain values), for reading it with other items."""
        client_hash = hashlib.sha256(client.encode("utf-8")).hexdigest()[:32]
        return {"pk": f"RATE#{bucket}#{client_hash}#{int(now // window_seconds)}"}

    @staticmethod
    def verdict(item: dict[str, Any] | None, limit: int, window_seconds: int, now: float) -> Verdict:
        """Whether one more hit is allowed, as the counter was read (plain values; None: no hit yet)."""
        window_end = (int(now // window_seconds) + 1) * window_seconds
        return Verdict(int((item or {}).get("hits", 0)) < limit, max(1, int(window_end - now)))

    def hit_action(
        self, bucket: str, client: str, *, known: dict[str, Any] | None, window_seconds: int, now: float
    ) -> dict[str, Any]:
        """hit as a transaction action, written with what the request writes anyway, against the counter as read
        with it (``known``, plain values; None for none) and allowed by its verdict: one hit more. It fails (and
        with it the transaction) when another request counted meanwhile; hit then counts, and says whether this
        one is allowed."""
        window_end = (int(now // window_seconds) + 1) * window_seconds
        key = self.key(bucket, client, window_seconds, now)
        hits = int((known or {}).get("hits", 0))
        item = {**key, "hits": hits + 1, "expires_at": int((known or {}).get("expires_at", window_end + 60))}
        unchanged: dict[str, Any] = (
            {"ConditionExpression": "hits = :hits", "ExpressionAttributeValues": to_item({":hits": hits})}
            if known
            else {"ConditionExpression": "attribute_not_exists(pk)"}
        )
        return {"Put": {"TableName": self._table, "Item": to_item(item), **unchanged}}
