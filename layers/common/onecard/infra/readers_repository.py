"""Readers in DynamoDB: the profile item and the uniqueness guard of each identity, written together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import (
    cancellation_codes,
    delete_keys,
    from_item,
    is_condition_failed,
    is_transaction_cancelled,
    query_all,
    to_item,
)
from onecard.library_cards import PASSWORD_SK, SealedPasswordMoved
from onecard.registration.records import BarcodeTaken, CaptchaReplayed, HouseholdTaken, IdentityTaken, NewReader
from onecard.security.identity_indexes import Indexes, as_indexes


def reader_key(reader_id: str) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": "PROFILE"}


def identity_key(identity_index: str) -> dict[str, str]:
    return {"pk": f"IDENTITY#{identity_index}", "sk": "IDENTITY"}


def barcode_key(barcode: str) -> dict[str, str]:
    return {"pk": f"BARCODE#{barcode}", "sk": "BARCODE"}


def household_key(household_index: str) -> dict[str, str]:
    return {"pk": f"HOUSEHOLD#{household_index}", "sk": "HOUSEHOLD"}


def login_facts(profile: dict[str, Any]) -> dict[str, Any]:
    """What an identity guard carries for a login, so that it need not read the profile first: the password hash of a
    reader who applied here (a copy: a login's write checks it is still the profile's), or that the library
    system holds the password."""
    return {name: profile[name] for name in ("password_hash", "password_source") if profile.get(name)}


def guard_hash_update(table: str, guard: dict[str, Any], reader_id: str, password_hash: str) -> dict[str, Any]:
    """A transaction action that puts the reader's password hash on their identity guard (``guard``: its key), written
    wherever the hash changes; it holds only while the guard is the reader's."""
    return {
        "Update": {
            "TableName": table,
            "Key": to_item({"pk": guard["pk"], "sk": guard["sk"]}),
            "UpdateExpression": "SET password_hash = :hash",
            "ConditionExpression": "reader_id = :reader",
            "ExpressionAttributeValues": to_item({":hash": password_hash, ":reader": reader_id}),
        }
    }


def refuse_if_sealed_password_moved(error: ClientError, actions: list[dict[str, Any]]) -> None:
    """SealedPasswordMoved when what cancelled a password change's transaction is its sealed copy for the library
    system (LibraryCardRepository.reseal_actions: the copy it replaces was delivered or replaced meanwhile)."""
    if not is_transaction_cancelled(error):
        return
    for code, action in zip(cancellation_codes(error), actions, strict=False):
        item = action.get("Put", {}).get("Item", {})
        if code == "ConditionalCheckFailed" and item.get("sk") == {"S": PASSWORD_SK}:
            raise SealedPasswordMoved() from None


def reference_put(table: str, reader_id: str, key: dict[str, str]) -> dict[str, Any]:
    """A transaction action that records, in the reader's partition, an item elsewhere that names the reader
    (a link request's pointer, an e-mail link's pointer): the erasure finds and deletes each one by it."""
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(
                {
                    "pk": f"READER#{reader_id}",
                    "sk": f"REF#{key['pk']}#{key['sk']}",
                    "ref_pk": key["pk"],
                    "ref_sk": key["sk"],
                }
            ),
        }
    }


class ReaderRepository:
    def __init__(self, dynamodb: Any, *, readers_table: str, sessions_table: str, consent_table: str):
        self._db = dynamodb
        self._readers = readers_table
        self._sessions = sessions_table
        self._consent = consent_table

    def reader_id_for_identity(self, identity_index: str | Indexes) -> str | None:
        """The reader of an identity, found under any live key version's index (the current one first: outside a
        rotation there is only that one, and one read)."""
        for index in as_indexes(identity_index):
            answer = self._db.get_item(TableName=self._readers, Key=to_item(identity_key(index)), ConsistentRead=True)
            item = answer.get("Item")
            if item:
                return from_item(item)["reader_id"]
        return None

    def reader_id_for_identity_reading(
        self, identity_index: str | Indexes, session_keys: list[dict[str, str]]
    ) -> tuple[str | None, list[dict[str, Any] | None]]:
        """reader_id_for_identity, reading in the same request (one BatchGetItem, consistent) the items of the
        sessions table under ``session_keys`` (e.g. the lockout's); each is None when absent."""
        indexes = list(as_indexes(identity_index))
        wanted = {self._readers: [identity_key(i) for i in indexes], self._sessions: list(session_keys)}
        found: dict[str, list[dict[str, Any]]] = {table: [] for table in wanted}
        request: dict[str, Any] = {
            table: {"Keys": [to_item(k) for k in keys], "ConsistentRead": True}
            for table, keys in wanted.items()
            if keys
        }
        for _ in range(5):
            answer = self._db.batch_get_item(RequestItems=request)
            for table, items in answer.get("Responses", {}).items():
                found[table] += [from_item(item) for item in items]
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
        else:  # DynamoDB kept some back: read them one by one
            for table, unread in request.items():
                for key in unread["Keys"]:
                    item = self._db.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
                    found[table] += [from_item(item)] if item else []

        def item_at(table: str, key: dict[str, str]) -> dict[str, Any] | None:
            return next((i for i in found[table] if all(i.get(n) == v for n, v in key.items())), None)

        guards = [item_at(self._readers, identity_key(i)) for i in indexes]  # the current version's first
        reader_id = next((g["reader_id"] for g in guards if g), None)
        return reader_id, [item_at(self._sessions, key) for key in session_keys]

    def reader_id_for_barcode(self, barcode: str) -> str | None:
        """The reader a card barcode belongs to here (activated at a counter, or a card holder who logged in)."""
        item = self._db.get_item(TableName=self._readers, Key=to_item(barcode_key(barcode)), ConsistentRead=True)
        return from_item(item["Item"])["reader_id"] if "Item" in item else None

    def adopt_patron(
        self, profile: dict[str, Any], indexes: str | Indexes, refresh: Callable[[dict[str, Any]], Any]
    ) -> dict[str, Any]:
        """Keeps the record of a card holder the library system vouched for: ``profile`` for one seen here for the
        first time (with its identity guards and barcode pointer, atomically); otherwise the stored reader of that
        identity, refreshed (refresh_patron). Returns the profile."""
        reader_id = profile["reader_id"]
        for _ in range(3):
            existing = self.reader_id_for_identity(indexes)
            if existing:
                return self.refresh_patron(existing, refresh)
            # The guards and the barcode pointer say that the library system holds this reader's password, so a
            # login can ask it while the profile is still being read (and never for a reader who applied here).
            source = {"password_source": profile["password_source"]}  # the barcode pointer says so too
            guards = guard_actions(
                self._readers, reader_id, [identity_key(i) for i in as_indexes(indexes)], also=login_facts(profile)
            )
            try:
                self._db.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._readers,
                                "Item": to_item({**reader_key(reader_id), **profile}),
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self._readers,
                                "Item": to_item(
                                    {
                                        **barcode_key(profile["card_barcode"]),
                                        "reader_id": reader_id,
                                        "identity_index": profile["identity_index"],
                                        **source,
                                    }
                                ),
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        *guards,
                    ]
                )
                return profile
            except ClientError as error:
                if not is_transaction_cancelled(error):
                    raise
                codes = cancellation_codes(error)
                if codes[1] == "ConditionalCheckFailed" and "ConditionalCheckFailed" not in codes[2:]:
                    raise BarcodeTaken() from None
                # Another login of the same card holder created the record meanwhile: refresh that one.
        raise IdentityTaken()

    def refresh_patron(self, reader: str | dict[str, Any], refresh: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
        """What the library system says now, written over the stored record with its audit entries (nothing written
        when nothing changes). ``reader``: the stored profile, or its reader id; ``refresh``: what the library
        system's answer changes in a profile (onecard.readers.library_refresh.Refreshed, or None)."""
        profile = reader if isinstance(reader, dict) else (self.get_profile(reader) or {})
        refreshed = refresh(profile) if profile else None
        if refreshed is None:
            return profile
        self._db.transact_write_items(TransactItems=self.refresh_actions(profile["reader_id"], refreshed))
        return {**profile, **refreshed.changes}

    def refresh_actions(self, reader_id: str, refreshed: Any) -> list[dict[str, Any]]:
        """A refresh (Refreshed) as transaction actions, for the login's own write: the profile's update, then
        its audit entries and notice."""
        return [{"Update": self._profile_update(reader_id, refreshed.changes)}] + [
            {
                "Put": {
                    "TableName": self._readers,
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for item in refreshed.items
        ]

    def refresh_unless_changed(self, profile: dict[str, Any], refreshed: Any, watched: list[str]) -> bool:
        """A refresh read off a request's path (Refreshed), written only while the ``watched`` attributes are still
        as in ``profile`` (a correction made meanwhile wins). False when one changed: nothing is written."""
        actions = self.refresh_actions(profile["reader_id"], refreshed)
        update = actions[0]["Update"]
        conditions, values = [update["ConditionExpression"]], {}
        for i, name in enumerate(watched):
            update["ExpressionAttributeNames"][f"#w{i}"] = name
            if profile.get(name) is None:
                conditions.append(f"attribute_not_exists(#w{i})")
            else:
                conditions.append(f"#w{i} = :w{i}")
                values[f":w{i}"] = profile[name]
        update["ConditionExpression"] = " AND ".join(conditions)
        if values:
            update["ExpressionAttributeValues"] = {**update.get("ExpressionAttributeValues", {}), **to_item(values)}
        try:
            self._db.transact_write_items(TransactItems=actions)
            return True
        except ClientError as error:
            if is_transaction_cancelled(error) and cancellation_codes(error)[0] == "ConditionalCheckFailed":
                return False
            raise

    def guard_hash_action(self, profile: dict[str, Any], password_hash: str) -> dict[str, Any]:
        """guard_hash_update for the guard the profile names (its current identity index)."""
        return guard_hash_update(
            self._readers, identity_key(profile["identity_index"]), profile["reader_id"], password_hash
        )

    def get_profile(self, reader_id: str) -> dict[str, Any] | None:
        answer = self._db.get_item(TableName=self._readers, Key=to_item(reader_key(reader_id)), ConsistentRead=True)
        item = answer.get("Item")
        return from_item(item) if item else None

    def partition(self, reader_id: str, prefix: str = "") -> list[dict[str, Any]]:
        """Every item under the reader (profile, sessions, audit, links …), optionally of one kind."""
        condition = "pk = :pk" + (" AND begins_with(sk, :prefix)" if prefix else "")
        values = {":pk": f"READER#{reader_id}", **({":prefix": prefix} if prefix else {})}
        return query_all(
            self._db,
            TableName=self._readers,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=to_item(values),
            ConsistentRead=True,
        )

    def put_items(self, items: list[dict[str, Any]]) -> None:
        """New items of a reader's partition (audit entries): one put each, never overwriting one."""
        for item in items:
            self._db.put_item(
                TableName=self._readers, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )

    def update_profile(
        self,
        reader_id: str,
        changes: dict[str, Any],
        audit_items: list[dict[str, Any]],
        extra_actions: list[dict[str, Any]] | None = None,
    ) -> None:
        """Changes profile attributes and records the audit entries in one transaction (None removes)."""
        update = self._profile_update(reader_id, changes)
        actions = (
            [{"Update": update}]
            + [
                {
                    "Put": {
                        "TableName": self._readers,
                        "Item": to_item(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
                for item in audit_items
            ]
            + list(extra_actions or [])
        )
        try:
            self._db.transact_write_items(TransactItems=actions)
        except ClientError as error:
            refuse_if_sealed_password_moved(error, actions)
            raise

    def _profile_update(self, reader_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """The update of a stored profile's attributes (None removes)."""
        sets = {k: v for k, v in changes.items() if v is not None}
        removes = [k for k, v in changes.items() if v is None]
        names = {f"#f{i}": k for i, k in enumerate(changes)}
        by_name = {v: k for k, v in names.items()}
        expression = ""
        if sets:
            expression += "SET " + ", ".join(f"{by_name[k]} = :v{i}" for i, k in enumerate(sets))
        if removes:
            expression += " REMOVE " + ", ".join(by_name[k] for k in removes)
        update: dict[str, Any] = {
            "TableName": self._readers,
            "Key": to_item(reader_key(reader_id)),
            "UpdateExpression": expression.strip(),
            "ExpressionAttributeNames": names,
            "ConditionExpression": "attribute_exists(pk)",
        }
        if sets:
            update["ExpressionAttributeValues"] = to_item({f":v{i}": v for i, v in enumerate(sets.values())})
        return update

    def append_audit(self, entries: list[dict[str, Any]]) -> None:
        """Appends audit entries (each a new item of its reader's partition), up to 100 in one transaction."""
        puts = [
            {
                "Put": {
                    "TableName": self._readers,
                    "Item": to_item(entry),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for entry in entries
        ]
        if len(puts) == 1:
            self._db.put_item(**puts[0]["Put"])
        for start in range(0, len(puts) if len(puts) > 1 else 0, 100):
            self._db.transact_write_items(TransactItems=puts[start : start + 100])

    def first_shown(self, reader_id: str, notice: str, now_iso: str, mail: dict[str, Any] | None = None) -> str:
        """When the reader was first shown a notice (recorded now if this is the first time). ``mail``, an outbox
        item, is written only with that first record, in its transaction: one mail per notice per reader."""
        key = {"pk": f"READER#{reader_id}", "sk": f"NOTICE#{notice}"}
        try:
            if mail is None:
                self._db.put_item(
                    TableName=self._readers,
                    Item=to_item({**key, "first_shown_at": now_iso}),
                    ConditionExpression="attribute_not_exists(pk)",
                )
            else:
                self._db.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._readers,
                                "Item": to_item({**key, "first_shown_at": now_iso}),
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {"Put": {"TableName": self._readers, "Item": to_item(mail)}},
                    ]
                )
            return now_iso
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code not in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                raise
        item = self._db.get_item(TableName=self._readers, Key=to_item(key), ConsistentRead=True)["Item"]
        return from_item(item)["first_shown_at"]

    def spend_captcha(self, marker: str, expires_at: int) -> None:
        """Marks a captcha solution used, whatever the application it came with turns out to be.

        Raises CaptchaReplayed when it was used before.
        """
        try:
            self._db.put_item(
                TableName=self._sessions,
                Item=to_item({"pk": f"CAPTCHA#{marker}", "expires_at": expires_at}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if is_condition_failed(error):
                raise CaptchaReplayed() from None
            raise

    def create(self, new: NewReader) -> None:
        """Writes the reader, its identity guard and any receipts/requests atomically.

        Raises IdentityTaken or HouseholdTaken; on either nothing is written.
        """
        reader_id = new.profile["reader_id"]
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._readers,
                    "Item": to_item({**reader_key(reader_id), **new.profile}),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        identities = guard_actions(
            self._readers,
            reader_id,
            [identity_key(i) for i in as_indexes(new.identity_index)],
            login_facts(new.profile),
        )
        households = (
            guard_actions(self._readers, reader_id, [household_key(i) for i in as_indexes(new.household_index)])
            if new.household_index
            else []
        )
        actions += identities + households + new.extra_actions
        try:
            self._db.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if not is_transaction_cancelled(error):
                raise
            failed = {i for i, code in enumerate(cancellation_codes(error)) if code == "ConditionalCheckFailed"}
            if failed & set(range(1, 1 + len(identities))):
                raise IdentityTaken() from None
            if failed & set(range(1 + len(identities), 1 + len(identities) + len(households))):
                raise HouseholdTaken() from None
            raise


def guard_actions(
    table: str, reader_id: str, keys: list[dict[str, str]], also: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """A uniqueness guard under each live key version's index (the current first), each refused when another
    reader holds it: a container that knows the new key and one that still knows only the old one collide on the
    old version's guard. Each guard of an older version is noted in the reader's partition (REF#), so an erasure
    or expiry deletes it; the profile names the current one. Guards come first, then their notes."""
    guards = [
        {
            "Put": {
                "TableName": table,
                "Item": to_item({**key, "reader_id": reader_id, **(also or {})}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for key in keys
    ]
    return guards + [reference_put(table, reader_id, key) for key in keys[1:]]


def delete_reader_items(
    dynamodb: Any,
    *,
    readers_table: str,
    sessions_table: str,
    reader_id: str,
    identity_index: str,
    extra_keys: list[dict[str, str]] | None = None,
) -> None:
    """Deletes every item of a reader: its partition (sessions included), the items elsewhere that its partition
    refers to or that ``extra_keys`` name, and last its profile and identity guard, so that a deletion cut short
    (WritesUnfinished) leaves a reader who can be found and whose deletion can be finished."""
    items = ReaderRepository(
        dynamodb, readers_table=readers_table, sessions_table=sessions_table, consent_table=""
    ).partition(reader_id)
    last = [reader_key(reader_id), identity_key(identity_index)]
    first = [{"pk": i["ref_pk"], "sk": i["ref_sk"]} for i in items if i["sk"].startswith("REF#")]
    first += list(extra_keys or []) + [{"pk": i["pk"], "sk": i["sk"]} for i in items if i["sk"] != "PROFILE"]
    unique = list({(key["pk"], key["sk"]): key for key in first if key not in last}.values())
    delete_keys(dynamodb, readers_table, unique)  # sessions included: they are kept in the partition
    delete_keys(dynamodb, readers_table, last)


def erase_reader(
    dynamodb: Any,
    *,
    readers_table: str,
    sessions_table: str,
    reader_id: str,
    identity_index: str,
    request_id: str,
    at: str,
    extra_keys: list[dict[str, str]] | None = None,
    notice: dict[str, Any] | None = None,
) -> None:
    """Deletes every personal item of a reader. Left behind: a tombstone of the blind index (to honour and audit a
    later re-registration) and the completion record; consent receipts live in their own table and hold no
    personal data."""
    delete_reader_items(
        dynamodb,
        readers_table=readers_table,
        sessions_table=sessions_table,
        reader_id=reader_id,
        identity_index=identity_index,
        extra_keys=extra_keys,
    )
    dynamodb.put_item(
        TableName=readers_table,
        Item=to_item({"pk": f"ERASED#{identity_index}", "sk": f"ERASURE#{request_id}", "erased_at": at}),
    )
    completion = {
        "pk": f"ERASURE#{request_id}",
        "sk": "ERASURE",
        "request_id": request_id,
        "requested_at": at,
        "completed_at": at,
        "status": "completed",
    }
    if notice is None:
        dynamodb.put_item(TableName=readers_table, Item=to_item(completion))
        return
    # The security notice (to the address captured before the deletion) commits with the completion record.
    dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": readers_table, "Item": to_item(item)}} for item in (completion, notice)]
    )
