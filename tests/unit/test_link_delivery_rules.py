"""What one delivery of a link request decides from a partner's answer, its rate slot and the queue's timestamps."""

from __future__ import annotations

from onecard.links.delivery_rules import (
    QUICK_ANSWER_SECONDS,
    Slot,
    first_sent_at,
    quick_retry_pause,
    slot_has_passed,
    slot_taken,
    status_after,
    worth_a_quick_retry,
)


def test_only_a_final_answer_changes_the_links_status():
    assert [status_after(o) for o in ("active", "unlinked", "rejected", "accepted", "retry")] == [
        "active",
        "unlinked",
        "rejected",
        None,
        None,
    ]


def test_the_first_send_is_the_copies_own_then_the_queues_then_now():
    assert first_sent_at({"first_sent_at": 100.5}, "200000", now=300) == 100.5
    assert first_sent_at({}, "200000", now=300) == 200.0
    assert first_sent_at({}, None, now=300) == 300


def test_a_slot_within_the_rate_goes_and_one_over_it_waits_for_good():
    assert slot_taken(3, 3, second=10, now=10.9) == (Slot(True, 3, 10), True)
    assert slot_taken(4, 3, second=10, now=10.9) == (Slot(False, 4, 10), True)


def test_a_slot_counted_after_its_second_ended_is_given_up_and_asked_again():
    assert slot_taken(1, 3, second=10, now=11.01) == (Slot(False, 1, 10), False)


def test_a_slot_whose_second_has_passed_is_taken_again():
    assert slot_has_passed(Slot(True, 1, 10), now=11.0)
    assert not slot_has_passed(Slot(True, 1, 10), now=10.99)
    assert not slot_has_passed(Slot(False, 1, 10), now=11.0)  # refused already


def test_only_a_fast_passing_failure_earns_a_quick_second_try_after_a_spread_pause():
    assert worth_a_quick_retry("retry", 0.1)
    assert not worth_a_quick_retry("retry", QUICK_ANSWER_SECONDS)  # a timeout spent its time already
    assert not worth_a_quick_retry("rejected", 0.1)
    assert 0.25 <= quick_retry_pause(0.0) < quick_retry_pause(0.99) < 0.75
