"""Each function's policies in template.yaml allow every AWS call the function makes, and nothing it never makes.

The AWS calls of every route, the outbox relay and the link worker are recorded on the emulated AWS (moto does not
enforce IAM) and checked against the template's own statements, so a missing permission fails here, not in
production, and a permission that no code uses is noticed.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections import defaultdict
from typing import Any

import pytest
from botocore.client import BaseClient

from devstack.functions import FunctionPool
from devstack.template import Intrinsic, load_template, resources_of_type
from tests.support.flows import card_holder_flow, every_flow, lifecycle_flow
from tests.support.recording_http import RecordingHttp

Grant = tuple[str, str, str]  # (action pattern, logical resource, the service it must be called through or "")

# SAM policy templates in use, as SAM expands them (aws-sam-translator's policy_templates.json).
SAM_TEMPLATES = {
    "SQSPollerPolicy": (
        "QueueName",
        [
            "sqs:ChangeMessageVisibility",
            "sqs:ChangeMessageVisibilityBatch",
            "sqs:DeleteMessage",
            "sqs:DeleteMessageBatch",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        ],
    ),
    "SQSSendMessagePolicy": ("QueueName", ["sqs:SendMessage*"]),
}

# Allowed and needed, but not reached by the flows below; each with the reason.
NOT_EXERCISED = {
    ("ConsentFunction", "dynamodb:UpdateItem", "ReadersTable"): "a session is touched at most once a minute",
    ("LinkFunction", "dynamodb:UpdateItem", "ReadersTable"): "a session is touched at most once a minute",
    ("RegisterFunction", "dynamodb:GetItem", "SessionsTable"): "the lockout reads its item alone only when a "
    "reserve-first check fails or races (a login reads it with the reader, in a BatchGetItem)",
    (
        "LinkWorkerFunction",
        "dynamodb:GetItem",
        "IdempotencyTable",
    ): "Powertools reads a record only when the failed conditional write did not return it",
    # Tests keep mail in a folder, as the local stack does; tests/integration/test_mailers.py sends through SES.
    ("RegisterFunction", "ses:SendEmail", "MailSender"): "mail goes to the test's mail folder, not SES",
    ("ExpiryFunction", "ses:SendEmail", "MailSender"): "mail goes to the test's mail folder, not SES",
    ("LinkOutboxRelayFunction", "ses:SendEmail", "MailSender"): "mail goes to the test's mail folder, not SES",
    # The poller's own calls (receive, delete, batch visibility) are made by Lambda's event source mapping.
    **{
        (worker, action, queue): "made by the event source mapping with the function's role"
        for worker, queue in (("LinkWorkerFunction", "LinkQueue"), ("LibraryCardWorkerFunction", "LibraryCardQueue"))
        for action in (
            "sqs:ChangeMessageVisibilityBatch",
            "sqs:DeleteMessage",
            "sqs:DeleteMessageBatch",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        )
    },
}


def _logical(value: Any) -> list[str]:
    """The resources a policy's Resource names: !GetAtt X.Arn, !Ref X, or ${X...} inside !Sub."""
    if isinstance(value, list):
        return [name for v in value for name in _logical(v)]
    if isinstance(value, Intrinsic) and value.name == "GetAtt":
        return [value.value[0]]
    if isinstance(value, Intrinsic) and value.name == "Ref":
        return [value.value]
    if isinstance(value, Intrinsic) and value.name == "Sub":
        # "${ReadersTable.Arn}/index/X" names a table's index; ".../identity/${MailSender}" the SES sender.
        index = re.fullmatch(r"\$\{(\w+)\.Arn\}/index/(\w+)", value.value)
        if index:
            return [f"{index.group(1)}/index/{index.group(2)}"]
        if ":ses:" in value.value and value.value.endswith("identity/${MailSender}"):
            return ["MailSender"]
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
        self.http = RecordingHttp()  # the partners' network
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
                verbs = {
                    "Put": "PutItem",
                    "Update": "UpdateItem",
                    "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem",
                }
                return {
                    (f"dynamodb:{verbs[kind]}", self.tables[body["TableName"]], "")
                    for item in params["TransactItems"]
                    for kind, body in item.items()
                }
            if operation in ("BatchWriteItem", "BatchGetItem"):
                return {(f"dynamodb:{operation}", self.tables[table], "") for table in params["RequestItems"]}
            table = self.tables[params["TableName"]]
            if params.get("IndexName"):
                table = f"{table}/index/{params['IndexName']}"
            return {(f"dynamodb:{operation}", table, "")}
        if service == "kms":
            key = params.get("KeyId")
            return {(f"kms:{operation}", self.keys[key] if key else "DataKey", "")}
        if service == "secretsmanager":
            secret = self.secrets[params["SecretId"]]
            return {
                (f"secretsmanager:{operation}", secret, ""),
                ("kms:Decrypt", self.secret_keys[secret], "secretsmanager"),
            }
        if service == "sqs":
            return {(f"sqs:{operation}", self.queues[params["QueueUrl"]], "")}
        if service in ("ses", "sesv2"):
            return {(f"ses:{operation}", "MailSender", "")}
        raise AssertionError(f"unexpected {service}:{operation}")


def allows(grants: set[Grant], action: str, resource: str, via: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action, pattern) and resource == granted_resource and (not condition or condition == via)
        for pattern, granted_resource, condition in grants
    )


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
    partners._http = recording.http
    monkeypatch.setattr(wiring, "partner_client", functools.cache(lambda: partners))
    return recording


def test_every_aws_call_of_every_function_is_allowed_by_its_policies_and_every_permission_is_used(
    api, staff, aws, library, recorder, read_mail
):
    every_flow(api, aws, recorder.http)
    card_holder_flow(api, aws)
    lifecycle_flow(api, staff, aws, read_mail)

    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    for name, function in functions.items():
        grants = granted(function)
        uses = recorder.uses(name)
        denied = sorted(use for use in uses if not allows(grants, *use))
        assert denied == [], f"{name} calls what its policies do not allow: {denied}"
        unused = sorted(
            (name, action, resource)
            for action, resource, via in grants
            if not any(allows({(action, resource, via)}, *use) for use in uses)
            and (name, action, resource) not in NOT_EXERCISED
        )
        # A function new to the template shows up here until every_flow exercises what it is allowed.
        assert unused == [], f"{name} is allowed what it never does (or every_flow does not reach it): {unused}"
