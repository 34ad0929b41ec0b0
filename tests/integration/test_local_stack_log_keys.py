"""The local stack answers requests in threads of one process: each request's log lines carry its own keys."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

from devstack.functions import FunctionSpec, LambdaContext, load_module

# A function whose one route waits until both requests are inside their handlers (each has set its log keys),
# then logs: the moment where shared keys would show the other request's.
PAUSING_FUNCTION = """
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from onecard.observability import logger
from onecard.web.resolver import http_handler

app = APIGatewayRestResolver()
both_inside = None


@app.get("/v1/echo/<name>")
def echo(name):
    both_inside.wait(timeout=10)
    logger.info("answering", extra={"asked_for": name})
    return {"name": name}


lambda_handler = http_handler(app)
"""


def request(request_id: str, name: str) -> dict:
    return {
        "httpMethod": "GET",
        "resource": "/v1/echo/{name}",
        "path": f"/v1/echo/{name}",
        "pathParameters": {"name": name},
        "headers": {},
        "requestContext": {"requestId": request_id, "resourcePath": "/v1/echo/{name}", "httpMethod": "GET"},
    }


def test_two_requests_answered_at_once_never_log_each_others_keys(tmp_path: Path, monkeypatch):
    (tmp_path / "pausing.py").write_text(PAUSING_FUNCTION)
    spec = FunctionSpec(
        name="PausingFunction", code_uri=tmp_path, handler="pausing.lambda_handler", timeout=10, environment={}
    )
    module = load_module(spec)  # as the local stack loads every function
    module.both_inside = threading.Barrier(2)
    from onecard.observability import logger

    written = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", written)
    answers: dict[str, int] = {}

    def answer(request_id: str, name: str) -> None:
        answers[name] = module.lambda_handler(request(request_id, name), LambdaContext(spec))["statusCode"]

    threads = [threading.Thread(target=answer, args=(f"req-{name}", name)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert answers == {"first": 200, "second": 200}
    lines = [json.loads(line) for line in written.getvalue().splitlines() if '"answering"' in line]
    assert sorted((line["asked_for"], line["request_id"]) for line in lines) == [
        ("first", "req-first"),
        ("second", "req-second"),
    ]
