"""What a card holder's record here takes from the library system's answer at each login. Pure: no AWS import.

The library system is the record of the card (name, birth date, card status and expiry, its address); the contact
fields a reader may correct here (LIBRARY_CORRECTABLE) follow it only where the library system changed them since
it was last asked, so a correction made here is never undone by the value it replaced. The record keeps, for that,
a fingerprint of what the library system said of each (``library_seen``: SHA-256, never the old value itself).

An address the library system gives is not one verified here: a refresh that changes the e-mail marks it
unverified (and the old address's verification link stops working), and the security notice goes to the address
verified before. Every change is in the reader's audit trail, in the write that makes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from onecard.ils import Patron
from onecard.ils.records import StoredPatron
from onecard.mail import notices
from onecard.readers.library_patrons import (
    LIBRARY_CORRECTABLE,
    LIBRARY_SEEN,
    fingerprint,
    library_seen,
    patron_fields,
    phones,
)
from onecard.readers.personal_data import audit_item
from onecard.registration.service import iso_millis

REFRESHED = "refreshed_from_library_system"


@dataclass(frozen=True)
class Refreshed:
    changes: dict[str, Any]
    """Profile attributes to set (None removes)."""
    items: list[dict[str, Any]] = field(default_factory=list)
    """Items written with them: an audit entry per changed field, a security notice."""


def refreshed(
    profile: dict[str, Any], fields: dict[str, Any], at: str, now_epoch: int, taken: dict[str, Any] | None = None
) -> Refreshed | None:
    """What the library system's ``fields`` (library_patrons.patron_fields) change in a card holder's ``profile``;
    None when nothing changes (nothing is written). ``taken``: the fields its answer may change at all (all of them
    unless given: library_record.refreshed_fields keeps a correction written there newer than the answer). A reader
    who applied here keeps this service's record."""
    if profile.get("password_hash"):
        return None
    seen = profile.get(LIBRARY_SEEN)
    changes: dict[str, Any] = {}
    for name, value in (fields if taken is None else taken).items():
        if profile.get(name) == value:
            continue
        # A record kept before fingerprints were: what differs may be a correction made here, which stays.
        library_changed = seen is not None and seen.get(name) != fingerprint(value)
        if name not in LIBRARY_CORRECTABLE or library_changed:
            changes[name] = value
    now_seen = library_seen(fields)
    bookkeeping: dict[str, Any] = {LIBRARY_SEEN: now_seen} if seen != now_seen else {}
    if not changes:
        return Refreshed(bookkeeping) if bookkeeping else None
    return _audited(profile, changes, bookkeeping, at, now_epoch)


def from_record(profile: dict[str, Any], stored: StoredPatron, at: str, now_epoch: int) -> Refreshed | None:
    """What the library system's patron record (its REST door) changes of the phones of a card holder who
    corrected their record here (``library_updated_on``, Koha's ``updated_on`` of that write): SIP2's one phone
    field cannot tell a mobile from a home phone, the record can. None when nothing changes.

    A correction here is written to the library system first, so its record holds every correction made here and
    whatever the library changed since: what differs from this service's copy is the library's change (Koha's
    ``updated_on`` counts whole seconds: a change at a counter in the second of a correction is taken too). A
    record older than the reader's last correction is one read before it: it changes nothing. The write is made
    only while the fields it changes are as read (ReaderRepository.refresh_unless_changed)."""
    ours = profile.get("library_updated_on")
    if profile.get("password_hash") or not ours or stored.updated_on is None:
        return None
    if stored.updated_on < dt.datetime.fromisoformat(ours):
        return None
    record = stored.record
    changes = {name: value for name, value in phones(record.phone, record.mobile).items() if profile.get(name) != value}
    if not changes:
        return None
    return _audited(profile, changes, {"library_updated_on": stored.updated_on.isoformat()}, at, now_epoch)


def _audited(
    profile: dict[str, Any], changes: dict[str, Any], bookkeeping: dict[str, Any], at: str, now_epoch: int
) -> Refreshed:
    """The library system's ``changes`` with an audit entry each (by ``library_system``) and, for contact data,
    the security notice to the address verified before."""
    reader_id = profile["reader_id"]
    items = [
        audit_item(reader_id, name, REFRESHED, at, by="library_system", channel="library_system") for name in changes
    ]
    if "email" in changes:
        bookkeeping = {**bookkeeping, "email_verified": False if changes["email"] else None, "email_token_sha256": None}
    if set(changes) & set(LIBRARY_CORRECTABLE):  # contact data changed at the library: told as a correction here
        notice = notices.notice_for(profile, "data_corrected", now_epoch)  # to the address verified before
        items += [notice] if notice else []
    return Refreshed({**changes, **bookkeeping}, items)


def refresh_with(
    patron: Patron,
    now: dt.datetime,
    guard: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None,
) -> Callable[[dict[str, Any]], Refreshed | None]:
    """refreshed, for the library system's answer of ``now`` about ``patron``; ``guard``: (profile, fields) → the
    fields that answer may change."""
    fields = patron_fields(patron)

    def refresh(profile: dict[str, Any]) -> Refreshed | None:
        taken = guard(profile, fields) if guard else None
        return refreshed(profile, fields, iso_millis(now), int(now.timestamp()), taken)

    return refresh
