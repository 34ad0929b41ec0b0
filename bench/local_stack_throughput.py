"""Throughput and latency percentiles of the running local stack for registration, login and link requests.

Each operation runs under 1, 4 and 16 concurrent clients over loopback. The baseline is GET /v1/health with one
client in the same run: what the local API Gateway emulation and a warm function cost with no work at all.
"""

from __future__ import annotations

import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

CONCURRENCY = (1, 4, 16)
REQUESTS_PER_LEVEL = 48


@dataclass
class Run:
    operation: str
    clients: int
    latencies: list[float]
    seconds: float
    errors: int

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds


def _measure(operation: str, clients: int, calls: list[Callable[[], int]], expected: int) -> Run:
    latencies: list[float] = []
    errors = 0

    def one(call: Callable[[], int]) -> None:
        nonlocal errors
        started = time.perf_counter()
        status = call()
        latencies.append(time.perf_counter() - started)
        if status != expected:
            errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, calls))
    return Run(operation, clients, latencies, time.perf_counter() - started, errors)


def measure(url: str) -> list[Run]:
    from onecard.captcha import solve
    from tests.support.applications import personal_application

    runs: list[Run] = []
    health = requests.Session()
    for _ in range(5):
        health.get(f"{url}/v1/health", timeout=10)
    runs.append(
        _measure(
            "GET /v1/health (baseline)",
            1,
            [lambda: health.get(f"{url}/v1/health", timeout=10).status_code] * REQUESTS_PER_LEVEL,
            200,
        )
    )

    def application() -> dict:
        return personal_application(solve(requests.get(f"{url}/v1/captcha", timeout=10).json()))

    def apply(body: dict) -> int:
        return requests.post(f"{url}/v1/readers", json=body, timeout=30).status_code

    readers: list[dict] = []
    for clients in CONCURRENCY:
        bodies = [application() for _ in range(REQUESTS_PER_LEVEL)]  # solved before timing, as a browser does
        readers += bodies
        runs.append(
            _measure(
                "POST /v1/readers",
                clients,
                [functools.partial(apply, b) for b in bodies],
                201,
            )
        )

    sessions: list[tuple[requests.Session, str]] = []

    def log_in(body: dict) -> int:
        http = requests.Session()
        answer = http.post(
            f"{url}/v1/sessions", json={"id_number": body["id_number"], "password": body["password"]}, timeout=30
        )
        if answer.status_code == 201:
            sessions.append((http, answer.json()["csrf_token"]))
        return answer.status_code

    for level, clients in enumerate(CONCURRENCY):
        batch = readers[level * REQUESTS_PER_LEVEL : (level + 1) * REQUESTS_PER_LEVEL]
        runs.append(_measure("POST /v1/sessions", clients, [functools.partial(log_in, b) for b in batch], 201))

    sha = requests.get(f"{url}/v1/consent-documents/ntpc", timeout=10).json()["sha256"]

    def link(http: requests.Session, csrf_token: str) -> int:
        return http.post(
            f"{url}/v1/readers/me/links",
            json={"partner": "ntpc", "document_sha256": sha},
            headers={"X-CSRF-Token": csrf_token},
            timeout=30,
        ).status_code

    for level, clients in enumerate(CONCURRENCY):
        logged_in = sessions[level * REQUESTS_PER_LEVEL : (level + 1) * REQUESTS_PER_LEVEL]
        runs.append(
            _measure(
                "POST /v1/readers/me/links",
                clients,
                [functools.partial(link, http, csrf_token) for http, csrf_token in logged_in],
                202,
            )
        )
    return runs


def run() -> list[Run]:
    from tests.support.running_stack import ONE_ADDRESS_MANY_CLIENTS, start_stack

    with tempfile.TemporaryDirectory() as scratch:
        stack = start_stack(Path(scratch) / "state", extra_env=ONE_ADDRESS_MANY_CLIENTS)
        try:
            return measure(stack.url)
        finally:
            stack.stop(timeout=30)


def table(runs: list[Run]) -> str:
    baseline = statistics.median(runs[0].latencies)
    lines = [
        "| operation | clients | requests/s | p50 | p95 | p99 | p50 ÷ baseline p50 | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        lines.append(
            f"| {r.operation} | {r.clients} | {r.throughput:.1f} | {r.percentile(50) * 1000:.0f} ms | "
            f"{r.percentile(95) * 1000:.0f} ms | {r.percentile(99) * 1000:.0f} ms | "
            f"{r.percentile(50) / baseline:.1f} | {r.errors} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(run()))
