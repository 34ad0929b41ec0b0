"""Readers who applied here before new cards were written to the library system: the active ones are brought into
it (an operators' command: dry run, report, idempotent), and the first login of each afterwards sets their password
there (only this service has it, as a hash, until they type it). No AWS import here: ``cards`` is the
LibraryCardRepository.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from onecard.library_cards import password_associated_data


@dataclass
class MigrationReport:
    dry_run: bool
    scanned: int = 0
    """Active readers who applied here and whose password this service still holds."""
    queued: list[str] = field(default_factory=list)
    """Readers whose patron is now on its way to the library system (would be, in a dry run)."""
    already: list[str] = field(default_factory=list)
    """Readers the library system holds already, or whose write waits already: nothing to do."""
    failed: list[str] = field(default_factory=list)
    """Readers whose write could not be queued now (throttled, or changed meanwhile): run the command again."""


def _profiles(cards: Any, page_size: int) -> Iterator[dict[str, Any]]:
    start = None
    while True:
        page, start = cards.active_profiles_page(start, page_size)
        yield from page
        if not start:
            return


def bring_in(
    cards: Any,
    *,
    at: Callable[[], str],
    now_epoch: Callable[[], int],
    dry_run: bool,
    page_size: int = 100,
    pace: Callable[[], None] = lambda: None,
) -> MigrationReport:
    """Queues the library system's patron of every active reader who applied here and has none yet. Run twice, the
    second run queues nothing new; ``pace`` waits between readers (the library system's writes go at its agreed
    rate anyway: this keeps the table's write rate low too)."""
    report = MigrationReport(dry_run)
    for profile in _profiles(cards, page_size):
        report.scanned += 1
        reader_id = profile["reader_id"]
        state = cards.state(reader_id) or {}
        if state.get("held_since") or state.get("pending"):
            report.already.append(reader_id)
            continue
        if dry_run:
            report.queued.append(reader_id)
            continue
        try:
            cards.commit(cards.migration_actions(profile, at(), now_epoch()))
            report.queued.append(reader_id)
        except Exception:
            report.failed.append(reader_id)
        pace()
    return report


def password_at_first_login(
    cards: Any, cipher: Any, reader_id: str, password: str, password_hash: str, at: str, now_epoch: int
) -> list[dict[str, Any]]:
    """A migrated reader typed their password here (it matched the hash): it is sealed for the library system,
    which sets it, and the hash here goes once it has."""
    sealed = cipher.encrypt(password, password_associated_data(reader_id))
    return cards.password_actions(reader_id, sealed, password_hash, at) + cards.queue_actions(
        reader_id, "password", at, now_epoch
    )
