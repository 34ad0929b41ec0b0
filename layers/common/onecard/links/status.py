"""The status of a link as partners answer: newer answers win, older ones arriving late change nothing."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import from_item, to_item
from onecard.links.requests import link_key, request_key

FINAL = ("active", "rejected", "failed", "unlinked")
NOTICED = ("active", "rejected", "failed")  # a notice by mail when the link first reaches one of these


class LinkStatus:
    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def request(self, request_id: str) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=self._table, Key=to_item(request_key(request_id)), ConsistentRead=True).get(
            "Item"
        )
        return from_item(item) if item else None

    def links(self, reader_id: str) -> list[dict[str, Any]]:
        answer = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues=to_item({":pk": f"READER#{reader_id}", ":p": "LINK#"}),
            ConsistentRead=True,
        )
        return [from_item(i) for i in answer.get("Items", [])]

    def set(
        self,
        reader_id: str,
        partner: str,
        request_id: str,
        status: str,
        at_millis: int,
        partner_card_number: str | None = None,
        reason: str | None = None,
    ) -> bool:
        """Records a partner's answer for this request unless a newer one was recorded already. When the link first
        reaches active, rejected or failed, the reader's notice (if they get one) is written in the same transaction,
        conditioned on the status changing: an answer delivered again, or a failure retried, mails once."""
        notice = None
        if status in NOTICED:
            from onecard.infra.readers_repository import reader_key
            from onecard.mail import notices

            item = self._db.get_item(
                TableName=self._table, Key=to_item(reader_key(reader_id)), ConsistentRead=True
            ).get("Item")
            notice = notices.notice_for(
                from_item(item) if item else None,
                f"link_{status}",
                at_millis // 1000,
                partner=partner,
                **({"reason": reason} if status == "rejected" else {}),
            )
        if notice is not None and self._write(
            reader_id, partner, request_id, status, at_millis, partner_card_number, reason, notice
        ):
            return True
        return self._write(reader_id, partner, request_id, status, at_millis, partner_card_number, reason, None)

    def _write(
        self,
        reader_id: str,
        partner: str,
        request_id: str,
        status: str,
        at_millis: int,
        partner_card_number: str | None,
        reason: str | None,
        notice: dict[str, Any] | None,
    ) -> bool:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        values = {":s": status, ":t": at_millis, ":rid": request_id, ":at": now}
        sets = ["#status = :s", "status_at = :t", "updated_at = :at"]
        if partner_card_number:
            sets.append("partner_card_number = :card")
            values[":card"] = partner_card_number
        if reason:
            sets.append("reason = :reason")
            values[":reason"] = reason
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_item(link_key(reader_id, partner)),
                            "UpdateExpression": "SET " + ", ".join(sets),
                            "ConditionExpression": "request_id = :rid AND status_at <= :t"
                            + (" AND #status <> :s" if notice else ""),
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": to_item(values),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(
                                {
                                    "pk": f"READER#{reader_id}",
                                    "sk": f"LINKEVENT#{now}#{secrets.token_hex(3)}",
                                    "partner": partner,
                                    "request_id": request_id,
                                    "status": status,
                                    "at": now,
                                    "reason": reason,
                                }
                            ),
                        }
                    },
                    *([{"Put": {"TableName": self._table, "Item": to_item(notice)}}] if notice else []),
                ]
            )
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                return False
            raise
