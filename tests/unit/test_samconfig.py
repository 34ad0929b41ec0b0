"""samconfig.toml's dev and prod environments deploy separate stacks, each with its own Stage, in ap-northeast-1."""

from __future__ import annotations

import tomllib

import pytest

from devstack.template import ROOT, load_template

CONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text("utf-8"))


def overrides(environment: str) -> dict[str, str]:
    text = CONFIG[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in text.split())


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_each_environment_deploys_its_own_stage_in_taipeis_nearest_region(environment):
    assert overrides(environment)["Stage"] == environment
    assert CONFIG[environment]["global"]["parameters"]["region"] == "ap-northeast-1"
    assert CONFIG[environment]["validate"]["parameters"]["lint"] is True


def test_dev_and_prod_are_different_stacks_and_prod_asks_before_changing():
    assert CONFIG["dev"]["global"]["parameters"]["stack_name"] != CONFIG["prod"]["global"]["parameters"]["stack_name"]
    assert CONFIG["prod"]["deploy"]["parameters"]["confirm_changeset"] is True


@pytest.mark.parametrize("environment", ["default", "dev", "prod"])
def test_every_overridden_parameter_exists_with_an_allowed_value(environment):
    parameters = load_template()["Parameters"]
    for name, value in overrides(environment).items():
        assert name in parameters
        assert value in parameters[name].get("AllowedValues", [value])
