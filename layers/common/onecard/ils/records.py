"""What the services ask the library system (ILS) to write: the port beside :class:`onecard.ils.LibrarySystem`.

SIP2 finds patrons and checks passwords; it cannot create or change one. A write-capable door (Koha's REST API in
``onecard.infra.koha_patrons``; a vendor's own API later) implements :class:`PatronRecords`, so the services above
never change when the adapter does. Pure: no sockets, no AWS, no protocol.

The library system is the one record of every card holder. A patron created here starts in a provisional category
with no circulation rights (as Koha's self-registration and FOLIO's staging users do); the counter's activation moves
it to the category that may borrow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from onecard.ils import LibrarySystemUnavailable

__all__ = [
    "DeletionRefused",
    "LibrarySystemUnavailable",
    "PasswordRefused",
    "PatronCategory",
    "PatronConflict",
    "PatronNotFound",
    "PatronRecord",
    "PatronRecords",
    "PatronRefused",
    "StoredPatron",
    "create_once",
]


class PatronCategory(StrEnum):
    """Which of the two categories (operators name the library system's own codes) a patron is in."""

    PROVISIONAL = "provisional"  # applied online, identity not yet checked: no circulation rights
    FULL = "full"  # checked at a counter: may borrow


@dataclass(frozen=True)
class PatronRecord:
    """A patron as this service writes it. ``None`` means "not given" on create and "leave as it is" on update,
    except where :meth:`PatronRecords.update_patron` is told to clear a field."""

    surname: str
    firstname: str | None = None
    category: PatronCategory | None = None  # None: provisional on create, unchanged on update
    cardnumber: str | None = None  # the card barcode; a provisional patron has none until the counter scans it
    id_number: str | None = None  # 身分證統一編號 / 居留證號, kept as the library system's ID-number attribute
    date_of_birth: dt.date | None = None
    gender: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    address: str | None = None  # street part of the mailing address
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    expiry_date: dt.date | None = None
    lang: str | None = None
    staff_notes: str | None = None  # household register number, guardian: what the library system has no field for
    external_id: str | None = None  # this service's reader id, so a retry finds the patron it already created

    def __repr__(self) -> str:  # personal data stays out of reprs (and so out of tracebacks and logs)
        category = self.category.value if self.category else "unchanged"
        return f"PatronRecord(category={category}, cardnumber={'set' if self.cardnumber else 'none'})"


@dataclass(frozen=True)
class StoredPatron:
    """A patron as the library system holds it: its own id, when it last changed (which record is newer), and
    ``details``: everything it gave of the patron, in its own words (the reader's copy of their data shows it)."""

    patron_id: str
    record: PatronRecord
    updated_on: dt.datetime | None = None
    details: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"StoredPatron(patron_id={self.patron_id}, {self.record!r})"


class PatronRefused(Exception):
    """The library system refused a write for a reason of the data; ``field`` names it where it says which."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason if field is None else f"{field}: {reason}")
        self.reason = reason
        self.field = field


class PatronConflict(PatronRefused):
    """A create or update collides with another patron: ``kind`` is ``cardnumber`` (the barcode is taken),
    ``id_number`` (the ID number is already another patron's) or ``duplicate`` (same surname, first name and birth
    date: only a reviewer may confirm it is someone else)."""

    def __init__(self, kind: str, reason: str = ""):
        super().__init__(reason or kind, kind if kind in ("cardnumber", "id_number") else None)
        self.kind = kind


class PatronNotFound(PatronRefused):
    """The library system holds no patron with this id (deleted there, or never created)."""

    def __init__(self, patron_id: str):
        super().__init__(f"no patron {patron_id}")
        self.patron_id = patron_id


class PasswordRefused(PatronRefused):
    """The library system's password policy refused the new password; ``reason`` is its words."""

    def __init__(self, reason: str):
        super().__init__(reason, "password")


class DeletionRefused(PatronRefused):
    """The library system keeps the patron: ``code`` is its reason (``has_checkouts``, ``has_debt``,
    ``has_guarantees``, ``is_protected`` ...)."""

    def __init__(self, code: str, reason: str = ""):
        super().__init__(reason or code)
        self.code = code


class PatronRecords(Protocol):
    """The write-capable door. Every method raises LibrarySystemUnavailable when the library system cannot answer
    (down, slow, our service account refused): the caller retries later, never treats it as a refusal."""

    def find_patron(
        self, *, cardnumber: str | None = None, external_id: str | None = None, id_number: str | None = None
    ) -> StoredPatron | None:
        """The patron with exactly this card barcode, created for this reader id, or with this ID number (give one;
        exact match, never "contains")."""
        ...

    def get_patron(self, patron_id: str) -> StoredPatron | None:
        """The patron with this library-system id, or None when it holds none."""
        ...

    def create_patron(self, record: PatronRecord, *, confirmed_not_duplicate: bool = False) -> StoredPatron:
        """A new patron. PatronConflict for a taken card barcode or a likely duplicate person (unless a reviewer
        confirmed it is not), PatronRefused for data the library system will not take."""
        ...

    def update_patron(
        self, patron_id: str, changes: PatronRecord, *, clear: frozenset[str] = frozenset()
    ) -> StoredPatron:
        """The patron with the given fields of ``changes`` set (its ``None`` fields untouched, ``clear`` emptied).
        ``surname`` is always set: pass the patron's own to keep it. A patron in another category that may borrow
        (a juvenile one, say) keeps it when ``category`` is FULL. PatronNotFound when the library system no longer
        holds the patron."""
        ...

    def set_password(self, patron_id: str, password: str) -> None:
        """The patron's password, from now on. PasswordRefused in the library system's words; PatronNotFound."""
        ...

    def delete_patron(self, patron_id: str) -> None:
        """The patron deleted. DeletionRefused when the library system keeps them (loans, debts ...); a patron it
        no longer holds counts as deleted."""
        ...


def create_once(records: PatronRecords, record: PatronRecord, *, confirmed_not_duplicate: bool = False) -> StoredPatron:
    """The patron created for ``record.external_id`` (this service's reader id): the one the library system already
    holds when an earlier attempt was made but its answer lost, else a new one. A retry never makes a second patron."""
    if not record.external_id:
        raise ValueError("create_once needs the record's external_id (the reader id)")
    held = records.find_patron(external_id=record.external_id)
    if held is not None:
        return held
    return records.create_patron(record, confirmed_not_duplicate=confirmed_not_duplicate)
