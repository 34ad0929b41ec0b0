"""No function's policy in template.yaml grants a whole service or every resource: each names actions and ARNs."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.template import load_template, resources_of_type

FUNCTIONS = resources_of_type(load_template(), "AWS::Serverless::Function")


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in function["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            found += policy["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_resource_statements(function: dict[str, Any]) -> list[Any]:
    return [
        s.get("Sid", s["Action"])
        for s in statements(function)
        if any(isinstance(r, str) and r.strip() == "*" for r in as_list(s["Resource"]))
    ]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_no_statement_of_a_function_allows_every_resource(name):
    assert wildcard_resource_statements(FUNCTIONS[name]) == []


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_no_statement_of_a_function_allows_every_action_of_a_service(name):
    broad = [a for s in statements(FUNCTIONS[name]) for a in as_list(s["Action"]) if a == "*" or a.endswith(":*")]

    assert broad == []


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_function_uses_no_managed_policy_and_no_full_access_template(name):
    policies = FUNCTIONS[name]["Properties"].get("Policies", [])
    managed = [p for p in policies if isinstance(p, str)]
    full_access = [k for p in policies if isinstance(p, dict) for k in p if "FullAccess" in k]

    assert managed == [] and full_access == []


def test_the_check_sees_a_wildcard_resource_when_there_is_one():
    planted = {
        "Properties": {
            "Policies": [
                {"Statement": [{"Sid": "Planted", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": ["*"]}]}
            ]
        }
    }

    assert wildcard_resource_statements(planted) == ["Planted"]
