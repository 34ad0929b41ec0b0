"""The steps of each key's rotation, resumable: run again, a rotation continues where it stopped.

Blind-index key (its progress is kept in the readers table, item ROTATION#blind-index / STATE):

1. ``settling``   the secret gets a new version, made current; the old stays live. Every container sees both within
                  the secret cache's age: from then on each registration guards the identity under both versions,
                  each look-up tries both, and each login counts its attempt under both indexes.
2. ``reindexing`` a throttled, checkpointed scan moves every reader's indexes to the new version.
3. ``reindexed``  both versions stay live at least the cache's age plus the lockout window after the start, so the
                  new lockout counter holds every attempt a lock could still depend on.
4. ``retired``    the old version is removed from the secret; containers stop using it within the cache's age.
5. ``cleaning``   a second scan deletes every entry of the retired version, then ``done``.

Until step 4 a rotation rolls back: the old version becomes current again, and the same steps move every reader
back and retire the new version. Captcha key: a new version signs at once, the old one verifies until every
challenge it signed has expired, then it is retired. Partner secret: both are accepted on callbacks from the start;
the new one signs from the switch time agreed with the partner; the old one is retired after the agreed window.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from onecard.config import settings
from onecard.infra.aws import client
from onecard.infra.dynamo import from_item, to_item
from onecard.rotation.reindex import Progress, Reindexer, Throttle
from onecard.security.identity_indexes import IdentityIndexes
from onecard.security.key_versions import VersionedKeys

STATE_KEY = {"pk": "ROTATION#blind-index", "sk": "STATE"}


class RotationError(Exception):
    """A rotation cannot go on as asked; the message says why and what to do."""


def default_settle_seconds() -> float:
    return settings().secret_cache_seconds + 30


def default_lockout_seconds() -> float:
    from onecard.sessions.lockout import LOCK_SECONDS, WINDOW_SECONDS

    # An attempt counted only under the old index (by a container that did not know the new key yet) can fill a
    # window that ends WINDOW_SECONDS later, and the lock it sets lasts LOCK_SECONDS more.
    return WINDOW_SECONDS + LOCK_SECONDS


@dataclass
class Options:
    settle_seconds: float = field(default_factory=default_settle_seconds)
    """How long every container may still use a secret it read before: at least the functions' cache age."""
    lockout_seconds: float = field(default_factory=default_lockout_seconds)
    page_size: int = 100
    rate: float = 50.0
    """Readers re-indexed (or entries deleted) per second at most, so live traffic keeps the table's capacity."""
    wait: bool = True
    """Wait out each step's delay; otherwise stop there and say when to run again."""
    rollback: bool = False
    report: Callable[[dict[str, Any]], None] = lambda line: print(json.dumps(line, ensure_ascii=False), flush=True)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


def new_key_value() -> bytes:
    return secrets.token_hex(32).encode()


# --- secrets ----------------------------------------------------------------------------------------------------
def read_versions(secret_id: str) -> VersionedKeys:
    return VersionedKeys.parse(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])


def write_versions(secret_id: str, keys: VersionedKeys) -> None:
    client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=keys.text())


def _wait_until(moment: float, what: str, options: Options) -> bool:
    """True once ``moment`` has come (after sleeping, when allowed); False when the caller must stop for now."""
    while True:
        left = moment - options.clock()
        if left <= 0:
            return True
        if not options.wait:
            options.report({"waiting_for": what, "run_again_after": _iso(moment)})
            return False
        options.report({"waiting_for": what, "seconds_left": round(left, 1)})
        options.sleep(min(left, 30.0))


def _iso(epoch: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- blind-index key ------------------------------------------------------------------------------------------
class BlindIndexRotation:
    def __init__(self, options: Options):
        s = settings()
        self.options = options
        self.secret_id = s.blind_index_secret_id
        self.table = s.readers_table
        self.db = client("dynamodb")

    def state(self) -> dict[str, Any] | None:
        item = self.db.get_item(TableName=self.table, Key=to_item(STATE_KEY), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def _save(self, state: dict[str, Any]) -> None:
        self.db.put_item(TableName=self.table, Item=to_item({**STATE_KEY, **state}))
        self.options.report({k: v for k, v in state.items() if k not in ("pk", "sk")})

    def _reindexer(self) -> Reindexer:
        from onecard import wiring

        cipher = wiring.cipher()
        return Reindexer(
            self.db,
            self.table,
            IdentityIndexes(read_versions(self.secret_id)),
            lambda associated, encrypted: cipher.decrypt(encrypted, associated_data=associated),
        )

    def run(self) -> dict[str, Any]:
        o = self.options
        keys = read_versions(self.secret_id)
        state = self.state()
        if state is None or state.get("phase") == "done":
            if o.rollback:
                raise RotationError("no rotation of the blind-index key is under way: nothing to roll back")
            if keys.rotating:
                raise RotationError(
                    f"the secret holds versions {sorted(keys.keys)} but no rotation is recorded; "
                    "put back a secret with one version, or finish by hand (docs/operations.md)"
                )
            rotated = keys.with_new_version(new_key_value())
            write_versions(self.secret_id, rotated)
            state = {"phase": "settling", "version": rotated.current, "previous": keys.current, "started_at": o.clock()}
            self._save(state)
        elif o.rollback:
            if state["phase"] in ("retired", "cleaning"):
                raise RotationError(
                    f"version {state['previous']} is already retired: a rollback is now a new "
                    "rotation (run without --rollback)"
                )
            if keys.current == state["version"]:
                back = keys.rolled_back()
                write_versions(self.secret_id, back)
                state = {
                    "phase": "settling",
                    "version": back.current,
                    "previous": state["version"],
                    "started_at": o.clock(),
                    "rolled_back": True,
                }
                self._save(state)
        return self._advance(state)

    def _advance(self, state: dict[str, Any]) -> dict[str, Any]:
        o = self.options
        while state["phase"] != "done":
            phase = state["phase"]
            if phase == "settling":
                if not _wait_until(
                    float(state["started_at"]) + o.settle_seconds, "every function to read both key versions", o
                ):
                    return state
                state = {**state, "phase": "reindexing", "progress": Progress().as_dict()}
                self._save(state)
            elif phase in ("reindexing", "cleaning"):
                state = self._scan(state)
            elif phase == "reindexed":
                retire_at = float(state["started_at"]) + o.settle_seconds + o.lockout_seconds
                if not _wait_until(retire_at, "the lockout window under both versions", o):
                    return state
                keys = read_versions(self.secret_id)
                if keys.current != state["version"]:
                    raise RotationError(f"the secret's current version is {keys.current}, not {state['version']}")
                write_versions(self.secret_id, keys.retired())
                state = {**state, "phase": "retired", "retired_at": o.clock()}
                self._save(state)
            elif phase == "retired":
                if not _wait_until(
                    float(state["retired_at"]) + o.settle_seconds, "every function to forget the retired version", o
                ):
                    return state
                state = {**state, "phase": "cleaning", "progress": Progress().as_dict()}
                self._save(state)
        return state

    def _scan(self, state: dict[str, Any]) -> dict[str, Any]:
        o = self.options
        reindexer = self._reindexer()
        progress = Progress(**state["progress"])
        throttle = Throttle(o.rate, sleep=o.sleep)
        while not progress.finished:
            if state["phase"] == "reindexing":
                progress = reindexer.reindex_page(progress, o.page_size, throttle)
            else:
                progress = reindexer.clean_page(progress, o.page_size, throttle)
            state = {**state, "progress": progress.as_dict()}
            self._save(state)  # the checkpoint: an interrupted run resumes after the last page saved
        if state["phase"] == "reindexing":
            return self._saved({**state, "phase": "reindexed", "reindexed_at": o.clock()})
        left = reindexer.left_under(int(state["previous"]))
        return self._saved({**state, "phase": "done", "finished_at": o.clock(), "entries_left_under_previous": left})

    def _saved(self, state: dict[str, Any]) -> dict[str, Any]:
        self._save(state)
        return state


# --- captcha key and partner secrets --------------------------------------------------------------------------
def rotate_captcha(options: Options) -> dict[str, Any]:
    secret_id = settings().captcha_secret_id
    keys = read_versions(secret_id)
    if not keys.rotating:
        if options.rollback:
            raise RotationError("no rotation of the captcha key is under way: nothing to roll back")
        # A challenge lives captcha_ttl_seconds; one issued by a container that has not seen the new key yet may be
        # issued up to the cache's age later.
        retire_at = options.clock() + settings().captcha_ttl_seconds + options.settle_seconds
        keys = keys.with_new_version(new_key_value(), extra={"retire_at": int(retire_at)})
        write_versions(secret_id, keys)
        options.report({"captcha": "new version signs", "version": keys.current, "retire_at": _iso(retire_at)})
    elif options.rollback and keys.current > min(keys.keys):
        back = keys.rolled_back()
        write_versions(secret_id, back)
        keys = back
        options.report({"captcha": "rolled back", "version": keys.current})
    return _retire_when_due(secret_id, keys, "captcha", options)


def rotate_partner(
    partner: str, new_secret: bytes | None, switch_at: int | None, window_seconds: float, options: Options
) -> dict[str, Any]:
    from onecard.partners.protocol import usable_secret

    secret_id = settings().partner_secret_ids()[partner]
    keys = read_versions(secret_id)
    if not keys.rotating:
        if options.rollback:
            raise RotationError(f"no rotation of {partner}'s secret is under way: nothing to roll back")
        if new_secret is None or switch_at is None:
            raise RotationError(
                "a partner's rotation starts with the new secret agreed with the partner "
                "(--new-secret-file) and the agreed switch time (--switch-at)"
            )
        usable_secret(partner, secret_id, new_secret)
        if switch_at < options.clock() + options.settle_seconds:
            options.report(
                {
                    "warning": "the switch time is sooner than the functions' cache age: some requests "
                    "may still be signed with the old secret just after it"
                }
            )
        retire_at = switch_at + window_seconds
        keys = keys.with_new_version(new_secret, switch_at=switch_at, extra={"retire_at": int(retire_at)})
        write_versions(secret_id, keys)
        options.report(
            {
                "partner": partner,
                "both_accepted_until": _iso(retire_at),
                "new_signs_from": _iso(switch_at),
                "version": keys.current,
            }
        )
    elif options.rollback and keys.current > min(keys.keys):
        keys = keys.rolled_back()
        write_versions(secret_id, keys)
        options.report({"partner": partner, "rolled_back_to": keys.current})
    return _retire_when_due(secret_id, keys, partner, options)


def _retire_when_due(secret_id: str, keys: VersionedKeys, what: str, options: Options) -> dict[str, Any]:
    retire_at = float(keys.extra.get("retire_at", 0))  # type: ignore[arg-type]
    if not _wait_until(retire_at, f"the end of {what}'s rotation window", options):
        return {"key": what, "phase": "window", "live_versions": list(keys.live_versions)}
    current = read_versions(secret_id)
    write_versions(secret_id, current.retired())
    outcome = {"key": what, "phase": "done", "live_versions": [current.current]}
    options.report(outcome)
    return outcome


def status(kind: str) -> dict[str, Any]:
    s = settings()
    if kind == "blind-index":
        return {
            "secret_versions": list(read_versions(s.blind_index_secret_id).live_versions),
            "rotation": BlindIndexRotation(Options(report=lambda _: None)).state(),
        }
    secret_id = s.captcha_secret_id if kind == "captcha" else s.partner_secret_ids()[kind.split(":", 1)[1]]
    keys = read_versions(secret_id)
    return {
        "secret_versions": list(keys.live_versions),
        "switch_at": keys.switch_at,
        "retire_at": keys.extra.get("retire_at"),
    }
