"""DynamoDB requests issued by each route (and by the relay and worker), counted with botocore's event hooks.

A reader's whole life goes through every Api route of template.yaml once, in-process on the emulation; each
DynamoDB call is counted against the route (or event source) that made it. A Scan on any of these paths is a bug:
its cost grows with every reader the library has.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestCounts:
    per_route: dict[str, Counter] = field(default_factory=dict)
    calls: Counter = field(default_factory=Counter)
    current: str = "setup"

    def hook(self, event_name: str, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.per_route.setdefault(self.current, Counter())[operation] += 1

    def per_call(self, route: str) -> dict[str, float]:
        return {operation: n / max(1, self.calls[route]) for operation, n in sorted(self.per_route[route].items())}

    def scans(self) -> dict[str, int]:
        return {route: ops["Scan"] for route, ops in self.per_route.items() if ops.get("Scan")}


def _drain_outbox_and_queue(aws: Any, invoke: Any) -> None:
    """What the stream event source and the SQS event source would deliver next."""
    from devstack.queues import _record
    from devstack.streams import _plain, _shard_records

    table = aws.resources.table_names["ReadersTable"]
    outbox = [r for r in _shard_records(table) if r["eventName"] == "INSERT"
              and r["dynamodb"]["NewImage"]["sk"]["S"].startswith("OUTBOX#")]
    if outbox:
        invoke("LinkOutboxRelayFunction", {"Records": [_plain(r) for r in outbox]})
    sqs = aws.client("sqs")
    url = aws.resources.queue_urls["LinkQueue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    if messages:
        invoke("LinkWorkerFunction", {"Records": [_record(m, "arn:aws:sqs:local") for m in messages]})
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                       for i, m in enumerate(messages)])


def count_requests() -> RequestCounts:
    """Walks one reader through every API route and the link pipeline, counting DynamoDB requests per step."""
    import boto3

    from devstack.functions import LambdaContext, api_routes, load_module
    from devstack.in_process import emulated_aws

    counts = RequestCounts()
    with emulated_aws() as aws:
        boto3.setup_default_session()
        events = boto3.DEFAULT_SESSION.events
        events.register("before-call.dynamodb", counts.hook)
        from onecard import wiring
        from partner_simulator.core import SimulatedPartners
        from tests.support.api import ApiClient

        wiring.reset()  # clients made from now on carry the hook
        worker = load_module(aws.specs["LinkWorkerFunction"])
        partners = SimulatedPartners()
        worker.partner = lambda: partners  # the simulated partners, in-process, behind the client interface

        def invoke(function: str, event: dict[str, Any]) -> Any:
            before = counts.current
            counts.current = f"{event['httpMethod']} {event['resource']}" if "httpMethod" in event else function
            counts.per_route.setdefault(counts.current, Counter())
            counts.calls[counts.current] += 1
            try:
                if function == "LinkWorkerFunction":
                    return worker.lambda_handler(event, LambdaContext(aws.specs[function]))
                return aws.invoke(function, event)
            finally:
                counts.current = before

        api = ApiClient(api_routes(aws.specs), invoke)
        try:
            run_every_route(api, aws, lambda: _drain_outbox_and_queue(aws, invoke))
        finally:
            events.unregister("before-call.dynamodb", counts.hook)
            wiring.reset()
    return counts


def run() -> list[tuple[str, str]]:
    """Rows for the benchmark table: each route's DynamoDB requests per call."""
    counts = count_requests()
    rows = []
    for route in counts.per_route:
        if route == "setup":
            continue
        per_call = counts.per_call(route)
        described = ", ".join(f"{op} {n:g}" for op, n in per_call.items()) or "none"
        rows.append((route, f"{sum(per_call.values()):g} ({described})"))
    scans = counts.scans()
    if scans:
        raise AssertionError(f"a request path scans a table: {scans}")
    return rows


def _expect(answer: Any, status: int) -> Any:
    assert answer.status == status, f"expected {status}, got {answer.status}: {answer.body[:300]!r}"
    return answer


def run_every_route(api: Any, aws: Any, drain: Any) -> None:
    from onecard.captcha import solve
    from onecard.partners import protocol
    from tests.support.applications import personal_application

    for page in ("/", "/register", "/login", "/me", "/assets/site.css"):
        _expect(api.get(page), 200)
    _expect(api.get("/v1/health"), 200)
    _expect(api.get("/v1/openapi.json"), 200)
    body = personal_application(solve(_expect(api.get("/v1/captcha"), 200).json()))
    _expect(api.get("/v1/readers/availability", query={"id_type": body["id_type"], "id_number": body["id_number"]}),
            200)
    _expect(api.get("/v1/consent-documents"), 200)
    ntpc = _expect(api.get("/v1/consent-documents/ntpc"), 200).json()
    _expect(api.get(f"/v1/consent-documents/ntpc/versions/{ntpc['version']}"), 200)
    klcpl = _expect(api.get("/v1/consent-documents/klcpl"), 200).json()
    body["partners"] = [{"partner": "klcpl", "document_sha256": klcpl["sha256"]}]
    _expect(api.post("/v1/readers", body), 201)

    def log_in(password: str) -> dict[str, str]:
        session = _expect(api.post("/v1/sessions", {"id_number": body["id_number"], "password": password}), 201)
        return {"X-CSRF-Token": session.json()["csrf_token"]}

    csrf = log_in(body["password"])
    _expect(api.get("/v1/readers/me"), 200)
    _expect(api.patch("/v1/readers/me", {"mobile": "0987654321"}, headers=csrf), 200)
    _expect(api.put("/v1/readers/me/password", {"current_password": body["password"], "password": "Read2027x",
                                                "password_confirm": "Read2027x"}, headers=csrf), 204)
    _expect(api.post("/v1/readers/me/links", {"partner": "ntpc", "document_sha256": ntpc["sha256"]}, headers=csrf),
            202)
    drain()
    links = _expect(api.get("/v1/readers/me/links"), 200).json()["links"]
    receipts = _expect(api.get("/v1/readers/me/consents"), 200).json()["receipts"]
    _expect(api.get(f"/v1/readers/me/consents/{receipts[0]['receipt_id']}"), 200)
    _expect(api.post("/v1/readers/me/consents", {"partner": "ntpc", "document_sha256": ntpc["sha256"],
                                                 "decision": "agree"}, headers=csrf), 201)
    secret = aws.client("secretsmanager").get_secret_value(
        SecretId=aws.resources.secret_ids["KlcplPartnerSecret"])["SecretString"].encode()
    klcpl_request = next(link["request_id"] for link in links if link["partner"] == "klcpl")
    event = json.dumps({"event_id": "count-1", "request_id": klcpl_request, "status": "active",
                        "partner_card_number": "K-1"}).encode()
    _expect(api.request("POST", "/v1/partners/klcpl/callbacks", raw_body=event,
                        headers=protocol.signed_headers(secret, klcpl_request, int(time.time()), event)), 204)
    _expect(api.delete("/v1/readers/me/links/ntpc", headers=csrf), 202)
    drain()
    _expect(api.get("/v1/readers/me/export"), 200)
    _expect(api.delete("/v1/sessions/current", headers=csrf), 204)
    csrf = log_in("Read2027x")
    _expect(api.post("/v1/readers/me/erasure", {"password": "Read2027x"}, headers=csrf), 202)
    drain()
