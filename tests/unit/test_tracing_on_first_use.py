"""Tracing stays on in AWS although the X-Ray SDK is no longer loaded at import: a handler's first invocation
creates the Tracer, which patches botocore; where Powertools would disable tracing, the SDK is never loaded."""

from __future__ import annotations

import subprocess
import sys

from devstack.cold_import import cold_import

_PROBE = """
import sys
from onecard.observability import start_tracing
assert "aws_xray_sdk" not in sys.modules
start_tracing()
start_tracing()
loaded = "aws_xray_sdk" in sys.modules
patched = False
if loaded:
    from aws_xray_sdk.core.patcher import _PATCHED_MODULES
    patched = "botocore" in _PATCHED_MODULES
print(loaded, patched)
"""


def _probe(**environment: str) -> str:
    lambda_like = cold_import("RegisterFunction")
    env = {**lambda_like.environment, **environment}
    return subprocess.run(
        [sys.executable, "-c", lambda_like.preamble() + _PROBE], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def test_in_lambda_the_first_invocation_creates_the_tracer_and_patches_botocore():
    assert _probe() == "True True"


def test_where_tracing_is_disabled_the_x_ray_sdk_is_never_loaded():
    assert _probe(POWERTOOLS_TRACE_DISABLED="true") == "False False"
    assert _probe(AWS_SAM_LOCAL="true") == "False False"
