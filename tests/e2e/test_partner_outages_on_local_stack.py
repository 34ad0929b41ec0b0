"""Partners down for a while and partners' agreed rates, on a local stack of its own with small parameters: two link
workers (LinkWorkerConcurrency), a breaker that trips after 3 failures and probes every 2 s, klcpl limited to 3 calls
a second."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from tests.e2e.test_linking_on_local_stack import faults, partner_view, reader_session
from tests.support.running_stack import RunningStack, dead_letter_count, eventually, stack_with_its_emulation

PROBE_SECONDS = 2
PARAMETERS = (
    "LoginLimitPerMinute=100000 AvailabilityLimitPerMinute=100000 LinkRetryBaseSeconds=1 "
    f"LinkRetryMaxDelaySeconds=2 PartnerTripAfterFailures=3 PartnerProbeSeconds={PROBE_SECONDS} "
    "PartnerRateLimits=ntpc=20,klcpl=3,taipei-card=20"
)


@pytest.fixture(scope="module")
def small_stack(tmp_path_factory) -> Iterator[tuple[RunningStack, str]]:
    with stack_with_its_emulation(
        tmp_path_factory.mktemp("outages") / "state", {"PARAMETER_OVERRIDES": PARAMETERS}
    ) as running:
        yield running


def staff_partners(stack) -> dict[str, dict]:
    answer = requests.get(
        f"{stack.url}/v1/staff/partners",
        timeout=10,
        headers={"Authorization": f"Bearer {stack.staff_token('staff-supervisor')}"},
    )
    answer.raise_for_status()
    return {p["partner"]: p for p in answer.json()["partners"]}


def link_request(stack, partner):
    http, reader_id = reader_session(stack)
    sha = http.get(f"{stack.url}/v1/consent-documents/{partner}", timeout=5).json()["sha256"]
    answer = http.post(
        f"{stack.url}/v1/readers/me/links", json={"partner": partner, "document_sha256": sha}, timeout=10
    )
    assert answer.status_code == 202, answer.text
    return http, reader_id, answer.json()["request_id"]


def link_of(stack, http, partner):
    return next(
        link
        for link in http.get(f"{stack.url}/v1/readers/me/links", timeout=10).json()["links"]
        if link["partner"] == partner
    )


def test_a_partner_down_longer_than_five_tries_gets_only_probes_and_every_link_ends_active_when_it_is_back(small_stack):
    stack, emulation = small_stack
    faults(stack, "ntpc", error_rate=1.0)
    readers = [link_request(stack, "ntpc") for _ in range(4)]
    eventually(lambda: staff_partners(stack)["ntpc"]["state"] == "down", seconds=30, what="ntpc marked down")
    down = staff_partners(stack)["ntpc"]
    assert down["down_since"] and down["rate_per_second"] == 20 and down["backlog"] >= 1
    http = readers[0][0]
    assert link_of(stack, http, "ntpc")["partner_available"] is False
    assert link_of(stack, http, "ntpc")["status"] == "pending"

    time.sleep(16)  # longer than the old five tries took at a base of 1 s (1 + 2 + 4 + 8)
    faults(stack, "ntpc")
    back_at = time.time()  # once the simulator has taken the change: no call refused after it

    eventually(
        lambda: all(link_of(stack, h, "ntpc")["status"] == "active" for h, _, _ in readers),
        seconds=60,
        what="every held link becoming active",
    )
    assert staff_partners(stack)["ntpc"]["state"] == "up"
    assert link_of(stack, http, "ntpc")["partner_available"] is True
    assert dead_letter_count(emulation) == 0
    ours = {request_id for _, _, request_id in readers}
    refused = sorted(r["at"] for r in partner_view(stack, "ntpc")["refused"] if r["request_id"] in ours)
    # Counted, not timed (a call that passed the breaker just before it tripped may arrive late on a busy machine):
    # the four requests' first deliveries (a call and its quick second try each) trip it, then probes only, one a
    # probe period at most; each probe's spacing is proven in simulated time (tests/integration/test_link_worker.py).
    before_the_trip = 4 * 2
    assert 3 + 2 <= len(refused) <= before_the_trip + (back_at - refused[0]) / PROBE_SECONDS + 1, refused
    assert all(at < back_at for at in refused)


def test_held_requests_go_out_no_faster_than_the_partners_rate_with_two_workers(small_stack):
    stack, emulation = small_stack
    faults(stack, "klcpl", error_rate=1.0)  # a backlog builds while it is down, then floods out when it is back
    readers = [link_request(stack, "klcpl") for _ in range(12)]
    eventually(lambda: staff_partners(stack)["klcpl"]["state"] == "down", seconds=30, what="klcpl marked down")
    faults(stack, "klcpl")

    eventually(
        lambda: all(link_of(stack, h, "klcpl")["status"] == "active" for h, _, _ in readers),
        seconds=90,
        what="every klcpl link becoming active",
    )
    ours = {request_id for _, _, request_id in readers}
    arrivals = [s["at"] for s in partner_view(stack, "klcpl")["seen"] if s["request_id"] in ours]
    per_second = Counter(int(at) for at in arrivals)
    assert len(arrivals) == 12 and max(per_second.values()) <= 3, per_second
    assert dead_letter_count(emulation) == 0


def test_a_refusing_partner_still_ends_rejected_at_once(small_stack):
    stack, _ = small_stack
    faults(stack, "taipei-card", reject_rate=1.0)
    http, _, _ = link_request(stack, "taipei-card")

    eventually(
        lambda: link_of(stack, http, "taipei-card")["status"] == "rejected",
        seconds=15,
        what="the refused link becoming rejected",
    )
    assert staff_partners(stack)["taipei-card"]["state"] == "up"
    faults(stack, "taipei-card")
