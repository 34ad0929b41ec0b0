"""An in-memory library system behind the PatronRecords port, for the tests of the services that write to it: it
refuses as Koha does (a taken card number, a likely duplicate person unless confirmed, a weak password, a delete
of a patron with loans), can be down, and can lose the answer of a create it made."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable
from typing import Any

from onecard.ils.records import (
    DeletionRefused,
    LibrarySystemUnavailable,
    PasswordRefused,
    PatronCategory,
    PatronConflict,
    PatronNotFound,
    PatronRecord,
    StoredPatron,
)


class InMemoryPatronRecords:
    def __init__(self, clock: Callable[[], float] | None = None):
        self.patrons: dict[str, PatronRecord] = {}
        self.passwords: dict[str, str] = {}
        self.loans: set[str] = set()
        self.down = False
        self.lose_next_create_answer = False
        self.calls: list[tuple[float, str]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._clock = clock or (lambda: 0.0)

    # --- what a test looks at --------------------------------------------------------------------------------------
    def by_reader(self, reader_id: str) -> list[StoredPatron]:
        return [StoredPatron(pid, r) for pid, r in self.patrons.items() if r.external_id == reader_id]

    def only(self, reader_id: str) -> StoredPatron:
        found = self.by_reader(reader_id)
        assert len(found) == 1, f"{len(found)} patrons for {reader_id}"
        return found[0]

    # --- the port --------------------------------------------------------------------------------------------------
    def _call(self, name: str) -> None:
        self.calls.append((self._clock(), name))
        if self.down:
            raise LibrarySystemUnavailable("connection refused")

    def find_patron(
        self, *, cardnumber: str | None = None, external_id: str | None = None, id_number: str | None = None
    ) -> StoredPatron | None:
        self._call("find")
        for pid, record in self.patrons.items():
            if (
                (cardnumber and record.cardnumber == cardnumber)
                or (external_id and record.external_id == external_id)
                or (id_number and record.id_number == id_number)
            ):
                return StoredPatron(pid, record)
        return None

    def get_patron(self, patron_id: str) -> StoredPatron | None:
        self._call("get")
        record = self.patrons.get(patron_id)
        return StoredPatron(patron_id, record) if record else None

    def create_patron(self, record: PatronRecord, *, confirmed_not_duplicate: bool = False) -> StoredPatron:
        self._call("create")
        with self._lock:
            if record.cardnumber and any(r.cardnumber == record.cardnumber for r in self.patrons.values()):
                raise PatronConflict("cardnumber", "Patron cardnumber already exists")
            same = [
                r
                for r in self.patrons.values()
                if (r.surname, r.firstname, r.date_of_birth) == (record.surname, record.firstname, record.date_of_birth)
            ]
            if same and not confirmed_not_duplicate:
                raise PatronConflict("duplicate", "A patron record matching these details already exists")
            patron_id = str(next(self._ids))
            record = dataclasses.replace(record, category=record.category or PatronCategory.PROVISIONAL)
            self.patrons[patron_id] = record
        if self.lose_next_create_answer:
            self.lose_next_create_answer = False
            raise LibrarySystemUnavailable("the answer was lost")
        return StoredPatron(patron_id, record)

    def update_patron(
        self, patron_id: str, changes: PatronRecord, *, clear: frozenset[str] = frozenset()
    ) -> StoredPatron:
        self._call("update")
        if patron_id not in self.patrons:
            raise PatronNotFound(patron_id)
        given = {f.name: getattr(changes, f.name) for f in dataclasses.fields(changes)}
        kept: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
        record = dataclasses.replace(self.patrons[patron_id], **{**kept, **dict.fromkeys(clear)})
        self.patrons[patron_id] = record
        return StoredPatron(patron_id, record)

    def set_password(self, patron_id: str, password: str) -> None:
        self._call("password")
        if patron_id not in self.patrons:
            raise PatronNotFound(patron_id)
        if len(password) < 8:
            raise PasswordRefused(f"Password length ({len(password)}) is shorter than required (8)")
        self.passwords[patron_id] = password

    def delete_patron(self, patron_id: str) -> None:
        self._call("delete")
        if patron_id in self.loans:
            raise DeletionRefused("has_checkouts")
        self.patrons.pop(patron_id, None)
        self.passwords.pop(patron_id, None)
