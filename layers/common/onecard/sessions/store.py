"""Sessions kept server-side: only the token's SHA-256 is stored, with a pointer under the reader for revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import from_item, query_all, to_item

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
REFRESH_AFTER_SECONDS = 60


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
    """A fresh random token (given to the client once) and the session that only knows its hash."""
    token = secrets.token_urlsafe(32)
    return token, Session(token_hash(token), reader_id, secrets.token_urlsafe(24), now, now, now + ABSOLUTE_SECONDS)


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

    def create(self, reader_id: str, now: int, also: list[dict[str, Any]] | None = None) -> tuple[str, Session]:
        """A new session and its pointer under the reader, in one transaction with the ``also`` actions."""
        token, session = new_session(reader_id, now)
        self._db.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self._sessions,
                        "Item": to_item(self._record(session)),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": self._readers, "Item": to_item(self._pointer(session))}},
                *(also or []),
            ]
        )
        return token, session

    def find(self, token: str, now: int) -> Session | None:
        """The live session of a token; DynamoDB's TTL deletes lazily, so expiry is always checked here."""
        item = self._db.get_item(
            TableName=self._sessions, Key=to_item({"pk": f"SESSION#{token_hash(token)}"}), ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        session = _session_of(from_item(item))
        if not session.is_live(now):
            return None
        if session.needs_refresh(now):
            return self.touch(session, now)
        return session

    def touch(self, session: Session, now: int) -> Session | None:
        """Records activity (at most once a minute). A session revoked meanwhile stays revoked: None."""
        touched = replace(session, last_seen_at=now)
        try:
            self._db.update_item(
                TableName=self._sessions,
                Key=to_item({"pk": f"SESSION#{session.token_hash}"}),
                UpdateExpression="SET last_seen_at = :now, expires_at = :expires",
                ConditionExpression="attribute_exists(pk) AND last_seen_at <= :now",
                ExpressionAttributeValues=to_item({":now": now, ":expires": touched.expires_at()}),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            # Either revoked, or another request refreshed it already; only the first means "logged out".
            item = self._db.get_item(
                TableName=self._sessions, Key=to_item({"pk": f"SESSION#{session.token_hash}"}), ConsistentRead=True
            ).get("Item")
            return _session_of(from_item(item)) if item else None
        return touched

    def sessions_of(self, reader_id: str) -> list[Session]:
        """Every session record still held for a reader (live or expired but not yet removed by TTL)."""
        pointers = query_all(
            self._db,
            TableName=self._readers,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues=to_item({":pk": f"READER#{reader_id}", ":p": "SESSION#"}),
            ConsistentRead=True,
        )
        found = []
        for pointer in pointers:
            item = self._db.get_item(
                TableName=self._sessions,
                Key=to_item({"pk": f"SESSION#{pointer['sk'].split('#', 1)[1]}"}),
                ConsistentRead=True,
            ).get("Item")
            if item:
                record = from_item(item)
                if record.get("reader_id") == reader_id:
                    found.append(_session_of(record))
        return found

    def revoke(self, session: Session) -> None:
        self.revoke_hash(session.reader_id, session.token_hash)

    def revoke_hash(self, reader_id: str, hashed_token: str) -> None:
        self._db.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._sessions, "Key": to_item({"pk": f"SESSION#{hashed_token}"})}},
                {
                    "Delete": {
                        "TableName": self._readers,
                        "Key": to_item({"pk": f"READER#{reader_id}", "sk": f"SESSION#{hashed_token}"}),
                    }
                },
            ]
        )

    def revoke_all(self, reader_id: str, keep: str | None = None) -> int:
        """Logs the reader out everywhere (except the session whose token hash is ``keep``); how many ended."""
        pointers = query_all(
            self._db,
            TableName=self._readers,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues=to_item({":pk": f"READER#{reader_id}", ":p": "SESSION#"}),
            ConsistentRead=True,
        )
        ended = 0
        for pointer in pointers:
            hashed = pointer["sk"].split("#", 1)[1]
            if hashed != keep:
                self.revoke_hash(reader_id, hashed)
                ended += 1
        return ended

    @staticmethod
    def _record(session: Session) -> dict[str, Any]:
        return {
            "pk": f"SESSION#{session.token_hash}",
            "token_hash": session.token_hash,
            "reader_id": session.reader_id,
            "csrf_token": session.csrf_token,
            "created_at": session.created_at,
            "last_seen_at": session.last_seen_at,
            "absolute_expires_at": session.absolute_expires_at,
            "expires_at": session.expires_at(),
        }

    @staticmethod
    def _pointer(session: Session) -> dict[str, Any]:
        return {
            "pk": f"READER#{session.reader_id}",
            "sk": f"SESSION#{session.token_hash}",
            "created_at": session.created_at,
            "expires_at": session.absolute_expires_at,
        }
