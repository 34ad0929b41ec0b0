"""Which applications a day's run reminds and which it expires, on fakes of the stored state."""

from __future__ import annotations

import datetime as dt

from onecard.lifecycle.expiry import ExpiryDependencies, run
from onecard.lifecycle.records import DueApplication
from onecard.mail.mailer import Message

TODAY = dt.date(2026, 12, 20)


class FakeLifecycle:
    def __init__(self, profiles: dict[str, dict]):
        self.profiles = profiles
        self.reminded: set[str] = set()

    def pending_due_by(self, last_day: str) -> list[DueApplication]:
        return [
            DueApplication(rid, p["verify_by"], rid in self.reminded)
            for rid, p in self.profiles.items()
            if p["status"] == "pending_verification" and p["verify_by"] <= last_day
        ]

    def unfinished_expiries(self, last_day: str) -> list[str]:
        return [rid for rid, p in self.profiles.items() if p["status"] == "expired" and p["verify_by"] <= last_day]

    def mark_reminded(self, reader_id: str, at: str) -> bool:
        if reader_id in self.reminded:
            return False
        self.reminded.add(reader_id)
        return True

    def mark_expiring(self, reader_id: str, at: str) -> bool:
        if self.profiles[reader_id]["status"] != "pending_verification":
            return False
        self.profiles[reader_id]["status"] = "expired"
        return True


class FakeReaders:
    def __init__(self, profiles: dict[str, dict]):
        self.profiles = profiles

    def get_profile(self, reader_id: str) -> dict | None:
        return self.profiles.get(reader_id)


def deps(profiles: dict[str, dict], sent: list, deleted: list, throttled: set | None = None) -> ExpiryDependencies:
    class Mailer:
        def send(self, message):
            sent.append(message)

    def delete_reader(profile, at):
        if profile["reader_id"] in (throttled or set()):
            raise RuntimeError("writes still unprocessed after retries")
        deleted.append(profile["reader_id"])
        del profiles[profile["reader_id"]]

    return ExpiryDependencies(
        lifecycle=FakeLifecycle(profiles),
        readers=FakeReaders(profiles),
        mailer=Mailer(),
        withdraw_links=lambda reader_id, at: ["ntpc"],
        delete_reader=delete_reader,
    )


def pending(reader_id: str, days_left: int, email: str | None = "r@example.com") -> dict:
    return {
        "reader_id": reader_id,
        "status": "pending_verification",
        "email": email,
        "verify_by": (TODAY + dt.timedelta(days=days_left)).isoformat(),
    }


def test_a_run_reminds_within_seven_days_and_expires_only_after_the_deadline():
    profiles = {r["reader_id"]: r for r in (pending("R8", 8), pending("R7", 7), pending("R0", 0), pending("Rlate", -1))}
    sent: list[Message] = []
    deleted: list[str] = []

    report = run(TODAY, deps(profiles, sent, deleted))

    assert sorted(report.reminded) == ["R0", "R7"] and report.expired == ["Rlate"] and deleted == ["Rlate"]
    assert report.partners_told == 1 and sorted(m.to for m in sent) == ["r@example.com", "r@example.com"]


def test_a_second_run_the_same_day_sends_no_second_reminder_and_expires_nothing_twice():
    profiles = {r["reader_id"]: r for r in (pending("R3", 3), pending("Rlate", -2))}
    shared = deps(profiles, [], [])

    run(TODAY, shared)
    again = run(TODAY, shared)

    assert again.reminded == [] and again.expired == []


def test_an_application_without_an_address_is_not_mailed_but_still_expires():
    profiles = {r["reader_id"]: r for r in (pending("Rnomail", 2, email=None), pending("Rgone", -3, email=None))}
    sent: list[Message] = []
    deleted: list[str] = []

    report = run(TODAY, deps(profiles, sent, deleted))

    assert sent == [] and report.reminded == [] and deleted == ["Rgone"]


def test_a_deletion_cut_short_is_reported_unfinished_without_stopping_the_others_and_the_next_run_finishes_it():
    profiles = {r["reader_id"]: r for r in (pending("Rthrottled", -1), pending("Rother", -1))}
    throttled = {"Rthrottled"}
    deleted: list[str] = []

    first = run(TODAY, deps(profiles, [], deleted, throttled))
    throttled.clear()
    second = run(TODAY + dt.timedelta(days=1), deps(profiles, [], deleted, throttled))

    assert first.expired == ["Rother"] and first.unfinished == ["Rthrottled"]
    assert second.expired == ["Rthrottled"] and second.unfinished == []
    assert sorted(deleted) == ["Rother", "Rthrottled"] and profiles == {}
