"""Shared fixtures: the emulated AWS built from template.yaml, and the API functions invoked in-process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devstack.stack import LOCAL_ENVIRONMENT

# Set before any test module imports boto3 or the layer, so nothing can reach a real AWS account.
os.environ.update(LOCAL_ENVIRONMENT)
os.environ.pop("AWS_ENDPOINT_URL", None)


@dataclass
class EmulatedAws:
    session: Any
    resources: Any
    specs: dict[str, Any]
    pools: dict[str, Any]

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        return self.pools[function].invoke(event)

    def client(self, service: str) -> Any:
        return self.session.client(service)


@pytest.fixture
def aws() -> Iterator[EmulatedAws]:
    """A fresh emulated AWS with template.yaml's resources, and every function ready to invoke."""
    import boto3
    from moto import mock_aws

    from devstack.functions import FunctionPool
    from devstack.resources import REGION, create_resources
    from devstack.stack import prepare_for_import

    with mock_aws():
        session = boto3.Session(region_name=REGION)
        resources = create_resources(session)
        specs = prepare_for_import(resources)
        from onecard import wiring

        wiring.reset()
        pools = {name: FunctionPool(spec, size=1) for name, spec in specs.items()}
        yield EmulatedAws(session, resources, specs, pools)
        wiring.reset()


@pytest.fixture
def api(aws: EmulatedAws):
    from devstack.functions import api_routes
    from tests.support.api import ApiClient

    return ApiClient(api_routes(aws.specs), aws.invoke)
