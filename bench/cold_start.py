"""Cold import time of each handler module in a fresh interpreter, against a bare Powertools handler.

Both run as Lambda runs them (devstack.cold_import): only the function's code and layers on the import path, the
function's environment from template.yaml and the runtime's variables (tracing on, as in AWS)."""

from __future__ import annotations

from pathlib import Path

from devstack.cold_import import cold_import

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5

# The baseline: a REST resolver with validation and one DynamoDB client; no Logger, Tracer or models of ours.
BASELINE = """
import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
app = APIGatewayRestResolver(enable_validation=True)
client = boto3.client("dynamodb")
"""

_TIMED = "import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)\n"


def _fresh(function: str, code: str) -> float:
    """Seconds a fresh interpreter spends running ``code`` (interpreter start-up excluded) with ``function``'s
    import path and environment."""
    lambda_like = cold_import(function)
    return float(lambda_like.last_line_printed(_TIMED.format(code=code)))


def _handler(function: str) -> float:
    return _fresh(function, f"import {cold_import(function).module}")


def run(functions: list[str]) -> list[tuple[str, float, float]]:
    """(name, best seconds, ratio to the baseline) for the baseline and each function, interleaved run by run so
    that a change in the machine's load affects both alike."""
    baseline, best = float("inf"), dict.fromkeys(functions, float("inf"))
    for _ in range(RUNS):
        baseline = min(baseline, _fresh(functions[0], BASELINE))
        for function in functions:
            best[function] = min(best[function], _handler(function))
    rows = [("bare Powertools handler + DynamoDB client (baseline)", baseline, 1.0)]
    rows += [(f"cold import of {function}", best[function], best[function] / baseline) for function in functions]
    return rows
