"""Readers in DynamoDB: the profile item and the uniqueness guard of each identity, written together."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import cancellation_codes, from_item, is_transaction_cancelled, to_item
from onecard.registration.records import CaptchaReplayed, IdentityTaken, NewReader


def reader_key(reader_id: str) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": "PROFILE"}


def identity_key(identity_index: str) -> dict[str, str]:
    return {"pk": f"IDENTITY#{identity_index}", "sk": "IDENTITY"}


class ReaderRepository:
    def __init__(self, dynamodb: Any, *, readers_table: str, sessions_table: str, consent_table: str):
        self._db = dynamodb
        self._readers = readers_table
        self._sessions = sessions_table
        self._consent = consent_table

    def reader_id_for_identity(self, identity_index: str) -> str | None:
        answer = self._db.get_item(TableName=self._readers, Key=to_item(identity_key(identity_index)), ConsistentRead=True)
        item = answer.get("Item")
        return from_item(item)["reader_id"] if item else None

    def get_profile(self, reader_id: str) -> dict[str, Any] | None:
        answer = self._db.get_item(TableName=self._readers, Key=to_item(reader_key(reader_id)), ConsistentRead=True)
        item = answer.get("Item")
        return from_item(item) if item else None

    def create(self, new: NewReader) -> None:
        """Writes the reader, its identity guard, the spent captcha and any receipts/requests atomically.

        Raises IdentityTaken or CaptchaReplayed; on either nothing is written.
        """
        reader_id = new.profile["reader_id"]
        not_there = "attribute_not_exists(pk)"
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": self._readers, "Item": to_item({**reader_key(reader_id), **new.profile}),
                     "ConditionExpression": not_there}},
            {"Put": {"TableName": self._readers,
                     "Item": to_item({**identity_key(new.identity_index), "reader_id": reader_id}),
                     "ConditionExpression": not_there}},
            {"Put": {"TableName": self._sessions,
                     "Item": to_item({"pk": f"CAPTCHA#{new.captcha_marker}", "expires_at": new.captcha_expires_at}),
                     "ConditionExpression": not_there}},
        ]
        actions += new.extra_actions
        try:
            self._db.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if not is_transaction_cancelled(error):
                raise
            codes = cancellation_codes(error)
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise IdentityTaken() from None
            if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
                raise CaptchaReplayed() from None
            raise
