"""Cold import time of each handler module in a fresh interpreter, against a bare Powertools handler."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5

BASELINE = """
import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
app = APIGatewayRestResolver(enable_validation=True)
client = boto3.client("dynamodb", region_name="ap-northeast-1")
"""

HANDLER = """
import sys
sys.path[:0] = ["{root}", "{root}/layers/common", "{root}/functions"]
from devstack.stack import prepare_for_import, LOCAL_ENVIRONMENT
import os
os.environ.update(LOCAL_ENVIRONMENT)
specs = prepare_for_import()
import time
started = time.perf_counter()
from devstack.functions import load_module
load_module(specs["{function}"])
print(time.perf_counter() - started)
"""


def _fresh(code: str) -> float:
    """Seconds a fresh interpreter spends importing ``code`` (interpreter start-up excluded)."""
    timed = f"import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"
    output = subprocess.run([sys.executable, "-c", timed], check=True, capture_output=True, text=True, cwd=ROOT)
    return float(output.stdout.strip().splitlines()[-1])


def _handler(function: str) -> float:
    output = subprocess.run([sys.executable, "-c", HANDLER.format(root=ROOT, function=function)], check=True,
                            capture_output=True, text=True, cwd=ROOT)
    return float(output.stdout.strip().splitlines()[-1])


def run(functions: list[str]) -> list[tuple[str, float, float]]:
    """(name, best seconds, ratio to the baseline) for the baseline and each function."""
    baseline = min(_fresh(BASELINE) for _ in range(RUNS))
    rows = [("bare Powertools handler + DynamoDB client (baseline)", baseline, 1.0)]
    for function in functions:
        best = min(_handler(function) for _ in range(RUNS))
        rows.append((f"cold import of {function}", best, best / baseline))
    return rows
