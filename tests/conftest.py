"""Shared fixtures: the emulated AWS built from template.yaml, and the API functions invoked in-process."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from devstack.stack import LOCAL_ENVIRONMENT

if TYPE_CHECKING:
    from devstack.in_process import EmulatedAws

# Set before any test module imports boto3 or the layer, so nothing can reach a real AWS account.
os.environ.update(LOCAL_ENVIRONMENT)
os.environ.pop("AWS_ENDPOINT_URL", None)

# Property tests run with every unit run, so they try a modest number of examples, and no deadline: on a busy
# machine a slow example is not a failure. HYPOTHESIS_PROFILE=thorough searches harder before a release.
settings.register_profile("fast", max_examples=60, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture
def aws():
    """A fresh emulated AWS with template.yaml's resources, and every function ready to invoke."""
    from devstack.in_process import emulated_aws

    with emulated_aws() as emulated:
        yield emulated


@pytest.fixture
def api(aws: EmulatedAws):
    from devstack.functions import api_routes
    from tests.support.api import ApiClient

    return ApiClient(api_routes(aws.specs), aws.invoke)
