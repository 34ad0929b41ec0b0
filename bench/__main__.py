"""`make bench`: every figure measured in this run, as a ratio to a baseline measured in the same run."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path

from bench import (
    card_holder_login,
    card_holder_password_change,
    cold_start,
    counter_activation,
    library_card_outage,
    link_worker,
    local_stack_throughput,
    login_latency,
    registration_latency,
    request_counts,
)
from devstack.cold_import import HANDLER_FUNCTIONS

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
GOALS = {
    "cold import": 1.25,
    "warm POST /v1/readers": 1.3,
    "warm POST /v1/sessions": 1.3,
    "link worker": 2.0,
    "card-holder login": 1.5,
    "card-holder password change": 1.3,
    "counter activation": 1.3,
}


def _machine() -> str:
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB"
    return (
        f"{platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def ratio_table() -> tuple[str, list[str]]:
    rows = (
        cold_start.run(list(HANDLER_FUNCTIONS))
        + registration_latency.run()
        + login_latency.run()
        + card_holder_login.run()
        + card_holder_password_change.run()
        + link_worker.run()
        + counter_activation.run()
    )
    lines = ["| measurement | seconds | ratio to its baseline | goal |", "| --- | --- | --- | --- |"]
    missed = []
    for name, seconds, ratio in rows:
        goal = next((g for key, g in GOALS.items() if key in name), None)
        if goal and ratio > goal:
            missed.append(name)
        lines.append(f"| {name} | {seconds * 1000:.1f} ms | {ratio:.2f} | {f'≤ {goal}' if goal else 'baseline'} |")
    return "\n".join(lines) + "\n", missed


def request_table() -> str:
    lines = ["| route or event source | DynamoDB requests per call |", "| --- | --- |"]
    lines += [f"| {route} | {described} |" for route, described in request_counts.run()]
    return "\n".join(lines) + "\n"


def main() -> int:
    ratios, missed = ratio_table()
    requests = request_table()  # raises when any request path scans a table
    outage = library_card_outage.table(library_card_outage.run())  # raises when a patron is missing or doubled
    throughput = local_stack_throughput.table(local_stack_throughput.run())
    report = (
        f"# Benchmarks ({dt.date.today().isoformat()}; {_machine()})\n\n"
        "## Ratios to a baseline measured in the same run\n\n"
        + ratios
        + "\n## DynamoDB requests per call (no request path may Scan)\n\n"
        + requests
        + "\n## A 2-hour library-system outage with 500 activations waiting (injected clock)\n\n"
        + outage
        + "\n## Local stack over loopback (baseline: GET /v1/health, one client)\n\n"
        + throughput
    )
    print(report)
    RESULTS.write_text(report, encoding="utf-8")
    if missed:
        print("goal missed: " + ", ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
