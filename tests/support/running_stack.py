"""The running local stack (`python -m devstack`, what `make run` starts) as a subprocess, for tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.emulation import free_port

ROOT = Path(__file__).resolve().parents[2]


def first_group(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not found"
    return found.group(1)


@dataclass
class RunningStack:
    url: str
    state_dir: Path
    process: subprocess.Popen
    port: int
    log_path: Path
    emulation: str = ""  # the address of its own AWS emulation, when it was started with one
    _sign_in: Any = None
    _signing_in: threading.Lock = field(default_factory=threading.Lock)

    def stop(self, timeout: float = 10) -> float:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=timeout)
        return time.monotonic() - started

    @property
    def simulator_url(self) -> str:
        return first_group(r"partner simulator on (http://\S+)", self.output())

    def output(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def first_time_password(self, username: str) -> str:
        """What the stack printed at first start for a sample staff account."""
        return first_group(rf"staff account {re.escape(username)}: first-time password (\S+)", self.output())

    def staff_token(self, username: str = "staff-counter") -> str:
        """An ID token of a sample staff user, signed in at the stack's user pool as the staff page does (the
        first time: a new password and MFA set-up; then the TOTP code)."""
        import requests

        from tests.support.staff import PoolSignIn

        # One sign-in at a time: a first sign-in spends the one-time password, so threads must not race for it.
        with self._signing_in:
            if self._sign_in is None:
                page = requests.get(f"{self.url}/staff", timeout=10).text
                endpoint = first_group(r'data-sign-in-endpoint="([^"]+)"', page)
                client = first_group(r'data-client-id="([^"]+)"', page)
                self._sign_in = PoolSignIn(endpoint, client)
            return self._sign_in.id_token(username, self.first_time_password(username))

    def staff_credentials(self, username: str = "staff-counter") -> tuple[str, str]:
        """The password and TOTP key of a sample staff user set up by staff_token, for a browser to sign in with the
        same account (a first sign-in spends the one-time password, so the page cannot do it again)."""
        self.staff_token(username)
        return self._sign_in.passwords[username], self._sign_in.secrets[username]

    @property
    def operator_token(self) -> str:
        """Kept under its old name: the sample counter user's ID token."""
        return self.staff_token()

    def activate(self, reader_id: str) -> dict:
        """Counter staff check the applicant's identity and hand over a card (a new barcode each time)."""
        import secrets

        import requests

        answer = requests.post(
            f"{self.url}/v1/staff/readers/{reader_id}/activation",
            timeout=30,
            headers={"Authorization": f"Bearer {self.operator_token}"},
            json={"card_barcode": f"TP{secrets.randbelow(10**8):08d}", "document_checked": "national_id_card"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


def start_stack(state_dir: Path, port: int | None = None, extra_env: dict[str, str] | None = None) -> RunningStack:
    port = port or free_port()
    log_path = state_dir.parent / f"stack-{port}.log"
    env = {**os.environ, "PORT": str(port), "ONECARD_STATE_DIR": str(state_dir), **(extra_env or {})}
    env.pop("AWS_ENDPOINT_URL", None)
    log = open(log_path, "w")  # noqa: SIM115 - the stack writes to it until it stops
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local stack exited:\n{log_path.read_text()}")
        if "listening on" in log_path.read_text("utf-8", errors="replace"):
            break
        time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"local stack did not start:\n{log_path.read_text()}")
    return RunningStack(url, state_dir, process, port, log_path)


@contextlib.contextmanager
def stack_with_its_emulation(
    state_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[RunningStack, str]]:
    """A running stack of its own whose AWS emulation listens on a known port (its URL given too), stopped after."""
    emulation_port = free_port()
    running = start_stack(state_dir, extra_env={**(extra_env or {}), "AWS_EMULATION_PORT": str(emulation_port)})
    try:
        yield running, f"http://127.0.0.1:{emulation_port}"
    finally:
        try:
            running.stop(timeout=30)
        except subprocess.TimeoutExpired:
            running.process.kill()
            raise


def emulation_client(endpoint: str, service: str) -> Any:
    """A boto3 client of a running stack's AWS emulation (its endpoint URL, as stack_with_its_emulation gives it)."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="ap-northeast-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def dead_letter_count(endpoint: str) -> int:
    """How many link requests wait in the running stack's dead-letter queue."""
    sqs = emulation_client(endpoint, "sqs")
    url = next(u for u in sqs.list_queues()["QueueUrls"] if "LinkDeadLetterQueue" in u)
    return int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
    )


def eventually(check, seconds: float = 20, what="the condition"):
    """Polls ``check`` until it answers something truthy, and returns that; fails with ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what() if callable(what) else what} did not happen within {seconds} s")


# The tests and benchmarks send every request from 127.0.0.1, the one address the per-address limits count.
ONE_ADDRESS_MANY_CLIENTS = {"PARAMETER_OVERRIDES": "LoginLimitPerMinute=100000 AvailabilityLimitPerMinute=100000"}
