"""The link worker in simulated time: its clock is the test's, and a request put back for N seconds comes back when
the test moves the clock N seconds on, not after N seconds of the machine's. What a test of outages, budgets and
rates proves then no longer depends on how busy the machine is: each wait is exactly what the worker asked for,
however long the emulated AWS took to answer."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from devstack.functions import LambdaContext
from tests.support.flows import sqs_records


class SimulatedClock:
    """Moves only when told (the test's ``advance_to``, or the worker's own pauses: ``sleep``)."""

    def __init__(self) -> None:
        self._now: float | None = None
        self._lock = threading.Lock()

    def start_at(self, moment: float) -> None:
        with self._lock:
            if self._now is None:
                self._now = moment

    def time(self) -> float:
        assert self._now is not None, "the simulated clock starts with the first delivery"
        return self._now

    monotonic = time

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now = self.time() + seconds

    def advance_to(self, moment: float) -> None:
        with self._lock:
            self._now = max(self.time(), moment)


class TimedPartners:
    """The partners the worker calls, with each call's simulated time and answer."""

    def __init__(self, partners: Any, clock: SimulatedClock):
        self.partners, self.clock = partners, clock
        self.calls: list[tuple[float, str, str, str]] = []  # (at, partner, request_id, outcome)
        self._lock = threading.Lock()

    def send(self, partner: str, action: str, request_id: str, payload: dict[str, Any]) -> Any:
        at = self.clock.time()
        answer = self.partners.send(partner, action, request_id, payload)
        with self._lock:
            self.calls.append((at, partner, request_id, answer.outcome))
        return answer

    def times(self, partner: str, outcome: str | None = None) -> list[float]:
        return sorted(at for at, p, _, o in self.calls if p == partner and (outcome is None or o == outcome))


UNTIL_RELEASED = 3600


class QueueInSimulatedTime:
    """The worker's queue port: a put-back is noted as due at the simulated time the worker asked for (and kept
    invisible on SQS until then); ``release_next`` moves the clock to the next due time and makes those messages
    visible."""

    def __init__(self, real: Any, clock: SimulatedClock, sqs: Any, queue_url: str):
        self.real, self.clock, self.sqs, self.queue_url = real, clock, sqs, queue_url
        self.waits: list[int] = []
        self._due: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def put_back(self, receipt_handle: str, seconds: int) -> None:
        # Kept invisible until released: the machine's seconds must not bring it back first.
        self.real.put_back(receipt_handle, UNTIL_RELEASED)
        with self._lock:
            self.waits.append(seconds)
            self._due.append((self.clock.time() + seconds, receipt_handle))

    def dead_letter(self, body: str) -> None:
        self.real.dead_letter(body)

    def release_next(self, not_after: float = math.inf) -> bool:
        """False when nothing waits (or nothing before ``not_after``, to which the clock then moves)."""
        with self._lock:
            if not self._due or min(self._due)[0] > not_after:
                if not_after != math.inf:
                    self.clock.advance_to(not_after)
                return False
            self.clock.advance_to(min(self._due)[0])
            due = [entry for entry in self._due if entry[0] <= self.clock.time()]
            self._due = [entry for entry in self._due if entry[0] > self.clock.time()]
        for _, receipt_handle in due:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=0
            )
        return True


class SimulatedDelivery:
    """Link workers (loaded functions) fed from the emulated link queue in simulated time: each round every worker
    receives a batch and handles it (side by side, as two containers would); when nothing is visible, the clock
    moves to the next put-back."""

    def __init__(self, aws: Any, workers: list[Any], monkeypatch: Any, batch_size: int = 10):
        self.aws, self.workers, self.batch_size = aws, workers, batch_size
        self.clock = SimulatedClock()
        self.sqs = aws.client("sqs")
        self.queue_url = aws.resources.queue_urls["LinkQueue"]
        self.queue = QueueInSimulatedTime(workers[0].queue(), self.clock, self.sqs, self.queue_url)
        for worker in workers:
            monkeypatch.setattr(worker, "clock", self.clock)
            monkeypatch.setattr(worker, "queue", lambda: self.queue)
            monkeypatch.setattr(worker, "draw", lambda: 0.5)
        self._side_by_side = ThreadPoolExecutor(max_workers=len(workers))

    def _round_of(self, worker: Any) -> int:
        # No long polling: an empty queue answers at once (the clock, not the machine, decides when more is due).
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size, AttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return 0
        # Simulated time starts at a whole second after the latest send, a quarter into it: every request has
        # then been waiting a little, and no call starts near the end of a second (the rate slot's margin).
        self.clock.start_at(math.ceil(max(int(m["Attributes"]["SentTimestamp"]) for m in messages) / 1000) + 0.25)
        spec = self.aws.specs["LinkWorkerFunction"]
        result = worker.lambda_handler({"Records": sqs_records(messages)}, LambdaContext(spec))
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def round(self) -> int:
        """Messages handled in one round of every worker."""
        return sum(self._side_by_side.map(self._round_of, self.workers))

    def run_until(self, condition: Callable[[], bool], within_seconds: float, what: str = "the condition") -> None:
        """Rounds, moving the clock when nothing is visible, until ``condition()``; fails when ``within_seconds``
        of simulated time pass first, or when nothing waits any more."""
        started: float | None = None
        while True:
            handled = self.round()
            if self.clock._now is not None and started is None:
                started = self.clock.time()
            if condition():
                return
            if started is not None and self.clock.time() - started > within_seconds:
                raise AssertionError(f"{what} did not happen within {within_seconds} simulated seconds")
            if not handled and not self.queue.release_next():
                raise AssertionError(f"{what} did not happen, and no request waits any more")

    def run_for(self, seconds: float) -> None:
        """Rounds for ``seconds`` of simulated time from the first delivery (the clock ends exactly there)."""
        self.round()
        end = self.clock.time() + seconds
        while self.clock.time() < end:
            if not self.round() and not self.queue.release_next(not_after=end):
                return
