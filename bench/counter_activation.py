"""Warm latency of the counter's activation (POST /v1/staff/readers/{id}/activation) through the staff function,
with the simulated library system behind SIP2 and Koha's REST API, against its irreducible work on the same
emulation: one library-system REST call and the activation's own DynamoDB transaction. The card's upgrade in
the library system leaves through the outbox: the counter never waits for it."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time

RUNS = 20
LIBRARY_LATENCY_MS = 30


def run() -> list[tuple[str, float, float]]:
    from devstack.functions import api_routes
    from devstack.in_process import emulated_aws_elsewhere

    with emulated_aws_elsewhere() as aws:
        from ils_simulator import IlsSimulator

        with IlsSimulator().running() as library:
            return _measured(aws, library, api_routes)


def _measured(aws, library, api_routes) -> list[tuple[str, float, float]]:
    if True:
        from onecard import wiring
        from tests.support.api import ApiClient
        from tests.support.applications import personal_application
        from tests.support.library_system import use_library_system
        from tests.support.lifecycle import OPERATOR_TOKEN, unique_person

        use_library_system(aws, os.environ.__setitem__, library)
        api = ApiClient(api_routes(aws.specs), aws.invoke)
        staff = api.as_staff(str(OPERATOR_TOKEN))  # signed in once, before the clock runs

        addresses = iter(range(1, 250))

        def pending() -> str:
            from onecard.captcha import solve

            body = personal_application(captcha=solve(api.get("/v1/captcha").json()), email=None, **unique_person())
            # Each applicant from an address of their own: the per-address limit is not what is measured.
            answer = ApiClient(api_routes(aws.specs), aws.invoke, source_ip=f"198.51.100.{next(addresses)}").post(
                "/v1/readers", body
            )
            assert answer.status == 201, answer.body
            return answer.json()["reader_id"]

        readers = [pending() for _ in range(RUNS + 3)]
        # As in the card holders' login bench: the library system answers in 30 ms, as one across a network would
        # (on the loopback it answers in a millisecond, while every emulated DynamoDB request costs several).
        library.set_faults(latency_ms=LIBRARY_LATENCY_MS)
        times = []
        for number, reader_id in enumerate(readers):
            started = time.perf_counter()
            answer = staff.post(
                f"/v1/staff/readers/{reader_id}/activation",
                {"card_barcode": f"TB{number:08d}", "document_checked": "national_id_card"},
            )
            elapsed = time.perf_counter() - started
            assert answer.status == 200, answer.body
            if number >= 3:  # the first warm the container
                times.append(elapsed)

        records = wiring.patron_records()
        assert records is not None
        someone = records.find_patron(cardnumber="TP90000001")
        assert someone is not None
        lifecycle, cards = wiring.lifecycle(), wiring.library_cards()
        from onecard.mail import notices
        from onecard.readers.personal_data import audit_item
        from onecard.registration.service import iso_millis

        rest_times, transaction_times = [], []
        for number, reader_id in enumerate(pending() for _ in range(RUNS)):
            started = time.perf_counter()
            records.get_patron(someone.patron_id)
            rest_times.append(time.perf_counter() - started)
            # The activation's own transaction, as the counter's write makes it: the profile, the barcode's
            # pointer, the audit entry, the welcome notice, the library system's state and its outbox message.
            now = dt.datetime.now(dt.UTC)
            at, code = iso_millis(now), f"TX{number:08d}"
            profile = wiring.readers().get_profile(reader_id) or {}
            notice = notices.notice_for(profile, "card_activated", int(now.timestamp()), card_barcode=code)
            extra = cards.queue_actions(reader_id, "upgrade", at, int(now.timestamp()))
            extra += [notices.put_action(lifecycle.table, notice)] if notice else []
            audit = audit_item(reader_id, "status", "activated", at, by="bench", channel="counter")
            started = time.perf_counter()
            lifecycle.activate(reader_id, code, at, audit, extra)
            transaction_times.append(time.perf_counter() - started)
    baseline = statistics.median(rest_times) + statistics.median(transaction_times)
    activation = statistics.median(times)
    return [
        ("one library-system REST call + the activation's own DynamoDB transaction (baseline, medians)", baseline, 1.0),
        (
            f"warm counter activation through the staff function, library system answering in {LIBRARY_LATENCY_MS} ms (median)",
            activation,
            activation / baseline,
        ),
    ]


if __name__ == "__main__":
    for name, seconds, ratio in run():
        print(f"{name}: {seconds * 1000:.1f} ms, ratio {ratio:.2f}")
