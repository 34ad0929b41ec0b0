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
    from moto import mock_aws

    from devstack import partition_queries, serial_calls, setup_once, transaction_rollback

    transaction_rollback.install()
    partition_queries.install()
    serial_calls.install()
    setup_once.install()
    with mock_aws():
        yield from _functions_on_the_emulation(pool_size)


@contextlib.contextmanager
def emulated_aws_elsewhere(pool_size: int = 1) -> Iterator[EmulatedAws]:
    """The emulation in a process of its own, reached over loopback: as in AWS, the services' work does not take
    the function's CPU, so a function that waits on them while hashing (GIL released) is measured as it runs."""
    import socket
    import subprocess
    import sys
    import time

    from devstack.emulation import free_port

    os.environ.update(LOCAL_ENVIRONMENT)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "devstack.emulation", str(port)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the emulation did not start") from None
                time.sleep(0.05)
        os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
        yield from _functions_on_the_emulation(pool_size)
    finally:
        os.environ.pop("AWS_ENDPOINT_URL", None)
        server.terminate()
        server.wait(timeout=10)


def _functions_on_the_emulation(pool_size: int) -> Iterator[EmulatedAws]:
    from devstack import setup_once
    from devstack.functions import FunctionPool
    from devstack.resources import REGION, create_resources
    from devstack.stack import prepare_for_import
    from devstack.staff_accounts import create_sample_users

    session = setup_once.session(REGION)
    resources = create_resources(session)
    create_sample_users(session.client("cognito-idp"), resources.user_pools["StaffUserPool"])
    specs = prepare_for_import(resources)
    from onecard import wiring

    wiring.reset()
    pools = {name: FunctionPool(spec, size=pool_size) for name, spec in specs.items()}
    try:
        yield EmulatedAws(session, resources, specs, pools)
    finally:
        wiring.reset()
