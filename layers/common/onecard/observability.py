"""One Logger, Tracer and Metrics for every function, configured by POWERTOOLS_* environment variables.

The Tracer (and with it the X-Ray SDK, the largest single import of a cold start) is created on a handler's first
invocation, not at import: ``start_tracing()`` at the top of every handler. It then patches the clients a request
uses (botocore for AWS calls, httplib for partner calls); patches apply to clients created before them too."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger(utc=True)
metrics = Metrics()

TRACED_MODULES = ("botocore", "httplib")


def tracing_disabled() -> bool:
    """As Powertools decides: POWERTOOLS_TRACE_DISABLED, or not in Lambda, or in a Lambda emulator."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in ("1", "true", "yes", "on", "y", "t"):
        return True
    return not os.environ.get("LAMBDA_TASK_ROOT") or bool(os.environ.get("AWS_SAM_LOCAL"))


@functools.cache
def tracer() -> Tracer:
    """The Tracer, created (and the traced modules patched) on first use."""
    from aws_lambda_powertools import Tracer

    return Tracer(patch_modules=TRACED_MODULES)


def start_tracing() -> None:
    """Called first by every handler: in AWS, creates the Tracer once per container; elsewhere, where Powertools
    would disable it anyway, does not load the X-Ray SDK at all."""
    if not tracing_disabled():
        tracer()
