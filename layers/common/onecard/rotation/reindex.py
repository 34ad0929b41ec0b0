"""Moving every reader's blind indexes to the current key version, and removing the entries of retired versions.

Both are paginated scans of the readers table with a checkpoint (resumable after any interruption) and a rate limit
(readers per second), run by the rotation command, never by a request. Every write is conditional, so a scan racing
live traffic (a registration, an erasure, an expiry) never resurrects or overwrites anything:

- re-index: for a profile whose indexes are of an older version, one transaction writes the identity guard, the
  household guard and the duplicate-index entry under the current version, notes the older entries in the reader's
  partition (so an erasure before the clean-up removes them too), and moves the profile's index fields to the
  current version on the condition that they are still what was read;
- clean-up (after the old version is retired): every IDENTITY/HOUSEHOLD/PERSON/ERASED entry and every note whose
  index is of a version that is no longer live is deleted; an identity entry of a reader whose profile is still of
  an older version (it cannot be, unless a step was skipped) is re-indexed first, so nobody becomes unfindable.
  Erasure tombstones cannot be re-indexed (their number is gone by design); they are deleted with their version:
  only the retired key could ever match them, and whoever held that key and the table could test guesses with them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import cancellation_codes, from_item, is_transaction_cancelled, to_item
from onecard.infra.lifecycle_repository import person_key
from onecard.infra.readers_repository import household_key, identity_key, login_facts, reader_key, reference_put
from onecard.security.identity_indexes import IdentityIndexes, version_of

INDEXED_KINDS = ("IDENTITY", "HOUSEHOLD", "PERSON", "ERASED")


@dataclass
class Progress:
    scanned: int = 0
    reindexed: int = 0
    already_current: int = 0
    deleted: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)
    next_key: dict[str, Any] | None = None
    finished: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Throttle:
    """At most ``per_second`` units of work a second on average (0: unthrottled), so live traffic keeps its share."""

    per_second: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _started: float | None = None
    _done: int = 0

    def spend(self, units: int = 1) -> None:
        if self.per_second <= 0:
            return
        if self._started is None:
            self._started = self.clock()
        self._done += units
        ahead = self._done / self.per_second - (self.clock() - self._started)
        if ahead > 0:
            self.sleep(ahead)


class Reindexer:
    def __init__(
        self, dynamodb: Any, readers_table: str, indexes: IdentityIndexes, decrypt: Callable[[str, dict[str, Any]], str]
    ):
        """``decrypt(associated_data, encrypted)`` opens a profile's envelope-encrypted field."""
        self._db = dynamodb
        self._table = readers_table
        self._indexes = indexes
        self._decrypt = decrypt

    # --- re-index ----------------------------------------------------------------------------------------------
    def reindex_page(self, progress: Progress, page_size: int, throttle: Throttle) -> Progress:
        """One page of profiles from the checkpoint ``progress.next_key``; the returned progress is the new
        checkpoint."""
        page = self._scan_page(progress.next_key, page_size, profiles_only=True)
        for item in page.get("Items", []):
            profile = from_item(item)
            progress.scanned += 1
            outcome = self.reindex_reader(profile)
            if outcome == "current":
                progress.already_current += 1
                continue
            throttle.spend()
            if outcome == "reindexed":
                progress.reindexed += 1
            elif outcome.startswith("conflict"):
                progress.conflicts.append({"reader_id": profile["reader_id"], "why": outcome})
        progress.next_key = page.get("LastEvaluatedKey")
        progress.finished = progress.next_key is None
        return progress

    def _outdated(self, profile: dict[str, Any]) -> bool:
        household = (profile.get("household") or {}).get("household_index")
        return any(
            index and not self._indexes.is_current(index)
            for index in (profile.get("identity_index"), profile.get("person_index"), household)
        )

    def reindex_reader(self, profile: dict[str, Any] | None, tries: int = 3) -> str:
        """``current`` (nothing to do), ``reindexed``, ``gone`` (erased or expired meanwhile) or ``conflict…``."""
        for _ in range(tries):
            if profile is None:
                return "gone"
            if not self._outdated(profile):
                return "current"
            outcome = self._move(profile)
            if outcome != "changed":
                return outcome
            profile = self._profile(profile["reader_id"])  # changed meanwhile: read it again and retry
        return "conflict: the profile kept changing"

    def _move(self, profile: dict[str, Any]) -> str:
        reader_id = profile["reader_id"]
        old_identity = profile["identity_index"]
        identity = self._indexes.identity(
            self._decrypt(f"{reader_id}:id_number", profile["id_number_encrypted"])
        ).current
        guards = [(identity_key(identity), identity_key(old_identity), login_facts(profile))]
        sets = {"identity_index": identity}
        if profile.get("person_index"):
            person = self._indexes.person(profile["name"], profile["birth_date"]).current
            guards.append((person_key(person, reader_id), person_key(profile["person_index"], reader_id), {}))
            sets["person_index"] = person
        household = profile.get("household") or {}
        if household.get("household_index"):
            number = self._decrypt(f"{reader_id}:register_number", household["register_number_encrypted"])
            new_household = self._indexes.household(number).current
            guards.append((household_key(new_household), household_key(household["household_index"]), {}))
            sets["household.household_index"] = new_household
        actions: list[dict[str, Any]] = []
        for new, old, carried in guards:
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item({**new, "reader_id": reader_id, **carried}),
                        "ConditionExpression": "attribute_not_exists(pk) OR reader_id = :r",
                        "ExpressionAttributeValues": to_item({":r": reader_id}),
                    }
                }
            )
            if new != old:
                actions.append(reference_put(self._table, reader_id, old))
        names = {f"#n{i}": part for i, part in enumerate({p for path in sets for p in path.split(".")})}
        by_name = {v: k for k, v in names.items()}
        assignments = ", ".join(
            f"{'.'.join(by_name[p] for p in path.split('.'))} = :v{i}" for i, path in enumerate(sets)
        )
        values = {f":v{i}": value for i, value in enumerate(sets.values())}
        actions.append(
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item(reader_key(reader_id)),
                    "UpdateExpression": f"SET {assignments}",
                    "ConditionExpression": f"{by_name['identity_index']} = :old",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": to_item({**values, ":old": old_identity}),
                }
            }
        )
        try:
            self._db.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if not is_transaction_cancelled(error):
                raise
            codes = cancellation_codes(error)
            if codes and codes[-1] == "ConditionalCheckFailed":
                return "changed"
            failed = [
                actions[i]["Put"]["Item"]["pk"]["S"].split("#")[0]
                for i, code in enumerate(codes)
                if code == "ConditionalCheckFailed"
            ]
            return f"conflict: another reader holds the new {'/'.join(failed) or 'entry'} index"
        return "reindexed"

    def _profile(self, reader_id: str) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=self._table, Key=to_item(reader_key(reader_id)), ConsistentRead=True)
        return from_item(item["Item"]) if "Item" in item else None

    # --- clean-up of retired versions ------------------------------------------------------------------------
    def clean_page(self, progress: Progress, page_size: int, throttle: Throttle) -> Progress:
        page = self._scan_page(progress.next_key, page_size, profiles_only=False)
        for item in page.get("Items", []):
            entry = from_item(item)
            progress.scanned += 1
            if not self._retired(entry):
                continue
            if entry["pk"].startswith("IDENTITY#") and entry.get("reader_id"):
                outcome = self.reindex_reader(self._profile(entry["reader_id"]))
                if outcome.startswith("conflict"):
                    progress.conflicts.append({"reader_id": entry["reader_id"], "why": outcome})
                    continue  # kept: the reader stays findable until someone looks at it
                progress.reindexed += outcome == "reindexed"
            self._db.delete_item(TableName=self._table, Key=to_item({"pk": entry["pk"], "sk": entry["sk"]}))
            progress.deleted += 1
            throttle.spend()
        progress.next_key = page.get("LastEvaluatedKey")
        progress.finished = progress.next_key is None
        return progress

    def _retired(self, entry: dict[str, Any]) -> bool:
        """An index entry, or a reader's note of one, made with a key version that is no longer live."""
        pk = entry["ref_pk"] if str(entry.get("sk", "")).startswith("REF#") and "ref_pk" in entry else entry["pk"]
        kind, _, index = str(pk).partition("#")
        return kind in INDEXED_KINDS and bool(index) and not self._indexes.is_live(index)

    def left_under(self, version: int, page_size: int = 500) -> int:
        """How many entries of ``version`` are still in the table (the drill's check that a clean-up finished)."""
        count, start = 0, None
        while True:
            page = self._scan_page(start, page_size, profiles_only=False)
            for item in page.get("Items", []):
                entry = from_item(item)
                pk = entry.get("ref_pk", entry["pk"]) if str(entry["sk"]).startswith("REF#") else entry["pk"]
                kind, _, index = str(pk).partition("#")
                count += kind in INDEXED_KINDS and bool(index) and version_of(index) == version
            start = page.get("LastEvaluatedKey")
            if start is None:
                return count

    def _scan_page(self, start: dict[str, Any] | None, page_size: int, profiles_only: bool) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": self._table, "Limit": page_size, "ConsistentRead": True}
        if profiles_only:
            request.update(FilterExpression="sk = :profile", ExpressionAttributeValues=to_item({":profile": "PROFILE"}))
        if start:
            request["ExclusiveStartKey"] = start
        return self._db.scan(**request)


def checkpoint_text(progress: Progress) -> str:
    return json.dumps(progress.as_dict(), ensure_ascii=False)
