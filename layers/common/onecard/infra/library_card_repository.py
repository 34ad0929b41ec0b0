"""The readers table's items of a card on its way to the library system, and the outbox its writes leave through.

Keys (no personal data in clear):
  READER#<id> / LIBRARY_SYSTEM      what the library system holds of the reader (its patron id, category, since when),
                                    what waits (and why), or its refusal; deleted with the reader
  READER#<id> / LIBRARY_PASSWORD    the password chosen at registration, envelope-encrypted with the reader id as
                                    associated data, until the library system has it; deleted with the reader
  LIBRARYCARD#<id> / OUTBOX#<req>   a write for the library system, relayed to its queue (outside the reader's
                                    partition, so that the deletion of an expired application's patron outlives it)
  LIBRARYCARD#<id> / LEASE          one worker at a time writes a reader's patron (a retry never makes a second one)
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import (
    batch_get,
    cancellation_codes,
    from_item,
    is_condition_failed,
    is_transaction_cancelled,
    item_at,
    to_item,
    transact_unless_cancelled,
)
from onecard.infra.readers_repository import barcode_key, identity_key, reader_key
from onecard.library_cards import LIBRARY_CARD, PASSWORD_SK, READ_RECORD
from onecard.library_cards.patron_record import CARD_WAITING
from onecard.readers.library_patrons import LIBRARY_SYSTEM

OUTBOX_DAYS = 14


def state_key(reader_id: str) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": "LIBRARY_SYSTEM"}


def password_key(reader_id: str) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": PASSWORD_SK}


def lease_key(reader_id: str) -> dict[str, str]:
    return {"pk": f"LIBRARYCARD#{reader_id}", "sk": "LEASE"}


def new_request_id() -> str:
    return "LC" + secrets.token_hex(10).upper()


class LibraryCardRepository:
    def __init__(self, dynamodb: Any, readers_table: str):
        self._db = dynamodb
        self._table = readers_table

    @property
    def table(self) -> str:
        return self._table

    # --- written with the application, the verification, the activation, a review --------------------------------
    def password_actions(self, reader_id: str, encrypted: dict[str, str], password_hash: str, at: str) -> list[dict]:
        """The chosen password, sealed, until the library system has it. ``password_hash``: the hash it goes with
        here, so that a password changed here meanwhile is never replaced by the older one."""
        item = {**password_key(reader_id), "password_encrypted": encrypted, "for_hash": password_hash, "at": at}
        return [{"Put": {"TableName": self._table, "Item": to_item(item)}}]

    def reseal_actions(
        self, reader_id: str, encrypted: dict[str, str], password_hash: str, at: str, replacing: str | None
    ) -> list[dict]:
        """A password changed here, sealed in place of the one waiting for the library system (``replacing``: the
        hash that one went with; None: none waits). Refused (the change's transaction fails) when the waiting copy
        was delivered or replaced meanwhile, so the older password never overwrites the newer one."""
        [put] = self.password_actions(reader_id, encrypted, password_hash, at)
        if replacing is None:
            put["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["Put"]["ConditionExpression"] = "for_hash = :replacing"
            put["Put"]["ExpressionAttributeValues"] = to_item({":replacing": replacing})
        return [put]

    def queue_actions(
        self, reader_id: str, what: str, at: str, now_epoch: int, *, confirmed_not_duplicate: bool = False
    ) -> list[dict[str, Any]]:
        """A write that brings the reader's patron in the library system up to date (``what``: create, upgrade,
        password), and the reader's state saying it waits, since ``at``."""
        request_id = new_request_id()
        message = {
            "kind": LIBRARY_CARD,
            "action": "sync",
            "reader_id": reader_id,
            "request_id": request_id,
            "queued_at": at,
            **({"confirmed_not_duplicate": True} if confirmed_not_duplicate else {}),
        }
        return [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(state_key(reader_id)),
                    "UpdateExpression": "SET pending = :what, pending_request = :request, waiting_since = :at "
                    "REMOVE refused, last_error",
                    "ExpressionAttributeValues": to_item({":what": what, ":request": request_id, ":at": at}),
                }
            },
            self._outbox(reader_id, message, now_epoch),
        ]

    def delete_actions(self, reader_id: str, patron_id: str | None, at: str, now_epoch: int) -> list[dict[str, Any]]:
        """The deletion of the reader's provisional patron (an expired or rejected application)."""
        message = {
            "kind": LIBRARY_CARD,
            "action": "delete",
            "reader_id": reader_id,
            "request_id": new_request_id(),
            "queued_at": at,
            **({"patron_id": patron_id} if patron_id else {}),
        }
        return [self._outbox(reader_id, message, now_epoch)]

    def record_read_actions(self, reader_id: str, at: str, now_epoch: int) -> list[dict[str, Any]]:
        """A read of the reader's patron record in the library system, for what a login's SIP2 answer cannot tell
        (the phones: onecard.readers.library_refresh.from_record). No write there: the reader's state is left."""
        message = {
            "kind": LIBRARY_CARD,
            "action": READ_RECORD,
            "reader_id": reader_id,
            "request_id": new_request_id(),
            "queued_at": at,
        }
        return [self._outbox(reader_id, message, now_epoch)]

    def _outbox(self, reader_id: str, message: dict[str, Any], now_epoch: int) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(
                    {
                        "pk": f"LIBRARYCARD#{reader_id}",
                        "sk": f"OUTBOX#{message['request_id']}",
                        "message": json.dumps(message),
                        "expires_at": now_epoch + OUTBOX_DAYS * 86400,
                    }
                ),
            }
        }

    def commit(self, actions: list[dict[str, Any]]) -> None:
        if actions:
            self._db.transact_write_items(TransactItems=actions)

    # --- read ------------------------------------------------------------------------------------------------------
    def state(self, reader_id: str) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=self._table, Key=to_item(state_key(reader_id)), ConsistentRead=True).get(
            "Item"
        )
        return from_item(item) if item else None

    def state_with_health(self, reader_id: str, sessions_table: str, health_key: dict[str, str]):
        """The reader's state and the library system's breaker item (plain values), in one BatchGetItem."""
        found = batch_get(self._db, {self._table: [state_key(reader_id)], sessions_table: [health_key]})
        return item_at(found[self._table], state_key(reader_id)), found[sessions_table]

    def password(self, reader_id: str) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=self._table, Key=to_item(password_key(reader_id)), ConsistentRead=True)
        return from_item(item["Item"]) if "Item" in item else None

    def password_and_state(self, reader_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The sealed password waiting for the library system and the reader's state there, in one BatchGetItem."""
        found = batch_get(self._db, {self._table: [password_key(reader_id), state_key(reader_id)]})[self._table]
        return item_at(found, password_key(reader_id)), item_at(found, state_key(reader_id))

    # --- the worker's writes -----------------------------------------------------------------------------------
    def take_lease(self, reader_id: str, holder: str, now: float, seconds: int) -> bool:
        try:
            self._db.put_item(
                TableName=self._table,
                Item=to_item(
                    {**lease_key(reader_id), "holder": holder, "until": now + seconds, "expires_at": int(now) + 86400}
                ),
                ConditionExpression="attribute_not_exists(pk) OR #until < :now OR holder = :holder",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues=to_item({":now": now, ":holder": holder}),
            )
            return True
        except ClientError as error:
            if is_condition_failed(error):
                return False
            raise

    def release_lease(self, reader_id: str, holder: str) -> None:
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=to_item(lease_key(reader_id)),
                ConditionExpression="holder = :holder",
                ExpressionAttributeValues=to_item({":holder": holder}),
            )
        except ClientError as error:
            if not is_condition_failed(error):
                raise

    def record_held(self, reader_id: str, request_id: str, patron_id: str, category: str, at: str) -> None:
        """The library system holds the patron as wanted; the write that waited is done unless a newer one waits.
        The profile keeps the patron's id (``library_patron_id``: 個人書房's writes there address it)."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(reader_key(reader_id)),
                UpdateExpression="SET library_patron_id = :patron",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(library_patron_id) "
                "OR library_patron_id <> :patron)",
                ExpressionAttributeValues=to_item({":patron": patron_id}),
            )
        except ClientError as error:
            if not is_condition_failed(error):
                raise
        held = "SET patron_id = :patron, held_category = :category, held_since = if_not_exists(held_since, :at)"
        values = {":patron": patron_id, ":category": category, ":at": at}
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(state_key(reader_id)),
                UpdateExpression=held + " REMOVE pending, pending_request, waiting_since, last_error, refused",
                ConditionExpression="attribute_not_exists(pending_request) OR pending_request = :request",
                ExpressionAttributeValues=to_item({**values, ":request": request_id}),
            )
        except ClientError as error:
            if not is_condition_failed(error):
                raise
            self._db.update_item(
                TableName=self._table,
                Key=to_item(state_key(reader_id)),
                UpdateExpression=held,
                ExpressionAttributeValues=to_item(values),
            )

    def card_delivered(self, reader_id: str, barcode: str) -> None:
        """The library system holds the card a counter gave in place of another: a login's answer may change the
        profile's card again (unless a newer card waits meanwhile)."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(reader_key(reader_id)),
                UpdateExpression=f"REMOVE {CARD_WAITING}",
                ConditionExpression=f"{CARD_WAITING} = :barcode",
                ExpressionAttributeValues=to_item({":barcode": barcode}),
            )
        except ClientError as error:
            if not is_condition_failed(error):
                raise

    def record_refused(self, reader_id: str, code: str, detail: str | None, at: str) -> None:
        refused = {"code": code, "at": at, **({"detail": detail[:300]} if detail else {})}
        self._db.update_item(
            TableName=self._table,
            Key=to_item(state_key(reader_id)),
            UpdateExpression="SET refused = :refused REMOVE pending, pending_request, last_error",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=to_item({":refused": refused}),
        )

    def record_waiting(self, reader_id: str, why: str) -> None:
        """Why the write still waits (the library system unreachable), for the counter to read."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(state_key(reader_id)),
                UpdateExpression="SET last_error = :why",
                ConditionExpression="attribute_exists(pending)",
                ExpressionAttributeValues=to_item({":why": why}),
            )
        except ClientError as error:
            if not is_condition_failed(error):
                raise

    def password_delivered(self, profile: dict[str, Any], sealed: dict[str, Any], at: str, now_epoch: int) -> bool:
        """The library system has the password: its sealed copy goes, and so does the hash here (the library system
        alone decides from now on), on the profile and on the guards a login reads first. False when the password
        was changed here meanwhile: the hash stays, and the new password's sealed copy goes with a write queued now
        (or, where the change sealed none, the reader's next login hands it over)."""
        reader_id = profile["reader_id"]
        actions: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": to_item(password_key(reader_id)),
                    "ConditionExpression": "for_hash = :hash",
                    "ExpressionAttributeValues": to_item({":hash": sealed["for_hash"]}),
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(reader_key(reader_id)),
                    "UpdateExpression": "SET password_source = :source REMOVE password_hash, library_password_wanted",
                    "ConditionExpression": "password_hash = :hash",
                    "ExpressionAttributeValues": to_item({":source": LIBRARY_SYSTEM, ":hash": sealed["for_hash"]}),
                }
            },
            self._pointer_update(identity_key(profile["identity_index"]), reader_id),
        ]
        if profile.get("card_barcode"):
            actions.append(self._pointer_update(barcode_key(profile["card_barcode"]), reader_id))
        try:
            self._db.transact_write_items(TransactItems=actions)
            return True
        except ClientError as error:
            if not is_transaction_cancelled(error):
                raise
            if "ConditionalCheckFailed" not in cancellation_codes(error)[:2]:
                raise
        # The password was changed here meanwhile. Its change sealed the new one in place of this copy: that one
        # goes next (a write queued for it), so the older password set a moment ago does not stay.
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=to_item(password_key(reader_id)),
                ConditionExpression="attribute_not_exists(pk) OR for_hash = :hash",
                ExpressionAttributeValues=to_item({":hash": sealed["for_hash"]}),
            )
        except ClientError as error:
            if not is_condition_failed(error):
                raise
            self.commit(self.queue_actions(reader_id, "password", at, now_epoch))
            return False
        # No newer copy (a change made before changes were sealed): the next right password at login is handed
        # over (as for a reader brought in by the operators' command).
        wanted = {
            "UpdateExpression": "SET library_password_wanted = :yes",
            "ExpressionAttributeValues": to_item({":yes": True, ":reader": reader_id}),
        }
        transact_unless_cancelled(
            self._db,
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": to_item(reader_key(reader_id)),
                        "ConditionExpression": "reader_id = :reader AND attribute_exists(password_hash)",
                        **wanted,
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": to_item(identity_key(profile["identity_index"])),
                        "ConditionExpression": "reader_id = :reader",
                        **wanted,
                    }
                },
            ],
        )
        return False

    def _pointer_update(self, key: dict[str, str], reader_id: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": to_item(key),
                "UpdateExpression": "SET password_source = :source REMOVE password_hash, library_password_wanted",
                "ConditionExpression": "reader_id = :reader",
                "ExpressionAttributeValues": to_item({":source": LIBRARY_SYSTEM, ":reader": reader_id}),
            }
        }

    # --- readers who applied here before new cards were written to the library system ----------------------------
    def active_profiles_page(self, start: dict[str, Any] | None, size: int) -> tuple[list[dict[str, Any]], Any]:
        """One page of a scan (an operators' command's, never a request's) for the active readers who applied here:
        their profile still holds a password hash. The page's profiles and where the next page starts (None: done)."""
        answer = self._db.scan(
            TableName=self._table,
            Limit=size,
            FilterExpression="sk = :profile AND #status = :active AND attribute_exists(password_hash)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":profile": "PROFILE", ":active": "active"}),
            ConsistentRead=True,
            **({"ExclusiveStartKey": start} if start else {}),
        )
        return [from_item(item) for item in answer.get("Items", [])], answer.get("LastEvaluatedKey")

    def migration_actions(self, profile: dict[str, Any], at: str, now_epoch: int) -> list[dict[str, Any]]:
        """The reader's patron created in the library system, and their next login here asked to set their password
        there (the flag on the profile and on the identity guard a login reads first). Refused (the transaction
        fails) when a write for the reader was queued meanwhile."""
        reader_id = profile["reader_id"]
        wanted = {
            "UpdateExpression": "SET library_password_wanted = :yes",
            "ConditionExpression": "reader_id = :reader AND attribute_exists(password_hash)",
            "ExpressionAttributeValues": to_item({":yes": True, ":reader": reader_id}),
        }
        queue = self.queue_actions(reader_id, "create", at, now_epoch)
        queue[0]["Update"]["ConditionExpression"] = "attribute_not_exists(pending) AND attribute_not_exists(held_since)"
        return [
            *queue,
            {"Update": {"TableName": self._table, "Key": to_item(reader_key(reader_id)), **wanted}},
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(identity_key(profile["identity_index"])),
                    **wanted,
                    "ConditionExpression": "reader_id = :reader",
                }
            },
        ]

    def forget_password(self, reader_id: str) -> None:
        """The library system refused the sealed password for good: it is not kept any longer."""
        self._db.delete_item(TableName=self._table, Key=to_item(password_key(reader_id)))

    def duplicate_review_actions(self, reader_id: str, at: str, resembles: list[str]) -> list[dict[str, Any]]:
        """The library system says a patron with this name and birth date exists: the application goes to the
        reviewers' queue (their "distinct" sends it again, confirmed not a duplicate), beside the readers here it
        resembles, if any."""
        from onecard.infra.lifecycle_repository import review_put

        review = {"status": "open", "resembles": resembles, "flagged_at": at, "source": LIBRARY_SYSTEM}
        return [
            review_put(self._table, reader_id, review),
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(reader_key(reader_id)),
                    "UpdateExpression": "SET review = :review",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": to_item({":review": review}),
                }
            },
        ]

    def send_to_review(self, reader_id: str, at: str, resembles: list[str]) -> None:
        transact_unless_cancelled(self._db, self.duplicate_review_actions(reader_id, at, resembles))
