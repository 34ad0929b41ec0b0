"""What every link worker shares about each partner, in the sessions table: its circuit breaker (one item per
partner) and its per-second call counters (one short-lived item per partner per second).

The sessions table holds short-lived operational items already (sessions, rate limits, callback ids), has no stream
and no personal data; the readers table's stream would carry every breaker and counter write to the outbox relay.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from onecard.infra.dynamo import from_item, is_condition_failed, to_item
from onecard.links.retry_policy import PartnerHealth, after_failure

# A breaker item outlives any outage it records; refreshed at each write.
HEALTH_TTL_SECONDS = 30 * 86400


def health_key(partner: str) -> dict[str, Any]:
    return to_item({"pk": f"PARTNER#{partner}"})


def _health(item: dict[str, Any] | None) -> PartnerHealth:
    values = from_item(item) if item else {}
    return PartnerHealth(
        failures=int(values.get("failures", 0)),
        down_since=values.get("down_since"),
        probe_at=float(values.get("probe_at", 0)),
        backlog=max(0, int(values.get("backlog", 0))),
    )


class PartnerBreakers:
    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def read(self, partner: str) -> PartnerHealth:
        return _health(
            self._db.get_item(TableName=self._table, Key=health_key(partner), ConsistentRead=True).get("Item")
        )

    @property
    def table(self) -> str:
        return self._table

    @staticmethod
    def key(partner: str) -> dict[str, str]:
        """A partner's health item's key (plain values), for reading it with other items."""
        return {"pk": f"PARTNER#{partner}"}

    @staticmethod
    def health_of(partners: list[str], items: list[dict[str, Any]]) -> dict[str, PartnerHealth]:
        """Each partner's health from its items as read (plain values; a partner without one is healthy)."""
        found = {item["pk"].split("#", 1)[1]: to_item(item) for item in items if item["pk"].startswith("PARTNER#")}
        return {p: _health(found.get(p)) for p in partners}

    def read_many(self, partners: list[str]) -> dict[str, PartnerHealth]:
        """One request for every partner (at most a handful)."""
        if not partners:
            return {}
        keys = [health_key(p) for p in dict.fromkeys(partners)]
        answer = self._db.batch_get_item(RequestItems={self._table: {"Keys": keys}})
        found = {from_item(i)["pk"].split("#", 1)[1]: i for i in answer.get("Responses", {}).get(self._table, [])}
        return {p: _health(found.get(p)) for p in partners}

    def elect_prober(self, partner: str, seen: PartnerHealth, now: float, probe_seconds: float) -> bool:
        """True for the one worker whose conditional write moves the next probe on: it alone calls the partner."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=health_key(partner),
                UpdateExpression="SET probe_at = :next",
                ConditionExpression="attribute_exists(down_since) AND probe_at = :seen",
                ExpressionAttributeValues=to_item({":next": now + probe_seconds, ":seen": seen.probe_at}),
            )
            return True
        except ClientError as error:
            if is_condition_failed(error):
                return False
            raise

    def record_failure(
        self, partner: str, now: float, *, trip_after: int, probe_seconds: float
    ) -> tuple[PartnerHealth, bool]:
        """One more passing failure in the row; (the partner's state, whether this failure marked it down)."""
        answer = self._db.update_item(
            TableName=self._table,
            Key=health_key(partner),
            UpdateExpression="ADD failures :one SET expires_at = :expires",
            ExpressionAttributeValues=to_item({":one": 1, ":expires": int(now) + HEALTH_TTL_SECONDS}),
            ReturnValues="ALL_NEW",
        )
        counted = _health(answer["Attributes"])
        before = PartnerHealth(counted.failures - 1, counted.down_since, counted.probe_at, counted.backlog)
        after = after_failure(before, now, trip_after=trip_after, probe_seconds=probe_seconds)
        if not after.down or before.down:
            return counted, False
        try:  # only one of the workers that see the row reach the threshold marks it down
            self._db.update_item(
                TableName=self._table,
                Key=health_key(partner),
                UpdateExpression="SET down_since = :since, probe_at = :probe",
                ConditionExpression="attribute_not_exists(down_since)",
                ExpressionAttributeValues=to_item({":since": after.down_since, ":probe": after.probe_at}),
            )
        except ClientError as error:
            if is_condition_failed(error):
                return self.read(partner), False
            raise
        return after, True

    def record_answer(self, partner: str) -> float | None:
        """The partner answered: up again, the row of failures over. When it had been down, since when."""
        answer = self._db.update_item(
            TableName=self._table,
            Key=health_key(partner),
            UpdateExpression="SET failures = :zero REMOVE down_since",
            ExpressionAttributeValues=to_item({":zero": 0}),
            ReturnValues="UPDATED_OLD",
        )
        return from_item(answer.get("Attributes", {})).get("down_since")

    def add_to_backlog(self, partner: str, change: int) -> None:
        """An approximate count of requests waiting for the partner (held, over its rate or backing off)."""
        self._db.update_item(
            TableName=self._table,
            Key=health_key(partner),
            UpdateExpression="ADD backlog :change",
            ExpressionAttributeValues=to_item({":change": change}),
        )


class PartnerRateCounter:
    """Calls given to each partner in each whole second, shared by every worker (one item per partner-second)."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def take(self, partner: str, second: int) -> int:
        """Counts one call in ``second`` and answers how many have asked for that second so far, this one included:
        a call may go when the answer is within the partner's rate (DynamoDB applies the ADDs one after another)."""
        answer = self._db.update_item(
            TableName=self._table,
            Key=to_item({"pk": f"PARTNERRATE#{partner}#{second}"}),
            UpdateExpression="ADD calls :one SET expires_at = if_not_exists(expires_at, :expires)",
            ExpressionAttributeValues=to_item({":one": 1, ":expires": second + 120}),
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["calls"]["N"])
