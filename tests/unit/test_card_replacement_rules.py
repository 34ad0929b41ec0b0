"""The counter gives an active reader another card: who may have one, which barcodes are refused, and what the
reader's audit trail and the library system are given. Pure: the repositories are stand-ins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from onecard.lifecycle.card_replacement import replace_card
from onecard.lifecycle.counter import CounterDependencies, Staff
from onecard.lifecycle.records import ActivationRefused
from onecard.web import problems

READER = "R0123456789ABCDEF0123"
CLERK = Staff(principal="sub-42", staff_id="wang.counter", branch="ZH01")
NOW = dt.datetime(2026, 12, 2, 3, 4, 5, tzinfo=dt.UTC)


@dataclass
class Holder:
    id_number: str | None


@dataclass
class Readers:
    profile: dict[str, Any] | None

    def get_profile(self, reader_id: str) -> dict[str, Any] | None:
        return self.profile


@dataclass
class Lifecycle:
    refusal: str | None = None
    written: list[tuple] = field(default_factory=list)

    def replace_card(self, reader_id, old, new, at, audit, extra_actions, library_waits=False) -> None:
        if self.refusal:
            raise ActivationRefused(self.refusal)
        self.written.append((reader_id, old, new, at, audit, extra_actions, library_waits))


def active(**changes) -> dict[str, Any]:
    return {"reader_id": READER, "status": "active", "card_barcode": "TP90000001", "id_number_encrypted": {}, **changes}


def deps(profile, lifecycle=None, holder=None) -> CounterDependencies:
    return CounterDependencies(
        readers=Readers(profile),
        lifecycle=lifecycle or Lifecycle(),
        decrypt_id_number=lambda profile: "A123456789",
        decrypt_register_number=lambda profile: "",
        indexes=lambda: None,
        clock=lambda: NOW,
        library_holder=lambda barcode: holder,
        library_card_replacement=lambda reader_id, now: [{"library": reader_id, "at": now.isoformat()}],
    )


def test_an_active_reader_gets_the_new_barcode_with_the_clerk_the_reason_and_both_barcodes_in_the_audit_trail():
    lifecycle = Lifecycle()
    done = replace_card(READER, "tp55500001", "refused_by_library_system", CLERK, deps(active(), lifecycle))

    assert done == {
        "reader_id": READER,
        "card_barcode": "TP55500001",  # scanners type either case: stored as the library system prints it
        "previous_card_barcode": "TP90000001",
        "reason": "refused_by_library_system",
        "replaced_at": "2026-12-02T03:04:05.000Z",
    }
    [(reader_id, old, new, at, audit, extra, library_waits)] = lifecycle.written
    assert (reader_id, old, new) == (READER, "TP90000001", "TP55500001")
    assert (audit["by"], audit["principal"], audit["branch"], audit["channel"]) == (
        "wang.counter",
        "sub-42",
        "ZH01",
        "counter",
    )
    assert (audit["field"], audit["action"], audit["reason"]) == (
        "card_barcode",
        "replaced",
        "refused_by_library_system",
    )
    assert (audit["previous_card_barcode"], audit["card_barcode"]) == ("TP90000001", "TP55500001")
    assert audit["pk"] == f"READER#{READER}" and audit["at"] == at
    assert extra == [{"library": READER, "at": NOW.isoformat()}]  # the library system's write leaves with it
    assert library_waits  # and the profile says the new card waits for it


@pytest.mark.parametrize("status", ["pending_verification", "suspended"])
def test_only_an_active_reader_is_given_another_card(status):
    with pytest.raises(problems.Conflict) as refused:
        replace_card(READER, "TP55500001", "lost", CLERK, deps(active(status=status)))
    assert refused.value.extra["code"] == "not_active"


def test_a_reader_who_is_not_here_is_not_found():
    with pytest.raises(problems.NotFound):
        replace_card(READER, "TP55500001", "lost", CLERK, deps(None))


def test_the_barcode_the_reader_already_has_is_refused_on_the_barcode_field():
    lifecycle = Lifecycle()
    with pytest.raises(problems.InvalidFields) as refused:
        replace_card(READER, "tp90000001", "damaged", CLERK, deps(active(), lifecycle))
    assert [(i.field, i.code) for i in refused.value.issues] == [("card_barcode", "same_barcode")]
    assert lifecycle.written == []


def test_a_barcode_the_library_system_holds_for_another_card_holder_is_refused_and_nothing_is_written():
    lifecycle = Lifecycle()
    with pytest.raises(problems.Conflict) as refused:
        replace_card(READER, "TP55500001", "lost", CLERK, deps(active(), lifecycle, Holder("B223456789")))
    assert refused.value.extra["code"] == "barcode_held_by_library_system"
    assert lifecycle.written == []


def test_a_barcode_the_library_system_holds_as_the_readers_own_card_is_given():
    lifecycle = Lifecycle()
    replace_card(READER, "TP55500001", "lost", CLERK, deps(active(), lifecycle, Holder("a123456789")))
    assert len(lifecycle.written) == 1


@pytest.mark.parametrize(("refusal", "code"), [("barcode_taken", "barcode_taken"), ("not_active", "card_changed")])
def test_a_barcode_taken_here_or_a_card_changed_meanwhile_is_a_conflict(refusal, code):
    with pytest.raises(problems.Conflict) as refused:
        replace_card(READER, "TP55500001", "lost", CLERK, deps(active(), Lifecycle(refusal=refusal)))
    assert refused.value.extra["code"] == code


def test_a_login_meanwhile_does_not_give_back_the_old_barcode_until_the_library_system_has_the_new_one():
    from onecard.library_cards.patron_record import CARD_WAITING, without_a_provisional_card

    answer = {"card_barcode": "TP90000001", "card_status": "valid", "name": "林小明"}
    waiting = active(card_barcode="TP55500001", **{CARD_WAITING: "TP55500001"})
    assert without_a_provisional_card(waiting, answer) == {"card_status": "valid", "name": "林小明"}
    delivered = active(card_barcode="TP55500001")
    assert without_a_provisional_card(delivered, answer) == answer  # the library system's own change is taken
