"""Each function's policies in template.yaml allow every AWS call the function makes, and nothing it never makes.

The AWS calls of every route, the outbox relay and the link worker are recorded on the emulated AWS (moto does not
enforce IAM) and checked against the template's own statements, so a missing permission fails here, not in
production, and a permission that no code uses is noticed.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections import defaultdict
from typing import Any

import pytest
from botocore.client import BaseClient

from devstack.functions import FunctionPool
from devstack.template import Intrinsic, load_template, resources_of_type
from tests.integration.test_partner_callbacks import send
from tests.support.applications import personal_application
from tests.support.captcha import solved_captcha
from tests.support.recording_http import RecordingHttp

Grant = tuple[str, str, str]  # (action pattern, logical resource, the service it must be called through or "")

# SAM policy templates in use, as SAM expands them (aws-sam-translator's policy_templates.json).
SAM_TEMPLATES = {
    "SQSPollerPolicy": ("QueueName", ["sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch",
                                      "sqs:DeleteMessage", "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes",
                                      "sqs:ReceiveMessage"]),
    "SQSSendMessagePolicy": ("QueueName", ["sqs:SendMessage*"]),
}

# Allowed and needed, but not reached by the flows below; each with the reason.
NOT_EXERCISED = {
    ("ConsentFunction", "dynamodb:UpdateItem", "SessionsTable"): "a session is touched at most once a minute",
    ("LinkFunction", "dynamodb:UpdateItem", "SessionsTable"): "a session is touched at most once a minute",
    ("RegisterFunction", "dynamodb:UpdateItem", "SessionsTable"): "a session is touched at most once a minute",
    ("LinkWorkerFunction", "dynamodb:GetItem", "IdempotencyTable"):
        "Powertools reads a record only when the failed conditional write did not return it",
    # The poller's own calls (receive, delete, batch visibility) are made by Lambda's event source mapping.
    **{("LinkWorkerFunction", action, "LinkQueue"): "made by the event source mapping with the function's role"
       for action in ("sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage", "sqs:DeleteMessageBatch",
                      "sqs:GetQueueAttributes", "sqs:ReceiveMessage")},
}


def _logical(value: Any) -> list[str]:
    """The resources a policy's Resource names: !GetAtt X.Arn, !Ref X, or ${X...} inside !Sub."""
    if isinstance(value, list):
        return [name for v in value for name in _logical(v)]
    if isinstance(value, Intrinsic) and value.name == "GetAtt":
        return [value.value[0]]
    if isinstance(value, Intrinsic) and value.name == "Ref":
        return [value.value]
    raise AssertionError(f"a function's policy names a resource this test cannot trace: {value!r}")


def granted(function: dict[str, Any]) -> set[Grant]:
    grants: set[Grant] = set()
    for policy in function["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"managed policy {policy!r}: use scoped statements"
        for name, arguments in policy.items():
            if name == "Statement":
                for statement in arguments:
                    assert statement["Effect"] == "Allow"
                    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                    via = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")
                    via_service = via.value.split(".")[0] if isinstance(via, Intrinsic) else ""
                    grants |= {(a, r, via_service) for a in actions for r in _logical(statement["Resource"])}
            else:
                parameter, actions = SAM_TEMPLATES[name]
                grants |= {(a, r, "") for a in actions for r in _logical(arguments[parameter])}
    return grants


class Recorder:
    """Which function makes each AWS call: the in-process invocation under way names it."""

    def __init__(self, aws):
        self.current: str | None = None
        self.calls: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        resources = aws.resources
        self.tables = {physical: logical for logical, physical in resources.table_names.items()}
        self.queues = {url: logical for logical, url in resources.queue_urls.items()}
        self.secrets = {arn: logical for logical, arn in resources.secret_ids.items()}
        self.keys = {key: logical for logical, key in resources.key_ids.items()}
        secret_resources = resources_of_type(load_template(), "AWS::SecretsManager::Secret")
        self.secret_keys = {name: r["Properties"]["KmsKeyId"].value for name, r in secret_resources.items()}

    def uses(self, function: str) -> set[tuple[str, str, str]]:
        """(action, logical resource, via service) of every recorded call of ``function``."""
        found = set()
        for service, operation, params in self.calls[function]:
            found |= self._actions(service, operation, params)
        return found

    def _actions(self, service: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str, str]]:
        if service == "dynamodb":
            if operation == "TransactWriteItems":
                verbs = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                         "ConditionCheck": "ConditionCheckItem"}
                return {(f"dynamodb:{verbs[kind]}", self.tables[body["TableName"]], "")
                        for item in params["TransactItems"] for kind, body in item.items()}
            if operation == "BatchWriteItem":
                return {("dynamodb:BatchWriteItem", self.tables[table], "") for table in params["RequestItems"]}
            return {(f"dynamodb:{operation}", self.tables[params["TableName"]], "")}
        if service == "kms":
            key = params.get("KeyId")
            return {(f"kms:{operation}", self.keys[key] if key else "DataKey", "")}
        if service == "secretsmanager":
            secret = self.secrets[params["SecretId"]]
            return {(f"secretsmanager:{operation}", secret, ""), ("kms:Decrypt", self.secret_keys[secret], "secretsmanager")}
        if service == "sqs":
            return {(f"sqs:{operation}", self.queues[params["QueueUrl"]], "")}
        raise AssertionError(f"unexpected {service}:{operation}")


def allows(grants: set[Grant], action: str, resource: str, via: str) -> bool:
    return any(fnmatch.fnmatchcase(action, pattern) and resource == granted_resource and (not condition or condition == via)
               for pattern, granted_resource, condition in grants)


@pytest.fixture
def recorder(aws, monkeypatch):
    from onecard import wiring

    recording = Recorder(aws)
    invoke = FunctionPool.invoke

    def invoke_recorded(pool, event):
        # Every call as from a cold container: the layer's caches (secrets, data keys, clients) are shared by all
        # functions in this process and would hide one function's calls behind another's.
        wiring.reset()
        recording.current = pool.spec.name
        try:
            return invoke(pool, event)
        finally:
            recording.current = None

    call = BaseClient._make_api_call

    def call_recorded(client, operation, params):
        if recording.current:
            recording.calls[recording.current].append((client.meta.service_model.service_name, operation, params))
        return call(client, operation, params)

    monkeypatch.setattr(FunctionPool, "invoke", invoke_recorded)
    monkeypatch.setattr(BaseClient, "_make_api_call", call_recorded)
    from onecard.config import settings
    from onecard.partners.client import HttpPartnerClient

    # The real client, so the worker reads the partners' secrets; only its network is replaced.
    partners = HttpPartnerClient(settings().partner_base_urls(), wiring.partner_secret)
    partners._http = recording.http = RecordingHttp()
    monkeypatch.setattr(wiring, "partner_client", functools.cache(lambda: partners))
    return recording


def relay_and_work(aws) -> list[str]:
    """The outbox items go through the relay (as a stream event) and the worker (as an SQS batch); their bodies."""
    dynamodb = aws.client("dynamodb")
    table = aws.resources.table_names["ReadersTable"]
    for item in dynamodb.scan(TableName=table)["Items"]:
        if item["sk"]["S"].startswith("OUTBOX#"):
            aws.invoke("LinkOutboxRelayFunction", {"Records": [{
                "eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "ap-northeast-1",
                "eventSourceARN": f"arn:aws:dynamodb:ap-northeast-1:123456789012:table/{table}/stream/1",
                "dynamodb": {"Keys": {"pk": item["pk"], "sk": item["sk"]}, "NewImage": item, "SequenceNumber": "1",
                             "SizeBytes": 1, "StreamViewType": "NEW_IMAGE"}}]})
    sqs, url = aws.client("sqs"), aws.resources.queue_urls["LinkQueue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    assert messages, "the relay sent nothing to the link queue"
    work(aws, messages)
    return [m["Body"] for m in messages]


def work(aws, messages: list[dict[str, Any]]) -> None:
    aws.invoke("LinkWorkerFunction", {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m["Attributes"], "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:link", "awsRegion": "ap-northeast-1"}
        for m in messages]})


def redeliver(aws, body: str) -> None:
    sqs, url = aws.client("sqs"), aws.resources.queue_urls["LinkQueue"]
    sqs.send_message(QueueUrl=url, MessageBody=body)
    work(aws, sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"])


def every_flow(api, aws, http: RecordingHttp) -> None:
    """Every route, the relay and the worker, with the answers that reach each function's writes."""
    sha = {p: api.get(f"/v1/consent-documents/{p}").json()["sha256"] for p in ("ntpc", "klcpl", "taipei-card")}
    body = personal_application(solved_captcha(api), password="Read2026", password_confirm="Read2026",
                                partners=[{"partner": p, "document_sha256": sha[p]} for p in ("ntpc", "taipei-card")])
    assert api.post("/v1/readers", body).status == 201
    assert api.get("/v1/readers/availability", query={"id_type": "national_id", "id_number": body["id_number"]}).status == 200
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Wrong000"}).status == 401
    csrf = {"X-CSRF-Token": api.post("/v1/sessions", {"id_number": body["id_number"],
                                                       "password": "Read2026"}).json()["csrf_token"]}
    done = relay_and_work(aws)
    redeliver(aws, done[0])  # a duplicate delivery: the idempotency record answers
    http.next_statuses = [503]
    redeliver(aws, done[0].replace(json.loads(done[0])["request_id"], "LR" + "0" * 20))  # an outage: backoff
    assert api.get("/v1/readers/me").status == 200
    assert api.patch("/v1/readers/me", {"occupation": "student"}, headers=csrf).status == 200
    relay_and_work(aws)
    assert api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha["klcpl"]},
                    headers=csrf).status == 202
    pending = next(link for link in api.get("/v1/readers/me/links").json()["links"] if link["partner"] == "klcpl")
    secret = aws.client("secretsmanager").get_secret_value(
        SecretId=aws.resources.secret_ids["KlcplPartnerSecret"])["SecretString"].encode()
    links = aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"]
    klcpl_request = next(i["request_id"]["S"] for i in links if i["sk"]["S"] == "LINK#klcpl")
    assert pending["status"] == "pending"
    assert send(api, "klcpl", {"event_id": "E1", "request_id": klcpl_request, "status": "active"}, secret).status == 204
    for partner in ("ntpc", "taipei-card"):  # a forged callback: the secret is read, the signature refused
        assert send(api, partner, {"event_id": "E2", "request_id": klcpl_request, "status": "active"},
                    b"f" * 40).status == 401
    assert api.get("/v1/readers/me/consents").status == 200
    receipts = api.get("/v1/readers/me/consents").json()["receipts"]
    assert api.get(f"/v1/readers/me/consents/{receipts[0]['receipt_id']}").status == 200
    assert api.post("/v1/readers/me/consents", {"partner": "ntpc", "document_sha256": sha["ntpc"],
                                                "decision": "decline"}, headers=csrf).status == 201
    assert api.delete("/v1/readers/me/links/klcpl", headers=csrf).status == 202
    relay_and_work(aws)
    assert api.put("/v1/readers/me/password", {"current_password": "Read2026", "password": "New2026x",
                                               "password_confirm": "New2026x"}, headers=csrf).status == 204
    assert api.get("/v1/readers/me/export").status == 200
    assert api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha["klcpl"]},
                    headers=csrf).status == 202
    assert api.post("/v1/readers/me/erasure", {"password": "New2026x"}, headers=csrf).status == 202
    relay_and_work(aws)  # the erasure's withdrawal reaches the partner
    second = personal_application(solved_captcha(api))
    assert api.post("/v1/readers", second).status == 201
    api.cookies.clear()
    token = api.post("/v1/sessions", {"id_number": second["id_number"], "password": second["password"]}).json()
    assert api.delete("/v1/sessions/current", headers={"X-CSRF-Token": token["csrf_token"]}).status == 204


def test_every_aws_call_of_every_function_is_allowed_by_its_policies_and_every_permission_is_used(api, aws, recorder):
    every_flow(api, aws, recorder.http)

    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    for name, function in functions.items():
        grants = granted(function)
        uses = recorder.uses(name)
        denied = sorted(use for use in uses if not allows(grants, *use))
        assert denied == [], f"{name} calls what its policies do not allow: {denied}"
        unused = sorted((name, action, resource) for action, resource, via in grants
                        if not any(allows({(action, resource, via)}, *use) for use in uses)
                        and (name, action, resource) not in NOT_EXERCISED)
        # A function new to the template shows up here until every_flow exercises what it is allowed.
        assert unused == [], f"{name} is allowed what it never does (or every_flow does not reach it): {unused}"
