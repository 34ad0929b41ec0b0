"""Creates template.yaml's keys, secrets, tables and queues in the emulated AWS, from their own Properties."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from devstack.template import Intrinsic, Resolver, load_template, resources_of_type

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"


@dataclass
class LocalResources:
    """What the template's resources became locally: Ref and GetAtt values, and the resolver that uses them."""

    resolver: Resolver
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    table_names: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)
    user_pools: dict[str, str] = field(default_factory=dict)
    secret_ids: dict[str, str] = field(default_factory=dict)


def create_resources(
    session: Any,
    template: dict[str, Any] | None = None,
    secret_values: dict[str, str] | None = None,
    parameters: dict[str, str] | None = None,
) -> LocalResources:
    """``session`` is a boto3 Session pointed at the emulation. ``secret_values`` restores secrets kept from a
    previous run (so data written then can still be read); missing ones are generated as the template says."""
    template = template or load_template()
    resolver = Resolver(template, {}, {}, parameters)
    local = LocalResources(resolver)
    _placeholders(template, local)
    _refresh(resolver, local)
    for name, resource in resources_of_type(template, "AWS::KMS::Key").items():
        _create_key(session.client("kms"), name, resource, local)
    _refresh(resolver, local)
    for name, resource in resources_of_type(template, "AWS::SecretsManager::Secret").items():
        _create_secret(session.client("secretsmanager"), name, resource, local, (secret_values or {}).get(name))
    for name, resource in resources_of_type(template, "AWS::SSM::Parameter").items():
        props = resolver.resolve(resource["Properties"])
        ssm_name = props.get("Name") or f"/onecard/local/{name}"
        session.client("ssm").put_parameter(
            Name=ssm_name, Value=props.get("Value", ""), Type=props.get("Type", "String"), Overwrite=True
        )
        local.refs[name] = ssm_name
    _refresh(resolver, local)
    for name, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        _create_table(session.client("dynamodb"), name, resolver.resolve(resource["Properties"]), local)
    _refresh(resolver, local)
    _create_user_pools(session.client("cognito-idp"), template, resolver, local)
    _refresh(resolver, local)
    queues = resources_of_type(template, "AWS::SQS::Queue")
    ordered = sorted(queues, key=lambda n: "RedrivePolicy" in queues[n].get("Properties", {}))
    for name in ordered:
        _create_queue(session.client("sqs"), name, queues[name].get("Properties", {}), resolver, local)
        _refresh(resolver, local)
    return local


def placeholder_resources(template: dict[str, Any] | None = None) -> LocalResources:
    """Ref and GetAtt values without creating anything: enough to import handlers (for the OpenAPI document)."""
    template = template or load_template()
    local = LocalResources(Resolver(template, {}, {}))
    _placeholders(template, local)
    _refresh(local.resolver, local)
    return local


def _refresh(resolver: Resolver, local: LocalResources) -> None:
    resolver.refs.update(local.refs)
    resolver.attributes.update(local.attributes)


def _placeholders(template: dict[str, Any], local: LocalResources) -> None:
    """Resources the local stack does not emulate (alarms, log groups, …) still answer Ref and GetAtt."""
    for name, resource in template["Resources"].items():
        local.refs[name] = f"local-{name}"
        arn = f"arn:aws:local:{REGION}:{ACCOUNT}:{name}"
        for attribute in ("Arn", "Name", "TopicName", "StreamArn", "QueueName", "QueueUrl", "RootResourceId"):
            local.attributes[(name, attribute)] = arn
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            local.refs[name] = name


def _create_key(kms: Any, name: str, resource: dict[str, Any], local: LocalResources) -> None:
    description = resource.get("Properties", {}).get("Description", name)
    if isinstance(description, Intrinsic):
        description = name
    metadata = kms.create_key(Description=str(description))["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{name}", TargetKeyId=metadata["KeyId"])
    local.refs[name] = metadata["KeyId"]
    local.key_ids[name] = metadata["KeyId"]
    local.attributes[(name, "Arn")] = metadata["Arn"]
    local.attributes[(name, "KeyId")] = metadata["KeyId"]


def _generated_secret(props: dict[str, Any]) -> str:
    generate = props.get("GenerateSecretString", {})
    length = int(generate.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _create_secret(client: Any, name: str, resource: dict[str, Any], local: LocalResources, value: str | None) -> None:
    props = resource.get("Properties", {})
    # A template never holds a real secret: a literal SecretString is a placeholder that operators replace (the
    # partners' shared secrets). Locally the stack plays the operator and sets a generated value instead.
    secret_value = value if value is not None else _generated_secret(props)
    # Named by the logical id: that is what `sam local` resolves !Ref to, so both runners find it.
    arn = client.create_secret(Name=name, SecretString=secret_value)["ARN"]
    local.refs[name] = arn
    local.secret_ids[name] = arn
    local.attributes[(name, "Id")] = arn


def _create_table(dynamodb: Any, name: str, props: dict[str, Any], local: LocalResources) -> None:
    table_name = props.get("TableName") or name
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if props.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    sse = props.get("SSESpecification")
    if sse and sse.get("SSEEnabled"):
        request["SSESpecification"] = {
            "Enabled": True,
            "SSEType": sse.get("SSEType", "KMS"),
            **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if sse.get("KMSMasterKeyId") else {}),
        }
    if "DeletionProtectionEnabled" in props:
        request["DeletionProtectionEnabled"] = bool(props["DeletionProtectionEnabled"])
    description = dynamodb.create_table(**request)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
        )
    local.refs[name] = table_name
    local.table_names[name] = table_name
    local.attributes[(name, "Arn")] = description["TableArn"]
    if description.get("LatestStreamArn"):
        local.attributes[(name, "StreamArn")] = description["LatestStreamArn"]


_QUEUE_ATTRIBUTES = {
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
}


def _create_queue(sqs: Any, name: str, raw_props: dict[str, Any], resolver: Resolver, local: LocalResources) -> None:
    props = resolver.resolve(raw_props)
    queue_name = props.get("QueueName") or name
    attributes = {k: _attribute_text(v) for k, v in props.items() if k in _QUEUE_ATTRIBUTES}
    for policy in ("RedrivePolicy", "RedriveAllowPolicy"):
        if policy in props:
            attributes[policy] = json.dumps(props[policy]) if isinstance(props[policy], dict) else props[policy]
    url = sqs.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    local.refs[name] = url
    local.queue_urls[name] = url
    local.attributes.update({(name, "Arn"): arn, (name, "QueueName"): queue_name, (name, "QueueUrl"): url})


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# CreateUserPool's own parameters among a template's AWS::Cognito::UserPool Properties (EnabledMfas is
# CloudFormation's: it becomes SetUserPoolMfaConfig).
_USER_POOL_PARAMETERS = (
    "Policies",
    "AdminCreateUserConfig",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "DeletionProtection",
    "AutoVerifiedAttributes",
    "UsernameAttributes",
    "AliasAttributes",
)
_CLIENT_PARAMETERS = (
    "GenerateSecret",
    "ExplicitAuthFlows",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "IdTokenValidity",
    "AccessTokenValidity",
    "RefreshTokenValidity",
    "TokenValidityUnits",
    "AuthSessionValidity",
    "ReadAttributes",
    "WriteAttributes",
)


def _create_user_pools(cognito: Any, template: dict[str, Any], resolver: Resolver, local: LocalResources) -> None:
    """User pools, their app clients and groups, from their Properties (the staff's accounts)."""
    for name, resource in resources_of_type(template, "AWS::Cognito::UserPool").items():
        props = resolver.resolve(resource["Properties"])
        request = {k: props[k] for k in _USER_POOL_PARAMETERS if k in props}
        if props.get("Schema"):
            request["Schema"] = props["Schema"]
        pool = cognito.create_user_pool(PoolName=props.get("UserPoolName") or name, **request)["UserPool"]
        if props.get("MfaConfiguration"):
            cognito.set_user_pool_mfa_config(
                UserPoolId=pool["Id"],
                MfaConfiguration=props["MfaConfiguration"],
                SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in props.get("EnabledMfas", [])},
            )
        local.refs[name] = pool["Id"]
        local.user_pools[name] = pool["Id"]
        local.attributes.update(
            {(name, "Arn"): pool["Arn"], (name, "ProviderName"): f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"}
        )
    resolver.refs.update(local.refs)
    for name, resource in resources_of_type(template, "AWS::Cognito::UserPoolClient").items():
        props = resolver.resolve(resource["Properties"])
        request = {k: props[k] for k in _CLIENT_PARAMETERS if k in props}
        client = cognito.create_user_pool_client(
            UserPoolId=props["UserPoolId"], ClientName=props.get("ClientName") or name, **request
        )["UserPoolClient"]
        local.refs[name] = client["ClientId"]
    for name, resource in resources_of_type(template, "AWS::Cognito::UserPoolGroup").items():
        props = resolver.resolve(resource["Properties"])
        cognito.create_group(
            UserPoolId=props["UserPoolId"],
            GroupName=props["GroupName"],
            **{k: props[k] for k in ("Description", "Precedence") if k in props},
        )
        local.refs[name] = props["GroupName"]


def cognito_refs(session: Any) -> dict[str, str]:
    """Logical id → id of the template's user pools and app clients, found by name in an emulation made by
    create_resources (for callers that were not handed its LocalResources)."""
    template = load_template()
    resolver = Resolver(template, {}, {})
    cognito = session.client("cognito-idp", region_name=REGION)
    pools = {p["Name"]: p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"]}
    refs = {}
    for name, resource in resources_of_type(template, "AWS::Cognito::UserPool").items():
        pool_name = resolver.resolve(resource["Properties"].get("UserPoolName")) or name
        if pool_name in pools:
            refs[name] = pools[pool_name]
    for name, resource in resources_of_type(template, "AWS::Cognito::UserPoolClient").items():
        props = resource["Properties"]
        pool = refs.get(props["UserPoolId"].value) if isinstance(props["UserPoolId"], Intrinsic) else None
        if pool:
            clients = cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]
            wanted = props.get("ClientName") or name
            refs.update((name, c["ClientId"]) for c in clients if c["ClientName"] == wanted)
    return refs
