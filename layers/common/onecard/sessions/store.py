"""Sessions kept server-side: only the token's SHA-256 is stored, with a pointer under the reader for revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from onecard.infra.dynamo import from_item, to_item

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
_REFRESH_AFTER_SECONDS = 60


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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    def __init__(self, dynamodb: Any, *, sessions_table: str, readers_table: str):
        self._db = dynamodb
        self._sessions = sessions_table
        self._readers = readers_table

    def create(self, reader_id: str, now: int) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(token_hash(token), reader_id, secrets.token_urlsafe(24), now, now, now + ABSOLUTE_SECONDS)
        self._db.transact_write_items(TransactItems=[
            {"Put": {"TableName": self._sessions, "Item": to_item(self._record(session))}},
            {"Put": {"TableName": self._readers, "Item": to_item({
                "pk": f"READER#{reader_id}", "sk": f"SESSION#{session.token_hash}", "created_at": now,
                "expires_at": session.absolute_expires_at})}},
        ])
        return token, session

    def find(self, token: str, now: int) -> Session | None:
        """The live session of a token; DynamoDB's TTL deletes lazily, so expiry is always checked here."""
        item = self._db.get_item(TableName=self._sessions, Key=to_item({"pk": f"SESSION#{token_hash(token)}"}),
                                 ConsistentRead=True).get("Item")
        if not item:
            return None
        record = from_item(item)
        session = Session(record["token_hash"], record["reader_id"], record["csrf_token"], record["created_at"],
                          record["last_seen_at"], record["absolute_expires_at"])
        if not session.is_live(now):
            return None
        if now - session.last_seen_at >= _REFRESH_AFTER_SECONDS:
            session = Session(session.token_hash, session.reader_id, session.csrf_token, session.created_at, now,
                              session.absolute_expires_at)
            self._db.put_item(TableName=self._sessions, Item=to_item(self._record(session)))
        return session

    def revoke(self, session: Session) -> None:
        self.revoke_hash(session.reader_id, session.token_hash)

    def revoke_hash(self, reader_id: str, hashed_token: str) -> None:
        self._db.transact_write_items(TransactItems=[
            {"Delete": {"TableName": self._sessions, "Key": to_item({"pk": f"SESSION#{hashed_token}"})}},
            {"Delete": {"TableName": self._readers,
                        "Key": to_item({"pk": f"READER#{reader_id}", "sk": f"SESSION#{hashed_token}"})}},
        ])

    def _record(self, session: Session) -> dict[str, Any]:
        return {"pk": f"SESSION#{session.token_hash}", "token_hash": session.token_hash,
                "reader_id": session.reader_id, "csrf_token": session.csrf_token, "created_at": session.created_at,
                "last_seen_at": session.last_seen_at, "absolute_expires_at": session.absolute_expires_at,
                "expires_at": session.expires_at()}
