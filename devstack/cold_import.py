"""A handler's cold import as Lambda does it: a fresh interpreter with only the function's code and layers on the
import path (none of the local stack's own modules loaded), the environment template.yaml gives the function, and
the variables the Lambda runtime sets (so Powertools sees itself in Lambda, with tracing on as in AWS)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from devstack import functions
from devstack.resources import REGION, placeholder_resources
from devstack.template import ROOT, load_template, resources_of_type

RUNTIME_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "cold-import",
    "AWS_SECRET_ACCESS_KEY": "cold-import",
    "AWS_SESSION_TOKEN": "cold-import",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
}


# The functions whose cold start is measured (bench) and whose cold-start imports are kept to a committed list.
HANDLER_FUNCTIONS = (
    "RegisterFunction",
    "StaffFunction",
    "ExpiryFunction",
    "ConsentFunction",
    "LinkFunction",
    "LinkWorkerFunction",
    "LinkOutboxRelayFunction",
    "LibraryCardWorkerFunction",
)


@dataclass(frozen=True)
class ColdImport:
    """What a fresh interpreter needs to import one function's handler module as Lambda would."""

    module: str
    path: tuple[str, ...]
    environment: dict[str, str]

    def preamble(self) -> str:
        """Python source that puts the function's code and layers on the import path."""
        return f"import sys\nsys.path[:0] = {list(self.path)!r}\n"

    def last_line_printed(self, source: str) -> str:
        """Runs ``source`` after the preamble in a fresh interpreter with the function's environment; the last line
        it printed."""
        output = subprocess.run(
            [sys.executable, "-c", self.preamble() + source],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=self.environment,
        )
        return output.stdout.strip().splitlines()[-1]


def cold_import(function: str) -> ColdImport:
    template = load_template()
    specs = functions.function_specs(template, placeholder_resources(template).resolver)
    spec = specs[function]
    layers = [
        str(ROOT / layer["Properties"]["ContentUri"])
        for layer in resources_of_type(template, "AWS::Serverless::LayerVersion").values()
    ]
    environment = {
        "PATH": os.environ.get("PATH", ""),
        **RUNTIME_ENVIRONMENT,
        **spec.environment,
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "AWS_LAMBDA_FUNCTION_NAME": function,
    }
    return ColdImport(
        module=spec.handler.rsplit(".", 1)[0], path=(str(spec.code_uri), *layers), environment=environment
    )
