"""`make campaign`: a scaled-down application campaign on the local stack (127.0.0.1), bounded in time.

Applications arrive at a set rate (a solved captcha each), each asking to link one to three partners; the counter
activates each at once, so its links leave. The partners have small agreed rates (PartnerRateLimits) so that rates
matter in a short run; klcpl is slow throughout, ntpc is down for a stretch in the middle, and the AWS emulation
throttles a share of DynamoDB and SQS calls for a shorter stretch inside that outage. Phases, as shares of the
arrival time: 0–30 % baseline (all partners up, no throttling); 30–100 % ntpc down; 45–60 % throttling on; then
arrivals stop, ntpc comes back and the run waits (within --seconds in all) for every link to reach a final state.

The table (printed and written to bench/CAMPAIGN.md): applications accepted; link requests; per partner the highest
number of calls it received in any one second ÷ its agreed rate (goal ≤ 1.0); ntpc's drain time ÷ (its backlog ÷ its
rate) (goal ≤ 1.2), split into the wait for its first call (the breaker's next probe) and the drain at its rate
from that call, with its calls in each second; the healthy partners' p95 time from activation to the partner's
accepting call while ntpc was down ÷ the same in the baseline phase (goal ≤ 1.5; the throttling stretch and the
seconds after it are left out of both); links lost (never final), failed and dead-lettered (goal 0 each).
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

PARTNERS = ("ntpc", "klcpl", "taipei-card")
# Scaled down so that the probe period stays small against the down partner's drain (backlog ÷ rate), as the real
# 30 s probe is against a campaign hour's backlog at 20/s: otherwise the run measures the probe, not the waiting.
RATES = {"ntpc": 2, "klcpl": 3, "taipei-card": 5}
DOWN, SLOW = "ntpc", "klcpl"
SLOW_FAULTS = {"latency_ms": 400}
THROTTLE = {"throttle_rate": 0.2, "services": ["dynamodb", "sqs"]}
PROBE_SECONDS = 1
PARAMETERS = (
    "LoginLimitPerMinute=100000 AvailabilityLimitPerMinute=100000 LinkRetryBaseSeconds=1 "
    f"LinkRetryMaxDelaySeconds=4 PartnerTripAfterFailures=3 PartnerProbeSeconds={PROBE_SECONDS} "
    "PartnerRateLimits=" + ",".join(f"{p}={r}" for p, r in RATES.items())
)
FINAL = {"active", "rejected", "failed", "unlinked"}
SETTLE_AFTER_THROTTLE_SECONDS = 5


@dataclass
class Applicant:
    reader_id: str
    partners: list[str]
    activated_at: float


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    applicants: list[Applicant] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] if ordered else float("nan")


def _apply(url: str, token: str, documents: dict[str, str], tally: Tally, partners: list[str]) -> None:
    from onecard.captcha import solve
    from tests.support.applications import personal_application

    try:
        body = personal_application(solve(requests.get(f"{url}/v1/captcha", timeout=30).json()))
        body["partners"] = [{"partner": p, "document_sha256": documents[p]} for p in partners]
        answer = requests.post(f"{url}/v1/readers", json=body, timeout=60)
        with tally.lock:
            tally.statuses[("apply", answer.status_code)] += 1
        if answer.status_code != 201:
            if answer.status_code >= 500 and answer.status_code != 503:
                tally.errors.append(f"apply: {answer.status_code} {answer.text[:200]}")
            return
        reader_id = answer.json()["reader_id"]
        for _ in range(5):  # the counter tries again after a 503 (throttling), as staff would
            activated = requests.post(
                f"{url}/v1/staff/readers/{reader_id}/activation",
                timeout=60,
                headers={"Authorization": f"Bearer {token}"},
                json={"card_barcode": f"TP{secrets.randbelow(10**8):08d}", "document_checked": "national_id_card"},
            )
            with tally.lock:
                tally.statuses[("activate", activated.status_code)] += 1
            if activated.status_code == 200:
                with tally.lock:
                    tally.applicants.append(Applicant(reader_id, partners, time.time()))
                return
            if activated.status_code != 503:
                tally.errors.append(f"activate: {activated.status_code} {activated.text[:200]}")
                return
            time.sleep(int(activated.headers.get("Retry-After", "1")))
    except requests.RequestException as error:
        with tally.lock:
            tally.errors.append(f"no answer: {error}")


def _accepted(control: str) -> set[tuple[str, str]]:
    """(reader, partner) of every link request a partner has accepted so far."""
    return {
        (str(call["reader_id"]), p)
        for p in PARTNERS
        for call in requests.get(f"{control}/{p}/seen", timeout=10).json()["seen"]
        if call["action"] == "link"
    }


def _links(emulation: str) -> dict[tuple[str, str], str]:
    """(reader, partner) → the link's status, read from the readers table."""
    from tests.support.running_stack import emulation_client

    dynamodb = emulation_client(emulation, "dynamodb")
    table = next(name for name in dynamodb.list_tables()["TableNames"] if "Readers" in name)
    found: dict[tuple[str, str], str] = {}
    start: dict[str, Any] = {}
    while True:
        page = dynamodb.scan(TableName=table, **start)
        for item in page["Items"]:
            if item["sk"]["S"].startswith("LINK#") and item["pk"]["S"].startswith("READER#"):
                found[(item["pk"]["S"].removeprefix("READER#"), item["sk"]["S"].removeprefix("LINK#"))] = item.get(
                    "status", {}
                ).get("S", "?")
        if "LastEvaluatedKey" not in page:
            return found
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def run(seconds: float, rate: float, raw: Path | None = None) -> tuple[str, bool]:
    import random

    from devstack.emulation import free_port
    from devstack.stack import add_layers_to_path
    from devstack.template import load_template
    from tests.support.running_stack import dead_letter_count, start_stack

    add_layers_to_path(load_template())
    arrivals = seconds * 0.55  # the rest is for draining
    emulation_port = free_port()
    pick = random.Random(16)
    with tempfile.TemporaryDirectory() as scratch:
        stack = start_stack(
            Path(scratch) / "state",
            extra_env={"AWS_EMULATION_PORT": str(emulation_port), "PARAMETER_OVERRIDES": PARAMETERS},
        )
        emulation = f"http://127.0.0.1:{emulation_port}"
        control = f"{stack.simulator_url}/_control"
        try:
            requests.post(f"{control}/{SLOW}", json=SLOW_FAULTS, timeout=10).raise_for_status()
            documents = {
                p: requests.get(f"{stack.url}/v1/consent-documents/{p}", timeout=10).json()["sha256"] for p in PARTNERS
            }
            token = stack.staff_token()
            tally = Tally()
            start = time.time()
            phases = {
                "down_from": start + 0.30 * arrivals,
                "throttle_from": start + 0.45 * arrivals,
                "throttle_to": start + 0.60 * arrivals,
                "arrivals_end": start + arrivals,
            }
            workers: list[threading.Thread] = []
            down = throttled = False
            n = 0
            while time.time() < phases["arrivals_end"]:
                now = time.time()
                if not down and now >= phases["down_from"]:
                    requests.post(f"{control}/{DOWN}", json={"error_rate": 1.0}, timeout=10).raise_for_status()
                    down = True
                if not throttled and now >= phases["throttle_from"]:
                    requests.post(
                        f"{control}/aws", json={**THROTTLE, "for_seconds": phases["throttle_to"] - now}, timeout=10
                    ).raise_for_status()
                    throttled = True
                partners = pick.sample(PARTNERS, pick.randint(1, 3))
                thread = threading.Thread(target=_apply, args=(stack.url, token, documents, tally, partners))
                thread.start()
                workers.append(thread)
                n += 1
                time.sleep(max(0.0, start + n / rate - time.time()))
            for thread in workers:
                thread.join(timeout=120)
            requests.post(f"{control}/{DOWN}", json={}, timeout=10).raise_for_status()
            back_at = time.time()
            deadline = start + seconds
            wanted = {(a.reader_id, p) for a in tally.applicants for p in a.partners}
            # Until every link has reached its partner, ask the simulator rather than scan the readers table: the
            # local emulation answers one call at a time, and a scan every 2 s would hold the draining workers up.
            while not wanted <= _accepted(control) and time.time() < deadline:
                time.sleep(1)
            while True:
                links = _links(emulation)
                if all(links.get(k) in FINAL for k in wanted) or time.time() > deadline:
                    break
                time.sleep(2)
            dead = dead_letter_count(emulation)
            seen = {p: requests.get(f"{control}/{p}/seen", timeout=10).json() for p in PARTNERS}
            refused_by_aws = requests.get(f"{control}/aws", timeout=10).json()["refused"]
        finally:
            stack.stop(timeout=30)
            if raw is not None:
                raw.with_suffix(".log").write_text(stack.output(), encoding="utf-8")

    # Calls each partner received, in whole seconds (accepted and refused alike).
    per_second = {p: Counter(math.floor(c["at"]) for c in seen[p]["seen"] + seen[p]["refused"]) for p in PARTNERS}
    peak = {p: max(per_second[p].values(), default=0) for p in PARTNERS}
    accepted_at: dict[tuple[str, str], float] = {}
    for p in PARTNERS:
        for call in seen[p]["seen"]:
            if call["action"] == "link":
                key = (str(call["reader_id"]), p)
                accepted_at[key] = min(accepted_at.get(key, call["at"]), call["at"])
    by_reader = {a.reader_id: a for a in tally.applicants}
    # ntpc's backlog: its requests activated before it came back and not accepted before then.
    backlog = [
        k
        for k in wanted
        if k[1] == DOWN and by_reader[k[0]].activated_at < back_at and accepted_at.get(k, math.inf) >= back_at
    ]
    drained = [accepted_at[k] for k in backlog if k in accepted_at]
    drain_seconds = (max(drained) - back_at) if drained and len(drained) == len(backlog) else math.inf
    ideal = len(backlog) / RATES[DOWN]
    drain_ratio = drain_seconds / ideal if ideal else float("nan")
    # The drain time splits into finding out that the partner is back (its breaker's next probe, at most
    # PartnerProbeSeconds away) and the drain at its rate from that first call on.
    first_call, last_call = (min(drained), max(drained)) if drained else (math.inf, math.inf)
    found_back = first_call - back_at
    at_rate_ratio = (last_call - first_call) / ideal if drained and ideal else float("nan")
    per_drain_second = Counter(math.floor(at) for at in drained)
    calls_each_second = (
        [per_drain_second[second] for second in range(math.floor(first_call), math.floor(last_call) + 1)]
        if drained
        else []
    )

    def latencies(since: float, until: float) -> list[float]:
        quiet = (phases["throttle_from"], phases["throttle_to"] + SETTLE_AFTER_THROTTLE_SECONDS)
        return [
            accepted_at[(a.reader_id, p)] - a.activated_at
            for a in tally.applicants
            for p in a.partners
            if p != DOWN
            and since <= a.activated_at < until
            and not quiet[0] <= a.activated_at < quiet[1]
            and (a.reader_id, p) in accepted_at
        ]

    if raw is not None:  # every link: when its application was activated, when the partner accepted it (run-relative)
        raw.write_text(
            json.dumps(
                {
                    "phases": {k: v - start for k, v in phases.items()},
                    "back_at": back_at - start,
                    "links": [
                        [a.activated_at - start, p, accepted_at.get((a.reader_id, p), start) - start]
                        for a in tally.applicants
                        for p in a.partners
                    ],
                }
            ),
            encoding="utf-8",
        )
    baseline = latencies(start, phases["down_from"])
    outage = latencies(phases["down_from"], phases["arrivals_end"])
    p95_ratio = _p95(outage) / _p95(baseline) if baseline and outage else float("nan")
    statuses = Counter(links.get(k, "missing") for k in wanted)
    lost = sum(1 for k in wanted if links.get(k) not in FINAL)
    accepted = sum(c for (action, status), c in tally.statuses.items() if action == "apply" and status == 201)
    applied = sum(c for (action, _), c in tally.statuses.items() if action == "apply")

    def goal(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines = [
        f"# Campaign on the local stack ({seconds:.0f} s; {rate:g} applications/s for {arrivals:.0f} s)",
        "",
        (
            f"PartnerRateLimits {', '.join(f'{p}={r}' for p, r in RATES.items())} req/s; {SLOW} "
            f"{SLOW_FAULTS['latency_ms']} ms slow throughout; {DOWN} down (503 to every call) from "
            f"{phases['down_from'] - start:.0f} s to {back_at - start:.0f} s; DynamoDB and SQS throttled "
            f"({THROTTLE['throttle_rate']:.0%} of the functions' calls) from {phases['throttle_from'] - start:.0f} s "
            f"to {phases['throttle_to'] - start:.0f} s; calls refused by the throttling: "
            f"{json.dumps(refused_by_aws)}."
        ),
        "",
        "| measurement | value | goal | result |",
        "| --- | --- | --- | --- |",
        f"| applications accepted (201) / sent | {accepted} / {applied} | — | — |",
        f"| link requests (activated applications × partners asked) | {len(wanted)} | — | — |",
    ]
    for p in PARTNERS:
        lines.append(
            f"| {p}: most calls in one second ÷ its rate | {peak[p]} ÷ {RATES[p]} = {peak[p] / RATES[p]:.2f} "
            f"| ≤ 1.0 | {goal(peak[p] <= RATES[p])} |"
        )
    lines += [
        (
            f"| {DOWN}: drain time ÷ (backlog ÷ rate) | {drain_seconds:.1f} s ÷ ({len(backlog)} ÷ {RATES[DOWN]} = "
            f"{ideal:.1f} s) = {drain_ratio:.2f} | ≤ 1.2 | {goal(drain_ratio <= 1.2)} |"
        ),
        (
            f"| {DOWN}, of that drain: its first call after it was back (the breaker's next probe) | "
            f"{found_back:.1f} s | ≤ PartnerProbeSeconds ({PROBE_SECONDS} s) | — |"
        ),
        (
            f"| {DOWN}, of that drain: from its first call to the last ÷ (backlog ÷ rate); calls in each of those "
            f"seconds | {at_rate_ratio:.2f}; {', '.join(map(str, calls_each_second))} | — | — |"
        ),
        (
            f"| healthy partners' p95 activation → accepted, {DOWN} down ÷ all up | {_p95(outage):.2f} s ÷ "
            f"{_p95(baseline):.2f} s = {p95_ratio:.2f} (n = {len(outage)} / {len(baseline)}) | ≤ 1.5 | "
            f"{goal(p95_ratio <= 1.5)} |"
        ),
        f"| links lost (not final at the end) | {lost} | 0 | {goal(lost == 0)} |",
        f"| links failed | {statuses['failed']} | 0 | {goal(statuses['failed'] == 0)} |",
        f"| messages dead-lettered | {dead} | 0 | {goal(dead == 0)} |",
        "",
        "| answer | count |",
        "| --- | --- |",
        *[f"| {action} {status} | {count} |" for (action, status), count in sorted(tally.statuses.items())],
        *[f"| links {status} | {count} |" for status, count in sorted(statuses.items())],
    ]
    if tally.errors:
        lines += ["", "Errors:", *[f"- {e}" for e in tally.errors[:20]]]
    passed = (
        all(peak[p] <= RATES[p] for p in PARTNERS)
        and drain_ratio <= 1.2
        and p95_ratio <= 1.5
        and lost == 0
        and statuses["failed"] == 0
        and dead == 0
        and not tally.errors
    )
    return "\n".join(lines) + "\n", passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=150, help="the whole run, arrivals and draining (150)")
    parser.add_argument("--rate", type=float, default=0.5, help="applications a second while they arrive (0.5)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--raw", type=Path, help="also write every link's timings to this JSON file")
    options = parser.parse_args(argv)
    report, passed = run(options.seconds, options.rate, options.raw)
    print(report)
    if not options.no_write:
        (Path(__file__).resolve().parent / "CAMPAIGN.md").write_text(report, encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
