"""Sessions kept server-side, in the reader's own partition: the token names its reader and a random secret, and
only the token's SHA-256 is stored. So the session that authenticates a 個人書房 request is read together with the
reader's data the request needs (one BatchGetItem, or one Query of the partition), and a login writes it in one
request with whatever else that login changes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import batch_get, from_item, item_at, query_all, to_item

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
REFRESH_AFTER_SECONDS = 60
_SEPARATOR = "."  # never in a reader id (R + hex) nor in a URL-safe random token


@dataclass(frozen=True)
class Session:
    token_hash: str
    reader_id: str
    csrf_token: str
    created_at: int
    last_seen_at: int
    absolute_expires_at: int

    def expires_at(self) -> int:
        return min(self.last_seen_at + IDLE_SECONDS, self.absolute_expires_at)

    def is_live(self, now: int) -> bool:
        return now < self.expires_at()

    def needs_refresh(self, now: int) -> bool:
        return now - self.last_seen_at >= REFRESH_AFTER_SECONDS


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session(reader_id: str, now: int) -> tuple[str, Session]:
    """A fresh token (given to the client once: its reader, and a random secret) and the session that only knows
    its hash. The reader id is no secret (the login answers with it); the token's strength is its random part."""
    token = f"{reader_id}{_SEPARATOR}{secrets.token_urlsafe(32)}"
    return token, Session(token_hash(token), reader_id, secrets.token_urlsafe(24), now, now, now + ABSOLUTE_SECONDS)


def session_key(reader_id: str, hashed_token: str) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": f"SESSION#{hashed_token}"}


def reader_of(token: str) -> str | None:
    """The reader a token names (not yet proof of anything), or None for a token of no known shape."""
    reader_id, separator, secret = token.partition(_SEPARATOR)
    if not separator or not secret or not reader_id.startswith("R") or not reader_id[1:].isalnum():
        return None
    return reader_id


def _session_of(record: dict[str, Any]) -> Session:
    return Session(
        record["token_hash"],
        record["reader_id"],
        record["csrf_token"],
        int(record["created_at"]),
        int(record["last_seen_at"]),
        int(record["absolute_expires_at"]),
    )


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class SessionStore:
    def __init__(self, dynamodb: Any, *, sessions_table: str, readers_table: str):
        self._db = dynamodb
        self._sessions = sessions_table
        self._readers = readers_table

    @property
    def table(self) -> str:
        """Where sessions are kept (the readers table, in each reader's partition)."""
        return self._readers

    def new(self, reader_id: str, now: int) -> tuple[str, Session, dict[str, Any]]:
        """A new session not written yet: its token, the session, and the transaction action that writes it."""
        token, session = new_session(reader_id, now)
        put = {
            "Put": {
                "TableName": self._readers,
                "Item": to_item(self._record(session)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        return token, session, put

    def discard_action(self, session: Session) -> dict[str, Any]:
        """A transaction action that deletes a session written before its password was found wrong (its token was
        never given to anyone)."""
        key = to_item(session_key(session.reader_id, session.token_hash))
        return {"Delete": {"TableName": self._readers, "Key": key}}

    def create(self, reader_id: str, now: int, also: list[dict[str, Any]] | None = None) -> tuple[str, Session]:
        """A new session, in one transaction with the ``also`` actions (a login's lockout and patron record)."""
        token, session, put = self.new(reader_id, now)
        if also:
            self._db.transact_write_items(TransactItems=[put, *also])
        else:
            self._db.put_item(**put["Put"])
        return token, session

    def find(self, token: str, now: int) -> Session | None:
        """The live session of a token (one GetItem)."""
        return self.find_reading(token, now, lambda reader_id: {})[0]

    def find_reading(
        self, token: str, now: int, keys_of: Callable[[str], dict[str, list[dict[str, Any]]]]
    ) -> tuple[Session | None, dict[str, list[dict[str, Any]]]]:
        """The live session of a token and, in the same request (one BatchGetItem, consistent), the items under
        the keys (by table) that ``keys_of`` gives for the token's reader: given only with a live session."""
        reader_id = reader_of(token)
        if reader_id is None:
            return None, {}
        key = session_key(reader_id, token_hash(token))
        keys = keys_of(reader_id)
        if not any(keys.values()):
            item = self._db.get_item(TableName=self._readers, Key=to_item(key), ConsistentRead=True).get("Item")
            return self._live(from_item(item) if item else None, now), {}
        found = batch_get(self._db, {**keys, self._readers: [key, *keys.get(self._readers, [])]})
        session = self._live(item_at(found[self._readers], key), now)
        return (session, found) if session else (None, {})

    def find_in_partition(self, token: str, now: int) -> tuple[Session | None, list[dict[str, Any]]]:
        """The live session of a token and every item of its reader's partition (one Query): for a view of all
        the reader's data (their copy). Nothing is given without a live session."""
        reader_id = reader_of(token)
        if reader_id is None:
            return None, []
        items = query_all(
            self._db,
            TableName=self._readers,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"READER#{reader_id}"}),
            ConsistentRead=True,
        )
        session = self._live(item_at(items, session_key(reader_id, token_hash(token))), now)
        return (session, items) if session else (None, [])

    def _live(self, record: dict[str, Any] | None, now: int) -> Session | None:
        """DynamoDB's TTL deletes lazily (and only after the absolute expiry), so expiry is always checked here."""
        if not record:
            return None
        session = _session_of(record)
        if not session.is_live(now):
            return None
        if session.needs_refresh(now):
            return self.touch(session, now)
        return session

    def touch(self, session: Session, now: int) -> Session | None:
        """Records activity (at most once a minute). A session revoked meanwhile stays revoked: None."""
        key = to_item(session_key(session.reader_id, session.token_hash))
        try:
            self._db.update_item(
                TableName=self._readers,
                Key=key,
                UpdateExpression="SET last_seen_at = :now",
                ConditionExpression="attribute_exists(pk) AND last_seen_at <= :now",
                ExpressionAttributeValues=to_item({":now": now}),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            # Either revoked, or another request refreshed it already; only the first means "logged out".
            item = self._db.get_item(TableName=self._readers, Key=key, ConsistentRead=True).get("Item")
            return _session_of(from_item(item)) if item else None
        return replace(session, last_seen_at=now)

    def sessions_of(self, reader_id: str) -> list[Session]:
        """Every session record still held for a reader (live or expired but not yet removed by TTL)."""
        return [_session_of(record) for record in self._records_of(reader_id)]

    def _records_of(self, reader_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self._readers,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues=to_item({":pk": f"READER#{reader_id}", ":p": "SESSION#"}),
            ConsistentRead=True,
        )

    def revoke(self, session: Session) -> None:
        self.revoke_hash(session.reader_id, session.token_hash)

    def revoke_hash(self, reader_id: str, hashed_token: str) -> None:
        self._db.delete_item(TableName=self._readers, Key=to_item(session_key(reader_id, hashed_token)))

    def revoke_all(self, reader_id: str, keep: str | None = None) -> int:
        """Logs the reader out everywhere (except the session whose token hash is ``keep``); how many ended."""
        ended = 0
        for record in self._records_of(reader_id):
            if record["token_hash"] != keep:
                self.revoke_hash(reader_id, record["token_hash"])
                ended += 1
        return ended

    @staticmethod
    def _record(session: Session) -> dict[str, Any]:
        return {
            **session_key(session.reader_id, session.token_hash),
            "token_hash": session.token_hash,
            "reader_id": session.reader_id,
            "csrf_token": session.csrf_token,
            "created_at": session.created_at,
            "last_seen_at": session.last_seen_at,
            "absolute_expires_at": session.absolute_expires_at,
            # TTL removes it once no request can use it any more; an idle session is refused before that.
            "expires_at": session.absolute_expires_at,
        }
