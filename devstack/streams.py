"""What Lambda's DynamoDB stream event source mapping does: read the table's stream, filter, invoke, retry."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

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


def _shard_records(table_name: str) -> list[dict[str, Any]]:
    """The table's stream records, read from moto's backend in this process.

    Read directly, not through the API, on purpose: when a transaction is cancelled moto restores the table from a
    copy, with a new stream shard, so an API iterator would stop seeing new records, and re-reading the whole stream
    over HTTP on every pass would load the emulation more and more as the stream grows.
    """
    from moto.dynamodb.models import dynamodb_backends

    from devstack.resources import ACCOUNT, REGION

    table = dynamodb_backends[ACCOUNT][REGION].tables[table_name]
    shard = table.stream_shard
    return [item.to_json() for item in list(shard.items)] if shard is not None else []


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """The record as Lambda receives it (JSON: the creation time as epoch seconds)."""
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    dynamodb = {**record["dynamodb"]}
    if hasattr(created, "timestamp"):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "awsRegion": "ap-northeast-1"}


def poll_stream(
    table_name: str,
    spec: FunctionSpec,
    properties: dict[str, Any],
    invoke: Invoke,
    stop: threading.Event,
    idle_wait: float = 0.2,
) -> None:
    patterns = _filters(properties)
    batch_size = int(properties.get("BatchSize", 100))
    delivered: set[str] = set()
    position = 0
    while not stop.is_set():
        try:
            records = _shard_records(table_name)
            # A restored copy may be shorter than what was read before: look back a little, skip what was delivered.
            start = max(0, min(position, len(records)) - 100)
            fresh = [r for r in records[start:] if r["eventID"] not in delivered]
            wanted = []
            for record in fresh:
                if patterns and not any(matches(p, record) for p in patterns):
                    delivered.add(record["eventID"])
                else:
                    wanted.append(record)
            complete = True
            for first in range(0, len(wanted), batch_size):
                batch = wanted[first : first + batch_size]
                result = invoke(spec.name, {"Records": [_plain(r) for r in batch]}) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                # From the first failure on, records are delivered again on the next pass, as Lambda retries.
                first_failed = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed), None)
                delivered.update(
                    r["eventID"] for r in batch[: first_failed if first_failed is not None else len(batch)]
                )
                if first_failed is not None:
                    complete = False
                    break
            if complete:
                position = len(records)
            stop.wait(idle_wait)
        except Exception:
            stop.wait(idle_wait)
