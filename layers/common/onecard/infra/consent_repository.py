"""Consent receipts in DynamoDB: conditional puts only; the head item serialises concurrent decisions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from onecard.consent.receipts import ChainHead, Receipt, next_receipts
from onecard.infra.dynamo import from_item, is_transaction_cancelled, query_all, to_item

TransactAction = dict[str, Any]


class ConcurrentDecision(Exception):
    """Another decision of the same reader was recorded first; read the head again and retry."""


def receipt_key(reader_id: str, sequence: int) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": f"RECEIPT#{sequence:08d}"}


def head_key(reader_id: str) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": "HEAD"}


class ConsentRepository:
    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def head(self, reader_id: str) -> ChainHead | None:
        item = self._db.get_item(TableName=self._table, Key=to_item(head_key(reader_id)), ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return None
        record = from_item(item)
        return ChainHead(int(record["sequence"]), record["receipt_sha256"])

    def head_record(self, reader_id: str) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=self._table, Key=to_item(head_key(reader_id)), ConsistentRead=True).get(
            "Item"
        )
        return from_item(item) if item else None

    def receipts(self, reader_id: str, newest_first: bool = True) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item({":pk": f"READER#{reader_id}", ":prefix": "RECEIPT#"}),
            ScanIndexForward=not newest_first,
            ConsistentRead=True,
        )

    def receipt(self, reader_id: str, receipt_id: str) -> dict[str, Any] | None:
        return next((r for r in self.receipts(reader_id) if r["receipt_id"] == receipt_id), None)

    def append_actions(self, head: ChainHead | None, receipts: Sequence[Receipt]) -> list[TransactAction]:
        """Transaction actions that write ``receipts`` after ``head``; they fail if the head moved meanwhile."""
        if not receipts:
            return []
        reader_id = receipts[0].reader_id
        actions: list[TransactAction] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({**receipt_key(reader_id, r.sequence), **r.as_record()}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for r in receipts
        ]
        last = receipts[-1]
        new_head = {
            **head_key(reader_id),
            "sequence": last.sequence,
            "receipt_sha256": last.receipt_sha256,
            "updated_at": last.recorded_at,
        }
        if head is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "#sequence = :previous",
                "ExpressionAttributeNames": {"#sequence": "sequence"},
                "ExpressionAttributeValues": to_item({":previous": head.sequence}),
            }
        actions.append({"Put": {"TableName": self._table, "Item": to_item(new_head), **condition}})
        return actions

    def record(
        self,
        reader_id: str,
        decisions: Sequence[Mapping[str, Any]],
        *,
        recorded_at: str,
        extra_actions: Callable[[list[Receipt]], list[TransactAction]] | None = None,
        attempts: int = 5,
    ) -> list[Receipt]:
        """Appends decisions (and whatever else must be written with them) atomically, retrying on a race."""
        for _ in range(attempts):
            head = self.head(reader_id)
            receipts = next_receipts(head, decisions, reader_id=reader_id, recorded_at=recorded_at)
            actions = self.append_actions(head, receipts) + (extra_actions(receipts) if extra_actions else [])
            try:
                self._db.transact_write_items(TransactItems=actions)
                return receipts
            except ClientError as error:
                if not is_transaction_cancelled(error):
                    raise
                reasons = [str(r.get("Code")) for r in error.response.get("CancellationReasons") or []]
                if "ConditionalCheckFailed" not in reasons[: len(receipts) + 1]:
                    raise
        raise ConcurrentDecision(reader_id)
