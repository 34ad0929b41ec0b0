"""What a 個人書房 login reads and writes, in as few requests as the data allows: the reader found by ID number
(identity guard) or card barcode (barcode pointer) read together with the lockout and rate-limit counters of the
sessions table, then the profile; and one transaction for everything the login changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import batch_get, cancellation_codes, is_transaction_cancelled, item_at, to_item
from onecard.infra.readers_repository import barcode_key, guard_hash_update, identity_key, reader_key
from onecard.security.identity_indexes import Indexes, as_indexes


@dataclass(frozen=True)
class Found:
    """A look-up of the reader behind an identifier, with the sessions-table items asked for."""

    reader_id: str | None
    pointer: dict[str, Any]
    """The guard or barcode pointer that named the reader ({} for none): it may say whose password it is
    (``password_source``) and, for a barcode, the reader's identity index."""
    items: list[dict[str, Any]]
    """The sessions-table items asked for, in the order asked ({} where there is none)."""


class LoginRecords:
    def __init__(self, dynamodb: Any, *, readers_table: str, sessions_table: str):
        self._db = dynamodb
        self._readers = readers_table
        self._sessions = sessions_table

    def by_identity(self, identity: str | Indexes, keys: list[dict[str, Any]]) -> Found:
        """The reader of an identity, under any live key version's index (the current one first), and the
        sessions-table items under ``keys``: one BatchGetItem."""
        guards = [identity_key(index) for index in as_indexes(identity)]
        found = batch_get(self._db, {self._readers: guards, self._sessions: keys})
        pointer = next((g for g in (item_at(found[self._readers], key) for key in guards) if g), None) or {}
        return Found(pointer.get("reader_id"), pointer, self._in_order(found, keys))

    def by_barcode(self, barcode: str, keys: list[dict[str, Any]]) -> Found:
        """The reader a card barcode belongs to here, and the sessions-table items under ``keys``: one request."""
        found = batch_get(self._db, {self._readers: [barcode_key(barcode)], self._sessions: keys})
        pointer = item_at(found[self._readers], barcode_key(barcode)) or {}
        return Found(pointer.get("reader_id"), pointer, self._in_order(found, keys))

    def profile(self, reader_id: str, keys: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[dict]]:
        """A reader's profile and the sessions-table items under ``keys``: one request."""
        found = batch_get(self._db, {self._readers: [reader_key(reader_id)], self._sessions: keys})
        return item_at(found[self._readers], reader_key(reader_id)), self._in_order(found, keys)

    def sessions_items(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._in_order(batch_get(self._db, {self._sessions: keys}), keys)

    def _in_order(self, found: dict[str, list[dict[str, Any]]], keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [item_at(found.get(self._sessions, []), key) or {} for key in keys]

    def hash_unchanged(self, reader_id: str, password_hash: str) -> dict[str, Any]:
        """A transaction action that holds while the reader's profile keeps this password hash: a login that checked
        the password against the identity guard's copy is written only if that copy was still the reader's hash."""
        return {
            "ConditionCheck": {
                "TableName": self._readers,
                "Key": to_item(reader_key(reader_id)),
                "ConditionExpression": "password_hash = :hash",
                "ExpressionAttributeValues": to_item({":hash": password_hash}),
            }
        }

    def hash_copied(self, guard: dict[str, Any], reader_id: str, password_hash: str) -> dict[str, Any]:
        """A transaction action that copies the reader's password hash onto the identity guard that found them (a
        reader stored before guards carried it, or whose copy was out of date), so that the next login can check
        the password without reading the profile first."""
        return guard_hash_update(self._readers, guard, reader_id, password_hash)

    def commit(self, actions: list[dict[str, Any]]) -> list[str] | None:
        """Writes ``actions`` in one transaction. None when written; otherwise each action's cancellation reason
        ('ConditionalCheckFailed' where what it expected had changed, 'None' where that action was fine)."""
        try:
            self._db.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if not is_transaction_cancelled(error):
                raise
            return cancellation_codes(error) or ["Unknown"] * len(actions)
        return None
