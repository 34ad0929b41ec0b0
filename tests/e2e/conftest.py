"""The running local stack (`python -m devstack`, what `make run` starts) on a free port, in a scratch state folder."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
import requests

from tests.support.running_stack import RunningStack, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[RunningStack]:
    # Every test here logs in from 127.0.0.1, the one address the per-address login limit counts.
    running = start_stack(tmp_path_factory.mktemp("stack") / "state",
                          extra_env={"PARAMETER_OVERRIDES": "LoginLimitPerMinute=100000 AvailabilityLimitPerMinute=100000"})
    yield running
    if running.process.poll() is None:
        try:
            running.stop(timeout=30)
        except subprocess.TimeoutExpired:
            running.process.kill()
            raise


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
