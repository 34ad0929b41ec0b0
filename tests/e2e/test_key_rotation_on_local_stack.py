"""The rotation drill of the blind-index key on the running local stack: `scripts/rotate_key.py blind-index` runs
while readers register, log in and ask 讀者證號是否辦過, and nobody is locked out or registered twice."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter

import boto3
import requests

from onecard.captcha import solve
from onecard.security.identity_indexes import version_of
from tests.support.applications import new_national_id, personal_application
from tests.support.running_stack import ONE_ADDRESS_MANY_CLIENTS, ROOT, eventually, free_port, start_stack


def register(url: str, number: str) -> requests.Response:
    captcha = solve(requests.get(f"{url}/v1/captcha", timeout=10).json())
    body = personal_application(
        captcha, id_number=number, name=f"輪替{number[-5:]}", password="Rotate2026", password_confirm="Rotate2026"
    )
    return requests.post(f"{url}/v1/readers", json=body, timeout=30)


class Traffic(threading.Thread):
    """Readers going about their business: new applications, logins, availability checks and, now and then, an
    application with a number that already holds a card."""

    def __init__(self, url: str, readers: list[str]):
        super().__init__(daemon=True)
        self.url, self.readers = url, readers
        self.stop = threading.Event()
        self.outcomes: Counter[str] = Counter()
        self.failures: list[str] = []

    def run(self) -> None:
        turn = 0
        while not self.stop.is_set():
            turn += 1
            try:
                self.step(turn)
            except requests.RequestException as error:
                self.failures.append(f"request failed: {error}")

    def step(self, turn: int) -> None:
        known = random.choice(self.readers)
        login = requests.post(
            f"{self.url}/v1/sessions", json={"id_number": known, "password": "Rotate2026"}, timeout=30
        )
        self.note("login", login, 201, known)
        found = requests.get(
            f"{self.url}/v1/readers/availability", params={"id_type": "national_id", "id_number": known}, timeout=30
        )
        self.note("availability", found, 200, known)
        if found.status_code == 200 and found.json() != {"registered": True}:
            self.failures.append(f"availability of {known}: {found.text}")
        if turn % 3 == 0:
            self.note("duplicate", register(self.url, random.choice(self.readers)), 409, "a registered number")
        else:
            number = new_national_id()
            if self.note("register", register(self.url, number), 201, number):
                self.readers.append(number)

    def note(self, what: str, answer: requests.Response, expected: int, who: str) -> bool:
        self.outcomes[f"{what} {answer.status_code}"] += 1
        if answer.status_code != expected:
            self.failures.append(f"{what} of {who}: {answer.status_code} {answer.text[:200]}")
        return answer.status_code == expected


def test_a_blind_index_rotation_under_traffic_locks_nobody_out_and_registers_no_number_twice(tmp_path):
    emulation_port = free_port()
    endpoint = f"http://127.0.0.1:{emulation_port}"
    running = start_stack(
        tmp_path / "state",
        extra_env={**ONE_ADDRESS_MANY_CLIENTS, "SECRET_CACHE_SECONDS": "1", "AWS_EMULATION_PORT": str(emulation_port)},
    )
    try:
        readers = [new_national_id() for _ in range(8)]
        for number in readers:
            assert register(running.url, number).status_code == 201
        traffic = Traffic(running.url, readers)
        traffic.start()
        # Waiting for traffic, not for a duration: each kind of request has been answered before the rotation.
        eventually(
            lambda: traffic.outcomes["register 201"] and traffic.outcomes["duplicate 409"],
            seconds=120,
            what="traffic of every kind before the rotation",
        )
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}

        started = time.monotonic()
        command = subprocess.run(
            [
                sys.executable,
                "scripts/rotate_key.py",
                "blind-index",
                "--local",
                endpoint,
                "--settle-seconds",
                "3",
                "--lockout-seconds",
                "2",
                "--rate",
                "20",
                "--page-size",
                "5",
            ],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        took = time.monotonic() - started
        # Traffic after the rotation, under the new version only: three more rounds of each kind of request.
        after = sum(traffic.outcomes.values())
        eventually(
            lambda: sum(traffic.outcomes.values()) >= after + 12 or traffic.failures,
            seconds=120,
            what="traffic after the rotation",
        )
        traffic.stop.set()
        traffic.join(timeout=60)

        assert command.returncode == 0, command.stdout + command.stderr
        report = json.loads(command.stdout.strip().splitlines()[-1])
        assert report["finished"] and report["entries_left_under_previous"] == 0
        assert report["progress"]["conflicts"] == []
        assert traffic.failures == [], traffic.failures[:10]
        assert traffic.outcomes["register 201"] > 0 and traffic.outcomes["duplicate 409"] > 0, traffic.outcomes

        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="ap-northeast-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        items = [i for page in dynamodb.get_paginator("scan").paginate(TableName="ReadersTable") for i in page["Items"]]
        profiles = [i for i in items if i["sk"]["S"] == "PROFILE"]
        identities = [i for i in items if i["pk"]["S"].startswith("IDENTITY#")]
        old = [
            i["pk"]["S"]
            for i in items
            if i["pk"]["S"].split("#")[0] in ("IDENTITY", "PERSON", "HOUSEHOLD")
            and version_of(i["pk"]["S"].split("#", 1)[1]) == 1
        ]
        assert len(profiles) == len(readers) == len({i["reader_id"]["S"] for i in identities}) == len(identities)
        assert all(version_of(p["identity_index"]["S"]) == 2 for p in profiles)
        assert old == []
        value = boto3.client(
            "secretsmanager",
            endpoint_url=endpoint,
            region_name="ap-northeast-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        ).get_secret_value(SecretId="BlindIndexKeySecret")["SecretString"]
        assert json.loads(value)["current"] == 2 and list(json.loads(value)["keys"]) == ["2"]
        print(f"rotation of {len(profiles)} readers took {took:.1f} s under {dict(traffic.outcomes)}")
    finally:
        running.stop(timeout=30)
