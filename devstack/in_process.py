"""The template's resources in an in-process emulation (moto's mock), with every function ready to invoke.

For tests and benchmarks that need AWS without a server; the local stack uses a real loopback emulation instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from devstack.stack import LOCAL_ENVIRONMENT


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


@contextlib.contextmanager
def emulated_aws(pool_size: int = 1) -> Iterator[EmulatedAws]:
    os.environ.update(LOCAL_ENVIRONMENT)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    from devstack import transaction_rollback
    from devstack.functions import FunctionPool
    from devstack.resources import REGION, create_resources
    from devstack.stack import prepare_for_import

    transaction_rollback.install()
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        resources = create_resources(session)
        specs = prepare_for_import(resources)
        from onecard import wiring

        wiring.reset()
        pools = {name: FunctionPool(spec, size=pool_size) for name, spec in specs.items()}
        try:
            yield EmulatedAws(session, resources, specs, pools)
        finally:
            wiring.reset()
