"""env.example.json (for `sam local --env-vars`) sets only variables template.yaml declares — `sam local` silently
ignores any other — and points them at what the local stack creates."""

from __future__ import annotations

import json
from urllib.parse import urlparse

from devstack.resources import ACCOUNT, placeholder_resources
from devstack.template import ROOT, load_template, resources_of_type

EXAMPLE = json.loads((ROOT / "env.example.json").read_text("utf-8"))["Parameters"]


def declared_variables() -> set[str]:
    template = load_template()
    names = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for function in resources_of_type(template, "AWS::Serverless::Function").values():
        names |= set(function["Properties"].get("Environment", {}).get("Variables", {}))
    return names


def test_every_variable_of_the_example_is_declared_by_the_template():
    assert set(EXAMPLE) - declared_variables() == set()


def test_the_queue_url_names_the_queue_the_local_stack_creates_on_the_emulation():
    template = load_template()
    resolver = placeholder_resources(template).resolver
    queue_name = resolver.resolve(template["Resources"]["LinkQueue"]["Properties"]["QueueName"])
    endpoint = urlparse(EXAMPLE["LOCAL_AWS_ENDPOINT_URL"])
    queue = urlparse(EXAMPLE["LINK_QUEUE_URL"])

    assert (queue.scheme, queue.netloc) == (endpoint.scheme, endpoint.netloc)
    assert queue.path == f"/{ACCOUNT}/{queue_name}"


def test_the_data_key_is_the_alias_the_local_stack_gives_the_templates_key():
    keys = resources_of_type(load_template(), "AWS::KMS::Key")

    assert EXAMPLE["DATA_KEY_ID"] in {f"alias/{name}" for name in keys}


def test_each_partner_points_at_the_simulator_under_its_own_path():
    for variable, partner in (
        ("NTPC_BASE_URL", "ntpc"),
        ("KLCPL_BASE_URL", "klcpl"),
        ("TAIPEI_CARD_BASE_URL", "taipei-card"),
    ):
        assert urlparse(EXAMPLE[variable]).path == f"/{partner}"
