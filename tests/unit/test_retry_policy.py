"""The pure rules of retries, time budgets, the partners' circuit breaker and rate limits (no AWS)."""

from __future__ import annotations

import itertools
import math
import sys
from collections import Counter
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


DEFAULTS = {"probe_seconds": 30, "cap": 900}


@given(backlog=st.integers(0, 600), draw=st.floats(0, 1, exclude_max=True))
def test_early_in_an_outage_a_held_request_looks_again_about_every_probe_period(backlog, draw):
    delay = policy.hold_delay(
        0.0, backlog=backlog, rate=20, **DEFAULTS, until_deadline=259_200, draw=draw
    )  # 600 ÷ (2 × 20) = 15 s of backlog: below a probe period

    assert 22 <= delay <= 38


@given(
    outage=st.floats(0, 259_200),
    backlog=st.integers(0, 10**6),
    rate=st.integers(1, 100),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_a_held_request_looks_again_within_the_longest_of_a_probe_period_a_fortieth_of_the_outage_and_its_backlogs_wake(
    outage, backlog, rate, draw
):
    delay = policy.hold_delay(outage, backlog=backlog, rate=rate, **DEFAULTS, until_deadline=10**6, draw=draw)

    longest = max(30, outage / 40, backlog / (2 * rate))
    assert 0.75 * min(900, longest) - 1 <= delay <= 1.25 * min(900, longest) + 1
    assert delay <= 1125 + 1


@given(outage=st.floats(0, 10**6), until_deadline=st.floats(-10, 10**6), draw=st.floats(0, 1, exclude_max=True))
def test_a_hold_never_reaches_past_the_budgets_end(outage, until_deadline, draw):
    delay = policy.hold_delay(outage, backlog=0, rate=None, **DEFAULTS, until_deadline=until_deadline, draw=draw)

    assert 1 <= delay <= max(1, until_deadline + 1)


@pytest.mark.parametrize(("rate", "backlog"), [(20, 0), (20, 1_000), (20, 36_000), (10, 100_000), (5, 20)])
def test_while_a_partner_is_down_its_held_requests_wake_at_most_about_twice_its_rate_unless_the_cap_says_sooner(
    rate, backlog
):
    nominal = policy.hold_nominal(600, backlog=backlog, rate=rate, **DEFAULTS)

    wakes_per_second = backlog / nominal
    assert wakes_per_second <= max(2 * rate, backlog / 900)
    # and when it is back they wake fast enough for it to receive its full rate (once the backlog outlasts a probe
    # period), so the backlog comes back within half the time its partner takes to receive it
    if backlog / rate > 2 * 30:
        assert wakes_per_second >= min(2 * rate, backlog / 900) and nominal <= max(30, backlog / (2 * rate))


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999])
def test_a_request_held_through_a_whole_budget_of_three_days_stays_within_the_queues_receive_limit(draw):
    looks = policy.hold_schedule(259_200, backlog=0, rate=20, **DEFAULTS, draw=draw)

    assert len(looks) - 1 <= 600  # maxReceiveCount is 1000: room for the rate waits and backoffs after the outage
    gaps = [later - earlier for earlier, later in itertools.pairwise(looks)]
    assert max(gaps) <= 1125 + 1 and gaps[0] <= 38


@pytest.mark.parametrize(("outage", "latest"), [(60, 38), (3_600, 113), (4 * 3_600, 450), (86_400, 1_126)])
def test_after_an_outage_a_held_request_is_back_within_a_fortieth_of_it_or_a_probe_period(outage, latest):
    for draw in (0.0, 0.5, 0.999):
        looks = policy.hold_schedule(outage, backlog=0, rate=20, **DEFAULTS, draw=draw)

        assert looks[-1] - outage <= latest  # its first look after the partner is back


def test_rate_limits_are_read_from_the_template_parameter():
    assert policy.parse_rate_limits("ntpc=20,klcpl=10,taipei-card=20") == {"ntpc": 20, "klcpl": 10, "taipei-card": 20}
    assert policy.parse_rate_limits("") == {}
    for wrong in ("ntpc", "ntpc=0", "ntpc=x", "=3"):
        with pytest.raises(ValueError):
            policy.parse_rate_limits(wrong)


@given(limit=st.integers(1, 100), asked=st.integers(1, 2_000), fraction=st.floats(0, 0.999))
def test_requests_refused_in_one_second_come_back_in_the_seconds_of_their_turns_at_most_the_rate_in_each(
    limit, asked, fraction
):
    second = 1_000
    now = second + fraction
    turns: Counter[int] = Counter()
    for count in range(limit + 1, limit + asked + 1):
        delay = policy.rate_wait_delay(count, limit, second, now, backlog=0, cap=900, draw=0.5)
        back = math.floor(now + delay)
        assert back == policy.rate_turn(count, limit, second) and delay >= 1
        turns[back] += 1

    assert set(turns) == set(range(second + 1, second + 1 + math.ceil(asked / limit)))
    assert all(n == limit for turn, n in turns.items() if turn < max(turns)) and turns[max(turns)] <= limit


@given(limit=st.integers(1, 100), late=st.floats(0, 5))
def test_a_request_put_back_after_its_second_has_passed_comes_back_in_its_turn_or_at_once_after(limit, late):
    now = 1_000.5 + late
    delay = policy.rate_wait_delay(limit + 1, limit, 1_000, now, backlog=0, cap=900, draw=0.5)

    assert delay >= 1 and math.floor(now + delay) == max(1_001, math.floor(now) + 1)


@pytest.mark.parametrize(("backlog", "limit"), [(20, 5), (7, 3), (1_000, 20), (3, 10)])
def test_a_backlog_asking_in_one_second_is_called_at_the_full_rate_until_it_is_empty(backlog, limit):
    """The counter and the turns, second by second: each second's callers ask in the order they arrive."""
    waiting = {0: list(range(backlog))}
    called: Counter[int] = Counter()
    second = 0
    while any(waiting.values()):
        for count, request in enumerate(waiting.pop(second, []), start=1):
            if count <= limit:
                called[second] += 1
            else:
                turn = second + policy.rate_wait_delay(count, limit, second, second + 0.5, backlog=0, cap=900, draw=0.5)
                waiting.setdefault(turn, []).append(request)
        second += 1

    assert sum(called.values()) == backlog and max(called.values()) <= limit
    assert max(called) + 1 == math.ceil(backlog / limit)  # seconds of calls: backlog ÷ rate, rounded up


@given(
    limit=st.integers(1, 100),
    count=st.integers(1, 1_000),
    backlog=st.integers(0, 10**6),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_with_a_backlog_a_request_over_the_rate_comes_back_within_its_backlogs_spread_after_its_turn(
    limit, count, backlog, draw
):
    second, now = 1_000, 1_000.3
    delay = policy.rate_wait_delay(count, limit, second, now, backlog=backlog, cap=900, draw=draw)

    turn = policy.rate_turn(count, limit, second) - second
    assert turn <= delay <= turn + min(900, backlog / (2 * limit))


@pytest.mark.parametrize(("backlog", "limit"), [(66_700, 20), (64_000, 10), (2_000, 5)])
def test_a_large_backlog_over_its_rate_asks_about_four_times_the_rate_not_as_fast_as_workers_can_receive(
    backlog, limit
):
    waits = [
        policy.rate_wait_delay(limit + 1, limit, 0, 0.5, backlog=backlog, cap=900, draw=draw / 100)
        for draw in range(100)
    ]
    mean_wait = sum(waits) / len(waits)

    assert mean_wait == pytest.approx(1 + (min(900, backlog / (2 * limit)) - 1) / 2, rel=0.05, abs=1)
    # the cap bounds the wait, so a backlog beyond twice the rate times the cap asks more often
    assert limit <= backlog / mean_wait <= max(4.2 * limit, 2.1 * backlog / 900)


@pytest.mark.parametrize("backlog", [0, 5, 19])
def test_a_backlog_under_four_times_the_rate_comes_back_exactly_at_its_turns(backlog):
    for place, turn in ((6, 1), (10, 1), (11, 2), (16, 3)):
        waits = {policy.rate_wait_delay(place, 5, 0, 0.5, backlog=backlog, cap=900, draw=d / 10) for d in range(10)}

        assert waits == {turn}


def test_a_call_about_to_start_at_the_end_of_a_second_takes_a_slot_of_the_next():
    assert policy.slot_window(100.5, 0.05) == (100, 0.0)
    second, wait = policy.slot_window(100.97, 0.05)
    assert second == 101 and wait == pytest.approx(0.03)
