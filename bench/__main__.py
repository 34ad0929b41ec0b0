"""`make bench`: every figure measured in this run, as a ratio to a baseline measured in the same run."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path

from bench import cold_start, link_worker, registration_latency

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
GOALS = {"cold import": 1.5, "warm POST /v1/readers": 1.3, "link worker": 2.0}


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    rows = (cold_start.run(["RegisterFunction", "ConsentFunction", "LinkFunction", "LinkWorkerFunction"])
            + registration_latency.run() + link_worker.run())
    lines = [f"# Benchmarks ({dt.date.today().isoformat()}; {_machine()})", "",
             "| measurement | seconds | ratio to its baseline | goal |", "| --- | --- | --- | --- |"]
    missed = []
    for name, seconds, ratio in rows:
        goal = next((g for key, g in GOALS.items() if key in name), None)
        if goal and ratio > goal:
            missed.append(name)
        lines.append(f"| {name} | {seconds * 1000:.1f} ms | {ratio:.2f} | {f'≤ {goal}' if goal else 'baseline'} |")
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.write_text(table, encoding="utf-8")
    if missed:
        print("goal missed: " + ", ".join(missed), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
