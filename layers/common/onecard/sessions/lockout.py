"""Account lockout: 5 failed logins within 15 minutes lock the account for 15 minutes.

Counted by the blind index of the submitted ID number, so an unknown number is locked exactly like a known one.

Each password check first *reserves* an attempt with an atomic counter, and only then verifies. Parallel guesses
therefore cannot slip past the limit between a read and a write: of any number of simultaneous attempts at most
``MAX_FAILURES`` reach the password check in one window. A success clears the counter; a failure keeps its
reservation, and the failure that fills the window sets the lock.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import from_item, to_item

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
_RACE_RETRIES = 5
_NOT_LOCKED = "(attribute_not_exists(locked_until) OR locked_until <= :now)"


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class Lockout:
    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def _key(self, account: str) -> dict[str, Any]:
        return to_item({"pk": f"LOCK#{account}"})

    def _record(self, account: str) -> dict[str, Any]:
        item = self._db.get_item(TableName=self._table, Key=self._key(account), ConsistentRead=True).get("Item")
        return from_item(item) if item else {}

    def locked_for(self, account: str, now: int) -> int:
        """Seconds the account stays locked (0 when it is not)."""
        return max(0, int(self._record(account).get("locked_until", 0)) - now)

    def key(self, account: str) -> dict[str, Any]:
        """The lockout item's key (in the sessions table, plain values), for reading it with other items."""
        return {"pk": f"LOCK#{account}"}

    def reserve(self, account: str, now: int) -> int:
        """Counts one password check about to be made. Returns 0 when it may go ahead, otherwise the seconds to
        wait (the account is locked, or its window's attempts are used up by checks still in flight)."""
        return self.reserve_attempt(account, now)[0]

    def reserve_attempt(self, account: str, now: int, known: dict[str, Any] | None = None) -> tuple[int, int]:
        """As reserve, also returning how many attempts the window holds with this one (0 when refused).

        ``known``: the lockout item as just read ({} when there is none), so that the one update that fits it is
        tried first (one request instead of two when no window is open); None when it was not read."""
        if known is not None and int(known.get("locked_until", 0)) > now:
            return int(known["locked_until"]) - now, 0
        window_open = known is not None and int(known.get("window_start", 0)) > now - WINDOW_SECONDS
        tries = (
            (self._count_in_window, self._start_window)
            if known is None or window_open
            else (self._start_window, self._count_in_window)
        )
        for _ in range(_RACE_RETRIES):
            for attempt in tries:
                counted = attempt(account, now)
                if counted:
                    return 0, counted
            record = self._record(account)
            locked = int(record.get("locked_until", 0)) - now
            if locked > 0:
                return locked, 0
            if (
                int(record.get("window_start", 0)) > now - WINDOW_SECONDS
                and int(record.get("attempts", 0)) >= MAX_FAILURES
            ):
                # Every attempt of this window is taken by checks still running; answer as a lock would.
                return max(1, int(record["window_start"]) + WINDOW_SECONDS - now), 0
            # Otherwise another request changed the item between our two tries: try again.
        return LOCK_SECONDS, 0

    def _count_in_window(self, account: str, now: int) -> int:
        """An open window: one more attempt in it, while there is room. The attempts it now holds, or 0."""
        values = {":one": 1, ":now": now, ":cutoff": now - WINDOW_SECONDS, ":max": MAX_FAILURES}
        try:
            answer = self._db.update_item(
                TableName=self._table,
                Key=self._key(account),
                UpdateExpression="ADD attempts :one",
                ConditionExpression=f"window_start > :cutoff AND {_NOT_LOCKED} AND "
                "(attribute_not_exists(attempts) OR attempts < :max)",
                ExpressionAttributeValues=to_item(values),
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return 0
        return max(1, int(from_item(answer.get("Attributes") or {}).get("attempts", 1)))

    def _start_window(self, account: str, now: int) -> int:
        """No window, or an old one: start a new window with this attempt (a current lock is kept). 1, or 0."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._key(account),
                UpdateExpression="SET attempts = :one, window_start = :now, expires_at = :expires, "
                "locked_until = if_not_exists(locked_until, :zero)",
                ConditionExpression=f"attribute_not_exists(pk) OR (window_start <= :cutoff AND {_NOT_LOCKED})",
                ExpressionAttributeValues=to_item(
                    {
                        ":one": 1,
                        ":now": now,
                        ":cutoff": now - WINDOW_SECONDS,
                        ":zero": 0,
                        ":expires": now + WINDOW_SECONDS + 60,
                    }
                ),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return 0
        return 1

    def give_back_action(self, account: str, now: int, attempts: int = 1) -> dict[str, Any]:
        """A transaction action for the right password, written with the session (so a success costs no request
        of its own): its own attempt and the failures counted before it (``attempts`` in all) are given back,
        while attempts other checks counted meanwhile stay. Unconditional, so it cannot cancel the login: after a
        lock set meanwhile the count goes below zero, which the next window's start overwrites (the lock stays);
        an item deleted meanwhile comes back with an old window and its expiry, as if new."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": self._key(account),
                "UpdateExpression": "ADD attempts :minus SET window_start = if_not_exists(window_start, :zero), "
                "expires_at = if_not_exists(expires_at, :expires)",
                "ExpressionAttributeValues": to_item(
                    {":minus": -attempts, ":zero": 0, ":expires": now + WINDOW_SECONDS + 60}
                ),
            }
        }

    def cleared_action(self, account: str, left: dict[str, Any]) -> dict[str, Any]:
        """A right password's give-back while the lockout item is still exactly as this attempt left it (``left``:
        as its claim wrote it, or as read where it claimed nothing): the window then holds only this attempt and
        the failures before it, all given back, and an item with no attempts and no lock counts as none, so it
        goes; the next login finds no item, as after the window's expiry. Its condition fails, cancelling the
        write it is in, when another attempt counted meanwhile or a lock was set: give_back_action then gives
        back by subtraction, leaving theirs."""
        return {"Delete": {"TableName": self._table, "Key": self._key(account), **self._unchanged(left)}}

    def claim_action(
        self, account: str, now: int, known: dict[str, Any]
    ) -> tuple[dict[str, Any], int, dict[str, Any]] | None:
        """A login's attempt counted *before* its password is checked, as one transaction action applied to the
        lockout item exactly as it was read (``known``, {} for none), and the attempts the window then holds. It
        fails when anything changed the item meanwhile, so of simultaneous attempts on one account only one is
        counted this way; the others count the reserve-first way (reserve_attempt). Either way no more than
        MAX_FAILURES checks are made in a window, however many attempts arrive at once. Also the state it writes
        (for cleared_action). None when the item as read allows no check (locked, or the window's attempts all
        taken)."""
        if int(known.get("locked_until", 0)) > now:
            return None
        attempts = self._attempts_in_window(known, now)
        if attempts >= MAX_FAILURES:
            return None
        if attempts:
            state = {"attempts": attempts + 1, "window_start": int(known["window_start"]), "locked_until": 0}
            expires = int(known["window_start"]) + WINDOW_SECONDS + 60
        else:
            state = {"attempts": 1, "window_start": now, "locked_until": 0}
            expires = now + WINDOW_SECONDS + 60
        item = {**self.key(account), **state, "expires_at": expires}
        action = {"Put": {"TableName": self._table, "Item": to_item(item), **self._unchanged(known)}}
        return action, state["attempts"], state

    def retry_after(self, known: dict[str, Any], now: int) -> int:
        """The seconds until the lockout item as read allows a check again (0: it allows one now)."""
        locked = int(known.get("locked_until", 0)) - now
        if locked > 0:
            return locked
        if self._attempts_in_window(known, now) >= MAX_FAILURES:
            return max(1, int(known["window_start"]) + WINDOW_SECONDS - now)
        return 0

    @staticmethod
    def _attempts_in_window(known: dict[str, Any], now: int) -> int:
        """The attempts the lockout item as read holds in a window still open (0 when it has none)."""
        window_open = int(known.get("window_start", 0)) > now - WINDOW_SECONDS
        return int(known.get("attempts", 0)) if window_open else 0

    def mirrored_lock_action(self, account: str, until: int) -> dict[str, Any]:
        """A transaction action that locks another account of the same reader until the same time: a card holder's
        lock is kept under their card barcode's account too, which a barcode login reads before it knows whose card
        it is, so that a locked card's guesses never reach the library system."""
        item = {**self.key(account), "locked_until": until, "attempts": 0, "window_start": 0, "expires_at": until + 60}
        return {"Put": {"TableName": self._table, "Item": to_item(item)}}

    @staticmethod
    def _unchanged(known: dict[str, Any]) -> dict[str, Any]:
        """A condition that holds while the lockout item is as it was read."""
        if not known:
            return {"ConditionExpression": "attribute_not_exists(pk)"}
        names, values, parts = {}, {}, []
        for number, name in enumerate(("attempts", "window_start", "locked_until")):
            names[f"#s{number}"] = name
            if name in known:
                parts.append(f"#s{number} = :s{number}")
                values[f":s{number}"] = known[name]
            else:
                parts.append(f"attribute_not_exists(#s{number})")
        condition = {"ConditionExpression": " AND ".join(parts), "ExpressionAttributeNames": names}
        return {**condition, "ExpressionAttributeValues": to_item(values)} if values else condition

    def fail(self, account: str, now: int, mirror: str | None = None) -> None:
        """A reserved check failed: its attempt stays counted; the one that fills the window locks the account (and
        the ``mirror`` account: see mirrored_lock_action)."""
        record = self._record(account)
        if int(record.get("attempts", 0)) < MAX_FAILURES or int(record.get("locked_until", 0)) > now:
            return
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._key(account),
                UpdateExpression="SET locked_until = :until, attempts = :zero, window_start = :zero, "
                "expires_at = :expires",
                ConditionExpression=f"attempts >= :max AND {_NOT_LOCKED}",
                ExpressionAttributeValues=to_item(
                    {
                        ":until": now + LOCK_SECONDS,
                        ":zero": 0,
                        ":max": MAX_FAILURES,
                        ":now": now,
                        ":expires": now + LOCK_SECONDS + 60,
                    }
                ),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return  # a concurrent failure locked it already
        if mirror:
            self._db.put_item(**self.mirrored_lock_action(mirror, now + LOCK_SECONDS)["Put"])

    def release(self, account: str) -> None:
        """A reserved check that could not be made (the library system did not answer): not a failure, so its
        attempt is given back."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._key(account),
                UpdateExpression="ADD attempts :minus",
                ConditionExpression="attempts > :zero",
                ExpressionAttributeValues=to_item({":minus": -1, ":zero": 0}),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    def clear(self, account: str) -> None:
        """Forgets the failures and lifts a lock: the reader proved control of the verified address and set a new
        password (a password reset), so guesses at the old one no longer matter."""
        self._db.delete_item(TableName=self._table, Key=self._key(account))

    def succeed(self, account: str, now: int) -> None:
        """The right password: the failures before it are forgotten. A lock set meanwhile by other, failed
        attempts stays in force for everyone else."""
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=self._key(account),
                ConditionExpression=_NOT_LOCKED,
                ExpressionAttributeValues=to_item({":now": now}),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
