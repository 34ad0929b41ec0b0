"""A throttled AWS call that outlived the SDK's retries is a 503 with Retry-After, in the resolver's one mapping;
the emulation's throttling switch refuses only the share and services it was set for, only for its stretch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from devstack.emulation import Throttling
from onecard.infra.dynamo import WritesUnfinished
from onecard.web.resolver import create_resolver, is_throttling


def _error(code: str, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": "x"}}
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, "TransactWriteItems")


def _event() -> dict:
    return {
        "httpMethod": "POST",
        "path": "/v1/boom",
        "resource": "/v1/boom",
        "headers": {},
        "body": None,
        "requestContext": {"requestId": "r", "httpMethod": "POST", "resourcePath": "/v1/boom"},
    }


@pytest.mark.parametrize(
    "error, throttled",
    [
        (_error("ProvisionedThroughputExceededException"), True),
        (_error("ThrottlingException"), True),
        (_error("RequestThrottled"), True),
        (_error("TransactionCanceledException", ["None", "ThrottlingError", "ProvisionedThroughputExceeded"]), True),
        (_error("TransactionCanceledException", ["None", "TransactionConflict"]), True),
        (_error("TransactionCanceledException", ["ConditionalCheckFailed", "ThrottlingError"]), False),
        (_error("TransactionCanceledException", ["None", "ValidationError"]), False),
        (_error("ConditionalCheckFailedException"), False),
        (WritesUnfinished("t", 3), True),
        (ValueError("x"), False),
    ],
)
def test_which_errors_are_throttling(error, throttled):
    assert is_throttling(error) is throttled


@pytest.mark.parametrize("error, status", [(_error("ThrottlingException"), 503), (_error("AccessDenied"), 500)])
def test_the_resolver_answers_throttling_with_503_and_retry_after(error, status):
    app = create_resolver()

    @app.post("/v1/boom")
    def boom():
        raise error

    answer = app.resolve(_event(), LambdaContext())

    assert answer["statusCode"] == status
    if status == 503:
        headers = answer.get("headers") or {k: v[0] for k, v in answer["multiValueHeaders"].items()}
        assert int(headers["Retry-After"]) >= 1
        assert json.loads(answer["body"])["status"] == 503


def test_the_switch_refuses_its_share_for_its_stretch_only():
    now = [0.0]
    draws = iter([0.1, 0.9, 0.1])
    throttling = Throttling(draw=lambda: next(draws), clock=lambda: now[0])
    throttling.set(throttle_rate=0.5, services=["dynamodb"], for_seconds=10)

    assert throttling.refuses("sqs") is False
    assert [throttling.refuses("dynamodb"), throttling.refuses("dynamodb")] == [True, False]
    now[0] = 11
    assert throttling.refuses("dynamodb") is False and throttling.settings()["throttle_rate"] == 0.0
    with pytest.raises(ValueError):
        throttling.set(throttle_rate=1.5)
