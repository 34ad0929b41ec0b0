"""Applications while the AWS emulation throttles most DynamoDB and SQS calls: every answer is a 201 or a 503 with
Retry-After (never a 500), and no reader is half-written (no PROFILE without its IDENTITY guard, no guard without
its PROFILE)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.applications import personal_application
from tests.support.running_stack import (
    ONE_ADDRESS_MANY_CLIENTS,
    RunningStack,
    emulation_client,
    stack_with_its_emulation,
)


@pytest.fixture(scope="module")
def throttled_stack(tmp_path_factory) -> Iterator[tuple[RunningStack, str]]:
    with stack_with_its_emulation(tmp_path_factory.mktemp("throttled") / "state", ONE_ADDRESS_MANY_CLIENTS) as running:
        yield running


def _readers_items(emulation: str) -> list[dict]:
    dynamodb = emulation_client(emulation, "dynamodb")
    table = next(name for name in dynamodb.list_tables()["TableNames"] if "Readers" in name)
    items: list[dict] = []
    start: dict[str, Any] = {}
    while True:
        page = dynamodb.scan(TableName=table, **start)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def test_applications_under_heavy_throttling_get_201_or_503_and_nothing_half_written(throttled_stack):
    from onecard.captcha import solve

    stack, emulation = throttled_stack
    control = f"{stack.simulator_url}/_control/aws"
    bodies = [
        personal_application(solve(requests.get(f"{stack.url}/v1/captcha", timeout=30).json())) for _ in range(12)
    ]
    turned_on = requests.post(
        control, json={"throttle_rate": 0.7, "services": ["dynamodb", "sqs"], "for_seconds": 120}, timeout=10
    )
    assert turned_on.status_code == 200, turned_on.text
    answers: Counter[int] = Counter()
    created: list[str] = []
    try:
        for body in bodies:
            answer = requests.post(f"{stack.url}/v1/readers", json=body, timeout=60)
            answers[answer.status_code] += 1
            assert answer.status_code in (201, 503), answer.text
            if answer.status_code == 503:
                assert int(answer.headers["Retry-After"]) >= 1
                assert answer.headers["Content-Type"].startswith("application/problem+json")
            else:
                created.append(answer.json()["reader_id"])
        refused = requests.get(control, timeout=10).json()["refused"]
    finally:
        requests.post(control, json={}, timeout=10)
    assert refused.get("dynamodb", 0) > 0, "the switch throttled nothing"
    assert answers[503] > 0, f"70 % throttling should exhaust some retries: {answers}"

    items = _readers_items(emulation)
    profiles = {i["pk"]["S"].removeprefix("READER#") for i in items if i["sk"]["S"] == "PROFILE"}
    guarded = {i["reader_id"]["S"] for i in items if i["sk"]["S"] == "IDENTITY" and "reader_id" in i}
    assert set(created) <= profiles
    assert profiles == guarded, f"half-written: profiles {profiles - guarded}, guards {guarded - profiles}"

    # Once the throttling ends, the service answers as usual.
    after = personal_application(solve(requests.get(f"{stack.url}/v1/captcha", timeout=30).json()))
    assert requests.post(f"{stack.url}/v1/readers", json=after, timeout=60).status_code == 201


def test_the_switch_refuses_nonsense(throttled_stack):
    stack, _ = throttled_stack
    answer = requests.post(f"{stack.simulator_url}/_control/aws", json={"throttle_rate": 2}, timeout=10)
    assert answer.status_code == 400
