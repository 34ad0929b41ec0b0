"""`make load`: a bounded mixed run against the local stack on 127.0.0.1, with the partners failing and slow.

Applications, duplicate applications, logins, link requests, partners' callbacks and exports run from several
clients for LOAD_SECONDS (default 120) while the simulated partners answer 20 % of calls with 503 and slowly. Then
the run waits for every link request to reach a final state and checks: no 5xx from our API, no ID number with two
readers, every link final, and the dead-letter queue holding exactly the requests the partner refused on every try.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

SECONDS = float(os.environ.get("LOAD_SECONDS", "120"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "6"))
FINAL = {"active", "rejected", "failed", "unlinked"}
FAULTS = {
    "ntpc": {"error_rate": 0.2, "latency_ms": 300},
    "klcpl": {
        "error_rate": 0.2,
        "latency_ms": 200,
        "mode": "callback",
        "callback_delay_ms": 300,
        "duplicate_callbacks": True,
        "out_of_order": True,
    },
    "taipei-card": {"error_rate": 0.2, "latency_ms": 500, "reject_rate": 0.05},
}


@dataclass
class Reader:
    body: dict
    http: requests.Session | None = None
    csrf: str = ""
    partners: set[str] = field(default_factory=set)


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)  # ID number → 201 answers
    readers: list[Reader] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, answer: requests.Response) -> requests.Response:
        with self.lock:
            self.statuses[(action, answer.status_code)] += 1
            if answer.status_code >= 500:
                self.server_errors.append(f"{action}: {answer.status_code} {answer.text[:200]}")
        return answer


class Client:
    def __init__(self, url: str, tally: Tally, documents: dict[str, str], seed: int):
        self.url, self.tally, self.documents = url, tally, documents
        self.random = random.Random(seed)

    def apply(self, partners: list[str]) -> None:
        from onecard.captcha import solve
        from tests.support.applications import personal_application

        body = personal_application(solve(requests.get(f"{self.url}/v1/captcha", timeout=30).json()))
        if partners:
            body["partners"] = [{"partner": p, "document_sha256": self.documents[p]} for p in partners]
        answer = self.tally.record("apply", requests.post(f"{self.url}/v1/readers", json=body, timeout=60))
        if answer.status_code == 201:
            with self.tally.lock:
                self.tally.created[body["id_number"]] += 1
                self.tally.readers.append(Reader(body, partners=set(partners)))

    def apply_again(self, reader: Reader) -> None:
        from onecard.captcha import solve

        body = {**reader.body, "captcha": solve(requests.get(f"{self.url}/v1/captcha", timeout=30).json())}
        body.pop("partners", None)
        answer = self.tally.record("duplicate apply", requests.post(f"{self.url}/v1/readers", json=body, timeout=60))
        if answer.status_code == 201:
            with self.tally.lock:
                self.tally.created[body["id_number"]] += 1

    def log_in(self, reader: Reader) -> None:
        http = requests.Session()
        answer = self.tally.record(
            "login",
            http.post(
                f"{self.url}/v1/sessions",
                timeout=60,
                json={"id_number": reader.body["id_number"], "password": reader.body["password"]},
            ),
        )
        if answer.status_code == 201:
            reader.http, reader.csrf = http, answer.json()["csrf_token"]

    def link(self, reader: Reader) -> None:
        free = sorted(set(self.documents) - reader.partners)
        if not free or reader.http is None:
            return
        partner = self.random.choice(free)
        reader.partners.add(partner)
        self.tally.record(
            "link",
            reader.http.post(
                f"{self.url}/v1/readers/me/links",
                json={"partner": partner, "document_sha256": self.documents[partner]},
                headers={"X-CSRF-Token": reader.csrf},
                timeout=60,
            ),
        )

    def export(self, reader: Reader) -> None:
        if reader.http is not None:
            self.tally.record("export", reader.http.get(f"{self.url}/v1/readers/me/export", timeout=60))

    def step(self) -> None:
        with self.tally.lock:
            known = list(self.tally.readers)
        roll = self.random.random()
        if not known or roll < 0.35:
            self.apply(self.random.sample(sorted(self.documents), self.random.choice([0, 0, 1, 2])))
            return
        reader = self.random.choice(known)
        if roll < 0.45:
            self.apply_again(reader)
        elif roll < 0.6 or reader.http is None:
            self.log_in(reader)
        elif roll < 0.85:
            self.link(reader)
        else:
            self.export(reader)


def _wait_for_final_links(url: str, tally: Tally, seconds: float) -> Counter:
    deadline = time.monotonic() + seconds
    while True:
        outcome: Counter = Counter()
        for reader in tally.readers:
            if reader.http is None:
                Client(url, tally, {}, 0).log_in(reader)
            links = reader.http.get(f"{url}/v1/readers/me/links", timeout=60).json()["links"] if reader.http else []
            outcome.update(link["status"] for link in links)
        if set(outcome) <= FINAL or time.monotonic() > deadline:
            return outcome
        time.sleep(2)


def _dead_letters(emulation: str) -> list[str]:
    import json

    from tests.support.running_stack import emulation_client

    sqs = emulation_client(emulation, "sqs")
    url = next(u for u in sqs.list_queues()["QueueUrls"] if "LinkDeadLetterQueue" in u)
    found: dict[str, str] = {}
    for _ in range(50):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not messages:
            break
        for message in messages:
            found[message["MessageId"]] = json.loads(message["Body"])["request_id"]
    return sorted(found.values())


def run() -> tuple[str, bool]:
    from devstack.stack import add_layers_to_path
    from devstack.template import load_template
    from tests.support.running_stack import ONE_ADDRESS_MANY_CLIENTS, free_port, start_stack

    add_layers_to_path(load_template())
    emulation_port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        stack = start_stack(
            Path(scratch) / "state", extra_env={"AWS_EMULATION_PORT": str(emulation_port), **ONE_ADDRESS_MANY_CLIENTS}
        )
        try:
            for partner, faults in FAULTS.items():
                requests.post(f"{stack.simulator_url}/_control/{partner}", json=faults, timeout=10).raise_for_status()
            documents = {
                p: requests.get(f"{stack.url}/v1/consent-documents/{p}", timeout=10).json()["sha256"] for p in FAULTS
            }
            tally = Tally()
            stop = time.monotonic() + SECONDS

            def client_loop(seed: int) -> None:
                client = Client(stack.url, tally, documents, seed)
                while time.monotonic() < stop:
                    client.step()

            threads = [threading.Thread(target=client_loop, args=(seed,)) for seed in range(CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            links = _wait_for_final_links(stack.url, tally, seconds=180)
            dead = _dead_letters(f"http://127.0.0.1:{emulation_port}")
            seen = {p: requests.get(f"{stack.simulator_url}/_control/{p}/seen", timeout=10).json() for p in FAULTS}
        finally:
            stack.stop(timeout=30)
    # Refused on every try: never accepted, and never refused for good (a 422 ends as `rejected`, not in the DLQ).
    refused_every_time = sorted(
        request_id
        for view in seen.values()
        for request_id in {r["request_id"] for r in view["refused"]}
        - {r["request_id"] for r in view["refused"] if r["status"] == 422}
        - {s["request_id"] for s in view["seen"]}
    )
    callbacks = Counter(status for view in seen.values() for status in view["callback_answers"])
    duplicates = [n for n, count in tally.created.items() if count > 1]
    checks = {
        "no 5xx from the API (partners' callbacks included)": not tally.server_errors
        and not any(status >= 500 or status == 0 for status in callbacks),
        "no ID number with two readers": not duplicates,
        "every link request ended in a final state": set(links) <= FINAL,
        "the DLQ holds exactly the requests refused on every try": dead == refused_every_time,
    }
    lines = [
        f"# Load and faults ({SECONDS:.0f} s, {CLIENTS} clients; partners: 20 % 503, 200–500 ms)",
        "",
        "| request | status | count |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {action} | {status} | {count} |" for (action, status), count in sorted(tally.statuses.items())]
    lines += [f"| partner callback | {status} | {count} |" for status, count in sorted(callbacks.items())]
    lines += [
        "",
        "| outcome | count |",
        "| --- | --- |",
        f"| readers created | {len(tally.created)} |",
        *[f"| links {status} | {count} |" for status, count in sorted(links.items())],
        f"| partner calls refused (5xx/timeouts/422) | {sum(len(v['refused']) for v in seen.values())} |",
        f"| messages in the DLQ | {len(dead)} |",
        "",
        "| check | result |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {'pass' if ok else 'FAIL'} |" for name, ok in checks.items()]
    if dead != refused_every_time:
        lines += ["", f"in the DLQ: {dead}", f"refused on every try: {refused_every_time}"]
    if tally.server_errors:
        lines += ["", "5xx answers:", *tally.server_errors[:20]]
    return "\n".join(lines) + "\n", all(checks.values())


def main() -> int:
    report, passed = run()
    print(report)
    (Path(__file__).resolve().parent / "LOAD.md").write_text(report, encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
