"""The items an application's life adds to the readers table, and the writes that move it from status to status.

Keys (none holds personal data in clear):
  EMAILTOKEN#<sha256 of token> / EMAILTOKEN      which reader a verification link belongs to, until when, used when
  RESETTOKEN#<sha256 of token> / RESETTOKEN      which reader a password-reset link belongs to (none for a request
                                                 that mailed nothing), until when, used when; TTL a day after
  PERSON#<blind index of name+birth> / READER#<id> readers sharing a normalised name and birth date
  REVIEWS / OPEN#<reader id>                     applications flagged as possible duplicates, for staff
  BARCODE#<card barcode> / BARCODE               the reader a card barcode belongs to (one reader each)
  EXPIRED#<sha256 of reader id> / EXPIRED        that an application expired, and when (no personal data)
  READER#<id> / REF#<pk>#<sk>                    the reader's note of an item above that names it (deleted with it)
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import (
    cancellation_codes,
    from_item,
    is_condition_failed,
    is_transaction_cancelled,
    query_all,
    to_item,
    transact_unless_cancelled,
)
from onecard.infra.readers_repository import (
    barcode_key,
    guard_hash_update,
    identity_key,
    reader_key,
    reference_put,
    refuse_if_sealed_password_moved,
)
from onecard.library_cards.patron_record import CARD_WAITING
from onecard.lifecycle.records import ActivationRefused, DueApplication, TokenRefused
from onecard.security.identity_indexes import Indexes, as_indexes

PENDING = "pending_verification"
PENDING_INDEX = "PendingByVerifyBy"
RESEMBLING_SHOWN = 10
TOKEN_KEEP_SECONDS = 30 * 86400  # a spent or stale link still answers "used"/"expired" for a month, then TTL
# What a barcode pointer may carry for a login besides its reader: a card's new pointer carries the same.
POINTER_LOGIN_FACTS = ("identity_index", "password_hash", "password_source", "library_password_wanted")


def token_key(token_sha256: str) -> dict[str, str]:
    return {"pk": f"EMAILTOKEN#{token_sha256}", "sk": "EMAILTOKEN"}


def reset_token_key(token_sha256: str) -> dict[str, str]:
    return {"pk": f"RESETTOKEN#{token_sha256}", "sk": "RESETTOKEN"}


RESET_TOKEN_KEEP_SECONDS = 86400  # a spent or stale reset link answers "used"/"expired" for a day, then TTL


def person_key(person_index: str, reader_id: str) -> dict[str, str]:
    return {"pk": f"PERSON#{person_index}", "sk": f"READER#{reader_id}"}


def review_key(reader_id: str) -> dict[str, str]:
    return {"pk": "REVIEWS", "sk": f"OPEN#{reader_id}"}


def review_put(table: str, reader_id: str, review: dict[str, Any]) -> dict[str, Any]:
    """The application's entry in the reviewers' queue (the profile's ``review`` says the same)."""
    return {"Put": {"TableName": table, "Item": to_item({**review_key(reader_id), "reader_id": reader_id, **review})}}


def expired_key(reader_id: str) -> dict[str, str]:
    """Keyed by a hash: after an expiry nothing but the consent receipts names the reader, yet a counter that
    still has the reader id can be told the application expired."""
    return {"pk": f"EXPIRED#{hashlib.sha256(reader_id.encode()).hexdigest()}", "sk": "EXPIRED"}


def index_keys_of(profile: dict[str, Any]) -> list[dict[str, str]]:
    """Items outside the reader's partition that point at it: deleted with the reader (erasure or expiry)."""
    reader_id = profile["reader_id"]
    keys = [review_key(reader_id)]
    if profile.get("person_index"):
        keys.append(person_key(profile["person_index"], reader_id))
    if profile.get("card_barcode"):
        keys.append(barcode_key(profile["card_barcode"]))
    if profile.get("email_token_sha256"):
        keys.append(token_key(profile["email_token_sha256"]))
    household = (profile.get("household") or {}).get("household_index")
    if household:  # a family card's household may apply again once this one is gone
        keys.append({"pk": f"HOUSEHOLD#{household}", "sk": "HOUSEHOLD"})
    return keys


class LifecycleRepository:
    def __init__(self, dynamodb: Any, readers_table: str):
        self._db = dynamodb
        self._table = readers_table

    @property
    def table(self) -> str:
        return self._table

    # --- e-mail verification ---------------------------------------------------------------------------------
    def token_actions(self, reader_id: str, token_sha256: str, valid_until: int) -> list[dict[str, Any]]:
        """The link's pointer, written with whatever else records the token (the application, or a new link)."""
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(
                        {
                            **token_key(token_sha256),
                            "reader_id": reader_id,
                            "valid_until": valid_until,
                            "expires_at": valid_until + TOKEN_KEEP_SECONDS,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            reference_put(self._table, reader_id, token_key(token_sha256)),
        ]

    def mail_outbox_actions(self, message: dict[str, Any], nonce: str, valid_until: int) -> list[dict[str, Any]]:
        """A mail to send once the write it belongs to commits: the outbox relay sends it (no token inside)."""
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(
                        {
                            "pk": f"READER#{message['reader_id']}",
                            "sk": f"OUTBOX#MAIL-{nonce}",
                            "message": json.dumps(message),
                            "expires_at": valid_until,
                        }
                    ),
                }
            }
        ]

    def replace_token(self, reader_id: str, email: str, token_sha256: str, valid_until: int) -> None:
        """A new link for the reader's current address; any earlier link stops working (the profile names one)."""
        self._db.transact_write_items(
            TransactItems=[
                *self.token_actions(reader_id, token_sha256, valid_until),
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": to_item(reader_key(reader_id)),
                        "UpdateExpression": "SET email_token_sha256 = :h, email_verified = :no",
                        "ConditionExpression": "attribute_exists(pk) AND email = :email",
                        "ExpressionAttributeValues": to_item({":h": token_sha256, ":no": False, ":email": email}),
                    }
                },
            ]
        )

    def token(self, token_sha256: str) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=self._table, Key=to_item(token_key(token_sha256)), ConsistentRead=True).get(
            "Item"
        )
        return from_item(item) if item else None

    def use_token(
        self, token_sha256: str, reader_id: str, now_epoch: int, at: str, also: list[dict[str, Any]] | None = None
    ) -> None:
        """Spends the link and marks the address verified, both or neither, with ``also`` (what the verified address
        lets leave). Raises TokenRefused(code)."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_item(token_key(token_sha256)),
                            "UpdateExpression": "SET used_at = :at",
                            "ConditionExpression": "attribute_not_exists(used_at) AND valid_until >= :now",
                            "ExpressionAttributeValues": to_item({":at": at, ":now": now_epoch}),
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_item(reader_key(reader_id)),
                            "UpdateExpression": "SET email_verified = :yes, email_verified_at = :at",
                            "ConditionExpression": "email_token_sha256 = :h",
                            "ExpressionAttributeValues": to_item({":yes": True, ":at": at, ":h": token_sha256}),
                        }
                    },
                    *(also or []),
                ]
            )
        except ClientError as error:
            if not is_transaction_cancelled(error):
                raise
            codes = cancellation_codes(error)
            raise TokenRefused("token_used" if codes[0] == "ConditionalCheckFailed" else "token_superseded") from None

    # --- password reset ---------------------------------------------------------------------------------------
    def reset_request(
        self, reader_id: str | None, token_sha256: str, valid_until: int, mail: dict[str, Any] | None, nonce: str
    ) -> None:
        """One password-reset request, written alike whoever asked: the link's pointer and a second item, the
        outbox mail for a reader who gets one, otherwise a void stand-in (no reader, never relayed). The same two
        puts in one transaction either way, so the answer tells nothing by its work."""
        pointer = {
            **reset_token_key(token_sha256),
            "valid_until": valid_until,
            "expires_at": valid_until + RESET_TOKEN_KEEP_SECONDS,
        }
        if reader_id and mail:
            pointer["reader_id"] = reader_id
            second = {
                "pk": f"READER#{reader_id}",
                "sk": f"OUTBOX#MAIL-{nonce}",
                "message": json.dumps(mail),
                "expires_at": valid_until,
            }
        else:
            second = {"pk": f"RESETVOID#{token_sha256}", "sk": "RESETVOID", "expires_at": valid_until}
        self._db.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(pointer),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": self._table, "Item": to_item(second)}},
            ]
        )

    def reset_token(self, token_sha256: str) -> dict[str, Any] | None:
        item = self._db.get_item(
            TableName=self._table, Key=to_item(reset_token_key(token_sha256)), ConsistentRead=True
        ).get("Item")
        return from_item(item) if item else None

    def use_reset_token(
        self,
        token_sha256: str,
        reader_id: str,
        now_epoch: int,
        at: str,
        profile_changes: dict[str, Any],
        extra_items: list[dict[str, Any]],
        identity_index: str | None = None,
        extra_actions: list[dict[str, Any]] | None = None,
    ) -> None:
        """Spends the reset link and sets the new password hash (with the audit entry and the notice, the hash's
        copy on the identity guard under ``identity_index``, and ``extra_actions``: the new password sealed for the
        library system), all or nothing. Raises TokenRefused("token_used") when the link was spent (or ran out)
        meanwhile, SealedPasswordMoved when the sealed copy it replaces went meanwhile (the link stays unspent)."""
        names = {f"#f{i}": name for i, name in enumerate(profile_changes)}
        values = {f":v{i}": value for i, value in enumerate(profile_changes.values())}
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(reset_token_key(token_sha256)),
                    "UpdateExpression": "SET used_at = :at",
                    "ConditionExpression": "attribute_not_exists(used_at) AND valid_until >= :now "
                    "AND reader_id = :reader",
                    "ExpressionAttributeValues": to_item({":at": at, ":now": now_epoch, ":reader": reader_id}),
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(reader_key(reader_id)),
                    "UpdateExpression": "SET " + ", ".join(f"{n} = :v{i}" for i, n in enumerate(names)),
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": to_item(values),
                }
            },
            *({"Put": {"TableName": self._table, "Item": to_item(item)}} for item in extra_items),
            *(
                [
                    guard_hash_update(
                        self._table, identity_key(identity_index), reader_id, profile_changes["password_hash"]
                    )
                ]
                if identity_index
                else []
            ),
            *(extra_actions or []),
        ]
        try:
            self._db.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if not is_transaction_cancelled(error):
                raise
            refuse_if_sealed_password_moved(error, actions)
            codes = cancellation_codes(error)
            raise TokenRefused("token_used" if codes[0] == "ConditionalCheckFailed" else "token_unknown") from None

    # --- possible duplicates ---------------------------------------------------------------------------------
    def readers_with_person(self, person_index: str | Indexes, limit: int = RESEMBLING_SHOWN) -> list[str]:
        """Up to ``limit`` readers: enough for staff to compare, and a common name cannot grow every flag. Found
        under each live key version's index (one Query outside a rotation)."""
        found: list[str] = []
        for index in as_indexes(person_index):
            answer = self._db.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                Limit=limit,
                ExpressionAttributeValues=to_item({":pk": f"PERSON#{index}"}),
                ConsistentRead=True,
            )
            found += [r for r in (from_item(item)["reader_id"] for item in answer.get("Items", [])) if r not in found]
            if len(found) >= limit:
                break
        return found[:limit]

    def person_actions(
        self, person_index: str | Indexes, reader_id: str, review: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        """The reader's entry under each live key version's index (an older version's noted in the reader's
        partition, so an erasure removes it; the profile names the current one), and the review flag."""
        indexes = as_indexes(person_index)
        actions = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item({**person_key(index, reader_id), "reader_id": reader_id}),
                }
            }
            for index in indexes
        ]
        actions += [reference_put(self._table, reader_id, person_key(index, reader_id)) for index in indexes.others]
        if review:
            actions.append(review_put(self._table, reader_id, review))
        return actions

    def open_reviews(self) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :open)",
            ExpressionAttributeValues=to_item({":pk": "REVIEWS", ":open": "OPEN#"}),
            ConsistentRead=True,
        )

    def decide_review(self, reader_id: str, decision: str, at: str, audit: dict[str, Any]) -> bool:
        """Closes an open review with the staff's decision; False when there is none open."""
        return transact_unless_cancelled(
            self._db,
            [
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": to_item(review_key(reader_id)),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": to_item(reader_key(reader_id)),
                        "UpdateExpression": "SET review.#status = :d, review.decided_at = :at",
                        "ConditionExpression": "attribute_exists(review)",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item({":d": decision, ":at": at}),
                    }
                },
                {"Put": {"TableName": self._table, "Item": to_item(audit)}},
            ],
        )

    # --- counter activation ----------------------------------------------------------------------------------
    def activate(
        self,
        reader_id: str,
        barcode: str,
        at: str,
        audit: dict[str, Any],
        extra_actions: list[dict[str, Any]] | None = None,
        library_waits: bool = False,
    ) -> None:
        """pending_verification → active with its card barcode, and whatever must leave with it (the waiting links,
        the library system's upgrade; ``library_waits``: the profile says the card waits for it, so that a login's
        answer meanwhile, from a patron there still without a card, does not replace the barcode). Raises
        ActivationRefused(code); nothing is written then."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_item(reader_key(reader_id)),
                            "UpdateExpression": "SET #status = :active, card_barcode = :code, activated_at = :at"
                            + (f", {CARD_WAITING} = :code" if library_waits else "")
                            + " REMOVE verify_by, reminder_sent_at",
                            "ConditionExpression": "#status = :pending AND (attribute_not_exists(review) "
                            "OR review.#status <> :duplicate)",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": to_item(
                                {
                                    ":active": "active",
                                    ":code": barcode,
                                    ":at": at,
                                    ":pending": PENDING,
                                    ":duplicate": "duplicate",
                                }
                            ),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item({**barcode_key(barcode), "reader_id": reader_id}),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Put": {"TableName": self._table, "Item": to_item(audit)}},
                    *(extra_actions or []),
                ]
            )
        except ClientError as error:
            if not is_transaction_cancelled(error):
                raise
            codes = cancellation_codes(error)
            if codes[0] == "ConditionalCheckFailed":
                raise ActivationRefused("not_pending") from None
            if codes[1] == "ConditionalCheckFailed":
                raise ActivationRefused("barcode_taken") from None
            raise ActivationRefused("links_changed") from None

    def replace_card(
        self,
        reader_id: str,
        old: str,
        new: str,
        at: str,
        audit: dict[str, Any],
        extra_actions: list[dict[str, Any]] | None = None,
        library_waits: bool = False,
    ) -> None:
        """An active reader's card barcode ``old`` → ``new`` in one transaction: the profile, the old barcode's
        pointer deleted, the new one put with what the old one carried for a login (its password facts), the audit
        entry and whatever must leave with it (the library system's write; ``library_waits``: the profile says so
        until it is written, so that a login's answer meanwhile does not bring the old barcode back). Raises
        ActivationRefused: not_active (the profile is no longer active with ``old``), barcode_taken, card_changed;
        nothing is written then."""
        for _ in range(3):
            pointer = self._db.get_item(TableName=self._table, Key=to_item(barcode_key(old)), ConsistentRead=True)
            carried = {k: v for k, v in from_item(pointer.get("Item") or {}).items() if k not in ("pk", "sk")}
            if carried.get("reader_id") != reader_id:
                carried = {}  # none, or not this reader's (never expected): nothing to take from it, nor to delete
            actions = [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": to_item(reader_key(reader_id)),
                        "UpdateExpression": "SET card_barcode = :new, card_replaced_at = :at"
                        + (f", {CARD_WAITING} = :new" if library_waits else f" REMOVE {CARD_WAITING}"),
                        "ConditionExpression": "#status = :active AND card_barcode = :old",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item(
                            {":new": new, ":old": old, ":at": at, ":active": "active"}
                        ),
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item({**barcode_key(new), **carried, "reader_id": reader_id}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": self._table, "Item": to_item(audit)}},
                *(extra_actions or []),
            ]
            if carried:
                actions.append(self._old_pointer_delete(old, carried))
            try:
                self._db.transact_write_items(TransactItems=actions)
                return
            except ClientError as error:
                if not is_transaction_cancelled(error):
                    raise
                codes = cancellation_codes(error)
                if codes[0] == "ConditionalCheckFailed":
                    raise ActivationRefused("not_active") from None
                if codes[1] == "ConditionalCheckFailed":
                    raise ActivationRefused("barcode_taken") from None
                if not carried or codes[-1] != "ConditionalCheckFailed":
                    raise
                # The old pointer changed meanwhile (a login moved the password facts): copy it again.
        raise ActivationRefused("card_changed")

    def _old_pointer_delete(self, old: str, carried: dict[str, Any]) -> dict[str, Any]:
        """The old barcode's pointer goes, as it was read: the new one carries what it said for a login."""
        names = {f"#a{i}": name for i, name in enumerate(sorted(carried))}
        values = {f":a{i}": carried[name] for i, name in enumerate(sorted(carried))}
        absent = {f"#b{i}": name for i, name in enumerate(sorted(set(POINTER_LOGIN_FACTS) - set(carried)))}
        conditions = [f"{n} = {v}" for n, v in zip(names, values, strict=True)]
        conditions += [f"attribute_not_exists({n})" for n in absent]
        return {
            "Delete": {
                "TableName": self._table,
                "Key": to_item(barcode_key(old)),
                "ConditionExpression": " AND ".join(conditions),
                "ExpressionAttributeNames": {**names, **absent},
                "ExpressionAttributeValues": to_item(values),
            }
        }

    # --- reminders and expiry --------------------------------------------------------------------------------
    def pending_due_by(self, last_day: str) -> list[DueApplication]:
        """Pending applications whose deadline is on or before ``last_day`` (ISO date), from the sparse index."""
        items = query_all(
            self._db,
            TableName=self._table,
            IndexName=PENDING_INDEX,
            KeyConditionExpression="#status = :pending AND verify_by <= :day",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":pending": PENDING, ":day": last_day}),
        )
        return [DueApplication(i["reader_id"], i["verify_by"], "reminder_sent_at" in i) for i in items]

    def unfinished_expiries(self, last_day: str) -> list[str]:
        """Applications marked expired whose deletion was cut short (throttled): the next run finishes them."""
        items = query_all(
            self._db,
            TableName=self._table,
            IndexName=PENDING_INDEX,
            KeyConditionExpression="#status = :expired AND verify_by <= :day",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":expired": "expired", ":day": last_day}),
        )
        return [i["reader_id"] for i in items]

    def mark_reminded(self, reader_id: str, at: str) -> bool:
        """At most one reminder per application: True only for the run that records it."""
        return self._conditional_update(
            reader_id,
            "SET reminder_sent_at = :at",
            "#status = :pending AND attribute_not_exists(reminder_sent_at)",
            {":at": at},
        )

    def mark_expiring(self, reader_id: str, at: str) -> bool:
        """Ends the application before its data goes, so a counter activation cannot slip in between."""
        return self._conditional_update(
            reader_id,
            "SET #status = :expired, expired_at = :at",
            "#status = :pending",
            {":expired": "expired", ":at": at},
        )

    def record_expiry(self, reader_id: str, verify_by: str, at: str) -> None:
        self._db.put_item(
            TableName=self._table, Item=to_item({**expired_key(reader_id), "verify_by": verify_by, "expired_at": at})
        )

    def expired(self, reader_id: str) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=self._table, Key=to_item(expired_key(reader_id)), ConsistentRead=True).get(
            "Item"
        )
        return from_item(item) if item else None

    def _conditional_update(self, reader_id: str, update: str, condition: str, values: dict[str, Any]) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=to_item(reader_key(reader_id)),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item({**values, ":pending": PENDING}),
            )
            return True
        except ClientError as error:
            if is_condition_failed(error):
                return False
            raise
