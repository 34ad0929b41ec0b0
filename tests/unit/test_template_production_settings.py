"""template.yaml keeps the settings a production stack needs: encrypted, recoverable and protected tables,
encrypted queues with a dead-letter queue only the link queue may use, logs kept for a bounded time, every alarm
sent to the operators' topic, and the worker's concurrency bounded by one parameter."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.template import Intrinsic, load_template, resources_of_type

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
TABLES = resources_of_type(TEMPLATE, "AWS::DynamoDB::Table")
PERSONAL_DATA_TABLES = ("ReadersTable", "ConsentTable")


def ref(value: Any) -> str | None:
    return value.value if isinstance(value, Intrinsic) and value.name == "Ref" else None


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_is_encrypted_with_the_stacks_own_key(name):
    sse = TABLES[name]["Properties"]["SSESpecification"]

    assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS" and ref(sse["KMSMasterKeyId"]) == "DataKey"


@pytest.mark.parametrize("name", PERSONAL_DATA_TABLES)
def test_tables_of_personal_data_are_recoverable_protected_and_retained_in_every_stage(name):
    table = TABLES[name]

    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"


def test_the_data_key_rotates():
    assert RESOURCES["DataKey"]["Properties"]["EnableKeyRotation"] is True


def test_every_queue_is_encrypted_and_the_dead_letter_queue_accepts_only_the_link_queue():
    queues = resources_of_type(TEMPLATE, "AWS::SQS::Queue")
    link, dead = queues["LinkQueue"]["Properties"], queues["LinkDeadLetterQueue"]["Properties"]
    allowed = dead["RedriveAllowPolicy"]

    assert all(
        q["Properties"].get("SqsManagedSseEnabled") or q["Properties"].get("KmsMasterKeyId") for q in queues.values()
    )
    assert link["RedrivePolicy"]["deadLetterTargetArn"].value == ["LinkDeadLetterQueue", "Arn"]
    assert allowed["redrivePermission"] == "byQueue"
    [source] = allowed["sourceQueueArns"]
    assert source.value.endswith(":" + link["QueueName"].value)


def test_the_partner_secrets_are_created_as_a_placeholder_never_a_value_of_the_stacks_choosing():
    for name in ("NtpcPartnerSecret", "KlcplPartnerSecret", "TaipeiCardPartnerSecret"):
        properties = RESOURCES[name]["Properties"]
        assert "GenerateSecretString" not in properties
        assert len(properties["SecretString"]) < 32  # refused by the functions until operators set it


def test_every_function_has_a_log_group_with_the_retention_parameter():
    groups = resources_of_type(TEMPLATE, "AWS::Logs::LogGroup").values()
    named = {g["Properties"]["LogGroupName"].value for g in groups if "LogGroupName" in g["Properties"]}

    for function in resources_of_type(TEMPLATE, "AWS::Serverless::Function"):
        assert f"/aws/lambda/${{{function}}}" in named
    assert all(ref(g["Properties"]["RetentionInDays"]) == "LogRetentionDays" for g in groups)


def test_every_alarm_notifies_the_alarm_topic_parameter():
    for name, alarm in resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm").items():
        condition, when_set, _ = alarm["Properties"]["AlarmActions"].value
        assert condition == "HasAlarmTopic" and [ref(a) for a in when_set] == ["AlarmTopicArn"], name


def test_the_alarms_the_operators_guide_explains_exist():
    alarms = set(resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm"))

    assert {
        "Api5xxAlarm",
        "LinkWorkerErrorsAlarm",
        "ThrottlesAlarm",
        "DeadLetterDepthAlarm",
        "DeadLetterAgeAlarm",
        "LinkQueueAgeAlarm",
    } <= alarms


def test_the_worker_runs_at_most_the_concurrency_parameter_and_its_poller_never_invokes_more():
    worker = RESOURCES["LinkWorkerFunction"]["Properties"]
    [event] = worker["Events"].values()

    assert ref(worker["ReservedConcurrentExecutions"]) == "LinkWorkerConcurrency"
    assert ref(event["Properties"]["ScalingConfig"]["MaximumConcurrency"]) == "LinkWorkerConcurrency"
    assert TEMPLATE["Parameters"]["LinkWorkerConcurrency"]["MinValue"] >= 2  # the poller's own minimum


def test_the_api_traces_throttles_and_logs_every_request():
    api = RESOURCES["Api"]["Properties"]

    assert api["TracingEnabled"] is True
    assert api["MethodSettings"] and all(
        s["ThrottlingRateLimit"] > 0 and s["ThrottlingBurstLimit"] > 0 for s in api["MethodSettings"]
    )
    assert api["AccessLogSetting"]["DestinationArn"].value == ["ApiAccessLogs", "Arn"]


def test_functions_run_python_3_11_on_arm64_with_tracing_and_the_metrics_namespace():
    function = TEMPLATE["Globals"]["Function"]

    assert function["Runtime"] == "python3.11" and function["Architectures"] == ["arm64"]
    assert function["Tracing"] == "Active"
    assert function["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]


def test_waf_guards_the_api_stage_only_when_enabled_with_a_per_address_rate_rule_and_the_common_rule_set():
    assert TEMPLATE["Parameters"]["EnableWaf"]["Default"] == "false"
    acl, association = RESOURCES["ApiWebAcl"], RESOURCES["ApiWebAclAssociation"]
    assert acl["Condition"] == association["Condition"] == "WafEnabled"
    statements = [rule["Statement"] for rule in acl["Properties"]["Rules"]]
    assert any(s.get("RateBasedStatement", {}).get("AggregateKeyType") == "IP" for s in statements)
    assert any(s.get("ManagedRuleGroupStatement", {}).get("Name") == "AWSManagedRulesCommonRuleSet" for s in statements)
    assert "/stages/${Api.Stage}" in association["Properties"]["ResourceArn"].value
