"""The pure rules of retries, time budgets, the partners' circuit breaker and rate limits (no AWS)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onecard.links import retry_policy as policy
from onecard.links.retry_policy import Gate, PartnerHealth


def test_the_rules_import_nothing_of_aws():
    assert not any(name.split(".")[0] in ("boto3", "botocore") for name in policy.__dict__)
    source = Path(policy.__file__).read_text(encoding="utf-8")
    assert "boto" not in source and "onecard.infra" not in source
    assert "onecard.links.retry_policy" in sys.modules


def test_the_nominal_schedule_doubles_from_the_base_up_to_the_cap_until_the_budget_ends():
    schedule = policy.nominal_schedule(base=30, cap=900, retry_for=259_200)

    assert schedule[:7] == [0, 30, 60, 120, 240, 480, 960]
    gaps = [later - earlier for earlier, later in itertools.pairwise(schedule)]
    assert max(gaps) == 900 and gaps[-1] <= 900
    assert schedule[-1] == 259_200
    assert len(schedule) < 300  # far within the queue's maxReceiveCount of 1000


@given(
    elapsed=st.floats(0, 10**6),
    base=st.integers(0, 300),
    cap=st.integers(1, 43_200),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_a_jittered_wait_lies_between_half_and_all_of_the_nominal_wait_and_never_past_the_cap(elapsed, base, cap, draw):
    nominal = policy.nominal_retry_delay(elapsed, base, cap)
    wait = policy.jittered(nominal, draw)

    assert nominal / 2 <= wait <= nominal <= cap
    assert nominal >= min(base, cap)


@given(
    first=st.floats(0, 10**9),
    spent=st.floats(0, 10**6),
    retry_for=st.integers(0, 1_036_800),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_the_next_try_is_never_after_the_budget_ends(first, spent, retry_for, draw):
    now = first + spent
    delay = policy.retry_delay(first, now, base=30, cap=900, retry_for=retry_for, draw=draw)

    assert 0 <= delay <= 900
    if not policy.out_of_budget(first, now, retry_for):
        assert now + delay <= policy.deadline(first, retry_for) + 1  # whole seconds


def test_the_budget_counts_from_the_first_send_whatever_the_number_of_tries():
    assert not policy.out_of_budget(1000.0, 1000.0 + 259_199, 259_200)
    assert policy.out_of_budget(1000.0, 1000.0 + 259_200, 259_200)
    assert policy.out_of_budget(1000.0, 1000.0, 0)


def test_a_partner_is_marked_down_at_the_failure_that_completes_the_row_and_only_probed_then():
    health, now = PartnerHealth(), 100.0
    for _ in range(4):
        health = policy.after_failure(health, now, trip_after=5, probe_seconds=30)
        assert policy.gate(health, now) is Gate.CALL
    health = policy.after_failure(health, now, trip_after=5, probe_seconds=30)

    assert health.down and health.down_since == now and health.probe_at == now + 30
    assert policy.gate(health, now + 29.9) is Gate.HOLD
    assert policy.gate(health, now + 30) is Gate.PROBE


def test_an_answer_ends_the_row_of_failures_and_a_down_partner_is_up_again():
    health = PartnerHealth(failures=7, down_since=10.0, probe_at=40.0, backlog=12)

    back = policy.after_answer(health)

    assert (back.failures, back.down, back.backlog) == (0, False, 12)
    assert policy.gate(back, 41.0) is Gate.CALL
    assert policy.after_answer(PartnerHealth(failures=3)).failures == 0


def test_a_failed_probe_keeps_the_partner_down_since_the_first_failure_and_moves_the_next_probe_on():
    down = PartnerHealth(failures=5, down_since=100.0, probe_at=130.0)

    after = policy.after_failure(down, 131.0, trip_after=5, probe_seconds=30)

    assert after.down_since == 100.0 and after.probe_at == 161.0 and after.failures == 6


@given(waited=st.floats(0, 10**6), draw=st.floats(0, 1, exclude_max=True))
def test_a_held_request_looks_again_after_a_probe_period_at_first_and_at_most_the_cap_later(waited, draw):
    delay = policy.hold_delay(0.0, waited, probe_seconds=30, cap=900, draw=draw)

    assert 22 <= delay <= 1125 + 1
    if waited <= 120:
        assert delay <= 38


def test_rate_limits_are_read_from_the_template_parameter():
    assert policy.parse_rate_limits("ntpc=20,klcpl=10,taipei-card=20") == {"ntpc": 20, "klcpl": 10, "taipei-card": 20}
    assert policy.parse_rate_limits("") == {}
    for wrong in ("ntpc", "ntpc=0", "ntpc=x", "=3"):
        with pytest.raises(ValueError):
            policy.parse_rate_limits(wrong)


@given(count=st.integers(1, 10_000), limit=st.integers(1, 100), draw=st.floats(0, 1, exclude_max=True))
def test_a_request_over_the_rate_waits_about_a_second_more_than_those_ahead_of_it_take(count, limit, draw):
    delay = policy.rate_wait_delay(count, limit, draw)

    ahead = max(0, count - limit - 1) / limit
    assert 1 + ahead <= delay <= 2 + ahead + 1


def test_a_call_about_to_start_at_the_end_of_a_second_takes_a_slot_of_the_next():
    assert policy.slot_window(100.5, 0.05) == (100, 0.0)
    second, wait = policy.slot_window(100.97, 0.05)
    assert second == 101 and wait == pytest.approx(0.03)
