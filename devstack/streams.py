"""What Lambda's DynamoDB stream event source mapping does: read the table's stream, filter, invoke, retry."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from devstack.functions import FunctionSpec

Invoke = Callable[[str, dict[str, Any]], Any]


def matches(pattern: Any, value: Any) -> bool:
    """The subset of EventBridge-style filter patterns the template uses: nested keys, exact values, prefix."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and matches(p, value[k]) for k, p in pattern.items())
    if isinstance(pattern, list):
        for option in pattern:
            if isinstance(option, dict) and "prefix" in option:
                if isinstance(value, str) and value.startswith(option["prefix"]):
                    return True
            elif option == value:
                return True
        return False
    return pattern == value


def _filters(properties: dict[str, Any]) -> list[Any]:
    return [json.loads(f["Pattern"]) for f in (properties.get("FilterCriteria") or {}).get("Filters", [])]


def poll_stream(streams: Any, spec: FunctionSpec, properties: dict[str, Any], stream_arn: str, invoke: Invoke,
                stop: threading.Event, idle_wait: float = 0.5) -> None:
    """Reads each shard from its start on every pass and skips records already delivered (by event id).

    Re-reading, rather than following one iterator, is on purpose: moto restores a table from a copy when a
    transaction is cancelled, and an old iterator would then never see new records.
    """
    patterns = _filters(properties)
    batch_size = int(properties.get("BatchSize", 100))
    delivered: set[str] = set()
    while not stop.is_set():
        try:
            fresh: list[dict[str, Any]] = []
            shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
            for shard in shards:
                iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                while iterator:
                    answer = streams.get_records(ShardIterator=iterator, Limit=1000)
                    records = answer.get("Records", [])
                    fresh += [r for r in records if r["eventID"] not in delivered]
                    iterator = answer.get("NextShardIterator") if records else None
            for record in fresh:
                if not patterns or any(matches(p, record) for p in patterns):
                    continue
                delivered.add(record["eventID"])
            wanted = [r for r in fresh if r["eventID"] not in delivered]
            for start in range(0, len(wanted), batch_size):
                batch = wanted[start:start + batch_size]
                result = invoke(spec.name, {"Records": batch}) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                # Records from the first failure on are delivered again on the next pass, as Lambda would retry.
                first_failed = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed), None)
                delivered.update(r["eventID"] for r in batch[: first_failed if first_failed is not None else len(batch)])
                if first_failed is not None:
                    break
            stop.wait(idle_wait)
        except Exception:  # noqa: BLE001 - keep relaying; the records stay in the stream
            stop.wait(idle_wait)
