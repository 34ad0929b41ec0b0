"""Applications not activated in time: a reminder 7 days before the deadline, expiry the day after it.

An application may be activated on its verify_by day; it expires on any run after that day. An expired
application's personal data goes as after an erasure (its consent receipts stay, verifiable), its links are
withdrawn and the partners told, and the same person may apply again. No AWS import here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from onecard.domain.moments import iso_millis
from onecard.mail import messages
from onecard.observability import logger

REMINDER_DAYS_BEFORE = 7


@dataclass
class ExpiryDependencies:
    lifecycle: Any
    readers: Any
    mailer: Any
    withdraw_links: Callable[[str, str], list[str]]
    delete_reader: Callable[[dict[str, Any], str], None]
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)


@dataclass
class ExpiryReport:
    day: str
    reminded: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    partners_told: int = 0
    unfinished: list[str] = field(default_factory=list)
    """Applications whose expiry could not finish this time (the next run takes them up again)."""


def run(today: dt.date, deps: ExpiryDependencies) -> ExpiryReport:
    """Everything due on ``today`` (a date in Taipei). Safe to run twice: each step is conditional."""
    report = ExpiryReport(today.isoformat())
    horizon = (today + dt.timedelta(days=REMINDER_DAYS_BEFORE)).isoformat()
    for due in deps.lifecycle.pending_due_by(horizon):
        if due.verify_by < today.isoformat():
            _isolated(_expire, due.reader_id, deps, report)
        elif not due.reminded:
            _remind(due.reader_id, deps, report)
    for reader_id in deps.lifecycle.unfinished_expiries(today.isoformat()):
        if reader_id not in report.expired and reader_id not in report.unfinished:
            _isolated(_finish_expiry, reader_id, deps, report)
    return report


def _isolated(
    step: Callable[[str, ExpiryDependencies, ExpiryReport], None],
    reader_id: str,
    deps: ExpiryDependencies,
    report: ExpiryReport,
) -> None:
    """One application's failure (a throttled deletion) leaves the others to run; it is reported, not hidden."""
    try:
        step(reader_id, deps, report)
    except Exception:
        logger.exception("application expiry not finished", extra={"reader_id": reader_id})
        report.unfinished.append(reader_id)


def _remind(reader_id: str, deps: ExpiryDependencies, report: ExpiryReport) -> None:
    profile = deps.readers.get_profile(reader_id)
    if profile is None or not deps.lifecycle.mark_reminded(reader_id, iso_millis(deps.clock())):
        return
    if profile.get("email"):
        deps.mailer.send(messages.reminder(profile["email"], dt.date.fromisoformat(profile["verify_by"])))
        report.reminded.append(reader_id)


def _expire(reader_id: str, deps: ExpiryDependencies, report: ExpiryReport) -> None:
    profile = deps.readers.get_profile(reader_id)
    at = iso_millis(deps.clock())
    if profile is None or not deps.lifecycle.mark_expiring(reader_id, at):
        return  # activated or erased meanwhile
    _delete(profile, at, deps, report)


def _finish_expiry(reader_id: str, deps: ExpiryDependencies, report: ExpiryReport) -> None:
    profile = deps.readers.get_profile(reader_id)
    if profile is not None and profile.get("status") == "expired":
        _delete(profile, iso_millis(deps.clock()), deps, report)


def _delete(profile: dict[str, Any], at: str, deps: ExpiryDependencies, report: ExpiryReport) -> None:
    reader_id = profile["reader_id"]
    report.partners_told += len(deps.withdraw_links(reader_id, at))
    deps.delete_reader(profile, at)
    report.expired.append(reader_id)
    logger.info("application expired", extra={"reader_id": reader_id, "verify_by": profile.get("verify_by")})
