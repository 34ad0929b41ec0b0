"""A 2-hour library-system outage with 500 counter activations waiting, on an injected clock (not real hours).

The library-card writes go through the real delivery rules (onecard.library_cards.delivery) with the real shared
breaker and per-second rate counters and the real reader, state and lease items (all on the AWS emulation); only the
queue (a heap of messages by the time they become visible again), the clock and the library system (in memory, down
for the first two hours, answering each call in 20 ms) are simulated. Afterwards every reader must be a full patron,
none twice, and no whole second may have seen more calls than the agreed rate.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import math
import random
from collections import Counter

OUTAGE_SECONDS = 7200
ACTIVATIONS = int(__import__("os").environ.get("BENCH_OUTAGE_ACTIVATIONS", "500"))
RATE = 10
CALL_SECONDS = 0.02


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def run() -> dict[str, float]:
    from devstack.in_process import emulated_aws

    clock = _Clock()
    start = clock.now

    with emulated_aws():
        from onecard.ils.records import LibrarySystemUnavailable, PatronCategory
        from tests.support.patron_records import InMemoryPatronRecords

        class Ils(InMemoryPatronRecords):
            def _call(self, name: str) -> None:
                clock.sleep(CALL_SECONDS)
                self.calls.append((clock.now, name))
                if clock.now < start + OUTAGE_SECONDS:
                    raise LibrarySystemUnavailable("down")

        from onecard import wiring
        from onecard.infra.aws import client
        from onecard.library_cards import delivery
        from onecard.links.manners import Manners
        from onecard.registration.service import iso_millis

        ils = Ils()
        cards, readers, cipher = wiring.library_cards(), wiring.readers(), wiring.cipher()
        dynamodb, table = client("dynamodb"), cards.table
        rng = random.Random(27)
        queue: list[tuple[float, int, dict, float, int]] = []
        order = itertools.count()
        from onecard.infra.dynamo import to_item

        for n in range(ACTIVATIONS):
            reader_id = f"R{n:020X}"
            at = iso_millis(dt.datetime.fromtimestamp(clock.now, dt.UTC))
            profile = {
                "pk": f"READER#{reader_id}",
                "sk": "PROFILE",
                "reader_id": reader_id,
                "status": "active",
                "card_barcode": f"TP{n:08d}",
                "activated_at": at,
                "name": f"讀者{n:04d}",
                "birth_date": "1990-01-01",
                "identity_index": f"I{n}",
                "id_number_encrypted": cipher.encrypt(f"A1{n:08d}", f"{reader_id}:id_number"),
            }
            dynamodb.put_item(TableName=table, Item=to_item(profile))
            actions = cards.queue_actions(reader_id, "upgrade", at, int(clock.now))
            cards.commit(actions[:1])  # the state; the outbox message goes straight onto the simulated queue
            message = json.loads(actions[1]["Put"]["Item"]["message"]["S"])
            heapq.heappush(queue, (clock.now, next(order), message, clock.now, 1))
            clock.sleep(0.01)

        deps = delivery.DeliveryDependencies(
            repository=cards,
            readers=readers,
            records=lambda: ils,
            decrypt=lambda envelope, associated: cipher.decrypt(envelope, associated_data=associated),
            breakers=wiring.partner_breakers(),
            rate_counter=wiring.partner_rate_counter(),
            manners=Manners(rate_per_second=RATE, trip_after=5, probe_seconds=30, retry_for=3 * 86400),
            clock=clock,
            sleep=clock.sleep,
            draw=rng.random,
            holder="bench",
            iso=lambda epoch: iso_millis(dt.datetime.fromtimestamp(epoch, dt.UTC)),
        )
        looks, done_at = 0, 0.0
        while queue:
            visible, _, message, first, receives = heapq.heappop(queue)
            clock.now = max(clock.now, visible)
            looks += 1
            outcome = delivery.handle(message, first, deps, receives)
            if outcome.wait is not None:
                heapq.heappush(queue, (clock.now + outcome.wait, next(order), message, first, receives + 1))
            else:
                assert outcome.result in ("held", "superseded"), outcome
                done_at = clock.now
        per_reader = Counter(record.external_id for record in ils.patrons.values())
        assert len(per_reader) == ACTIVATIONS, f"{len(per_reader)} of {ACTIVATIONS} readers reached it"
        assert max(per_reader.values()) == 1, "a reader was created twice"
        assert all(r.category is PatronCategory.FULL for r in ils.patrons.values())
        busiest = max(Counter(math.floor(at) for at, _ in ils.calls).values())
        assert busiest <= RATE, f"{busiest} calls in one second, agreed {RATE}"
        back = start + OUTAGE_SECONDS
        calls_after = sum(1 for at, _ in ils.calls if at >= back)
    return {
        "activations": ACTIVATIONS,
        "busiest_second_share_of_rate": busiest / RATE,
        "drain_seconds": done_at - back,
        "ideal_drain_seconds": calls_after / RATE,
        "looks_per_write": looks / ACTIVATIONS,
        "calls_while_down": sum(1 for at, _ in ils.calls if at < back),
    }


def table(result: dict[str, float]) -> str:
    return (
        "| measurement | value |\n| --- | --- |\n"
        f"| activations waiting through a {OUTAGE_SECONDS // 3600}-hour outage | {result['activations']} |\n"
        "| full patrons after it (none twice) | all |\n"
        f"| busiest second ÷ agreed rate ({RATE}/s) | {result['busiest_second_share_of_rate']:.2f} (≤ 1) |\n"
        f"| drain after it is back ÷ (its calls ÷ rate) | {result['drain_seconds']:.0f} s ÷ "
        f"{result['ideal_drain_seconds']:.0f} s = {result['drain_seconds'] / result['ideal_drain_seconds']:.2f} |\n"
        f"| calls while down (probes) | {result['calls_while_down']:.0f} |\n"
        f"| looks per write (queue receives) | {result['looks_per_write']:.0f} |\n"
    )


if __name__ == "__main__":
    import time

    started = time.perf_counter()
    print(table(run()))
    print(f"({time.perf_counter() - started:.0f} s)")
