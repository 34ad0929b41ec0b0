"""Keeping the local stack's data across restarts: saved on clean shutdown, restored at start.

Tables and queues are saved through the AWS API. Secrets and KMS key material are saved too, because data
encrypted or indexed with them would otherwise become unreadable after a restart; moto has no API to import a
symmetric key under a chosen id, so that one step reaches into moto's KMS backend.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from devstack.resources import ACCOUNT, REGION, LocalResources

STATE_FILE = "state.json"


def load_state(folder: Path) -> dict[str, Any]:
    path = folder / STATE_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text("utf-8"))


def saved_secret_values(state: dict[str, Any]) -> dict[str, str]:
    return dict(state.get("secrets", {}))


def restore(session: Any, local: LocalResources, state: dict[str, Any]) -> None:
    _restore_keys(local, state.get("kms", {}))
    dynamodb = session.client("dynamodb")
    for logical, items in state.get("tables", {}).items():
        table = local.table_names.get(logical)
        if table is None:
            continue
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            dynamodb.batch_write_item(RequestItems={table: batch})
    sqs = session.client("sqs")
    for logical, messages in state.get("queues", {}).items():
        url = local.queue_urls.get(logical)
        for message in messages if url else []:
            sqs.send_message(
                QueueUrl=url,
                MessageBody=message["body"],
                **({"MessageAttributes": message["attributes"]} if message.get("attributes") else {}),
            )


def save_state(folder: Path, session: Any, local: LocalResources, extra: dict[str, Any] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    state = {
        "secrets": {
            name: session.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            for name, arn in local.secret_ids.items()
        },
        "kms": _saved_keys(local),
        "tables": {name: _all_items(session.client("dynamodb"), table) for name, table in local.table_names.items()},
        "queues": {name: _queued_messages(url) for name, url in local.queue_urls.items()},
        **(extra or {}),
    }
    # Written to a temporary file first so that a crash while saving never leaves half a state behind.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".state-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(state, out, ensure_ascii=False)
    os.replace(temporary, folder / STATE_FILE)


def _all_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    # A Scan is fine here: this is the local stack's own shutdown, never a request path.
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items += page["Items"]
    return items


def _kms_backend() -> Any:
    from moto.kms.models import kms_backends

    return kms_backends[ACCOUNT][REGION]


def _saved_keys(local: LocalResources) -> dict[str, dict[str, str]]:
    backend = _kms_backend()
    return {
        name: {"key_id": key_id, "material": base64.b64encode(backend.keys[key_id].key_material).decode()}
        for name, key_id in local.key_ids.items()
    }


def _restore_keys(local: LocalResources, saved: dict[str, dict[str, str]]) -> None:
    backend = _kms_backend()
    for name, record in saved.items():
        new_id = local.key_ids.get(name)
        if new_id is None:
            continue
        key = backend.keys.pop(new_id)
        key.id = record["key_id"]
        key.arn = key.arn.replace(new_id, record["key_id"])
        key.key_material = base64.b64decode(record["material"])
        backend.keys[key.id] = key
        local.key_ids[name] = key.id
        local.refs[name] = key.id
        local.attributes[(name, "Arn")] = key.arn
        local.attributes[(name, "KeyId")] = key.id
        if local.resolver is not None:
            local.resolver.refs[name] = key.id
            local.resolver.attributes[(name, "Arn")] = key.arn


def _queued_messages(url: str) -> list[dict[str, Any]]:
    from moto.sqs.models import sqs_backends

    queue_name = url.rsplit("/", 1)[-1]
    queue = sqs_backends[ACCOUNT][REGION].queues.get(queue_name)
    if queue is None:
        return []
    return [{"body": m.body, "attributes": m.message_attributes or None} for m in list(queue._messages)]
