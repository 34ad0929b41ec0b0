"""The library's own system (ILS), where the existing card holders live: what the services may ask of it.

Pure: no sockets, no AWS, no protocol. An adapter (SIP2 in ``onecard.infra.sip2_library``; NCIP or a vendor's REST
API could be others) implements :class:`LibrarySystem`, so the services above never change when the adapter does.
Import an adapter lazily, only when a request needs the library system: this module costs nothing to import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = ["CardStatus", "LibrarySystem", "LibrarySystemUnavailable", "Patron", "PatronCheck"]


class CardStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"  # past its expiry date: the holder must renew it at a counter
    BLOCKED = "blocked"  # reported lost, or the library denies it (charge privileges denied)


@dataclass(frozen=True)
class Patron:
    """A card holder as the library system knows them. Fields the library system does not give are None."""

    barcode: str  # the card number, as printed on the card
    name: str
    card_status: CardStatus
    id_number: str | None = None  # 身分證統一編號 / 居留證號, when the library system gives it
    birth_date: dt.date | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    address: str | None = None
    card_expires: dt.date | None = None

    def __repr__(self) -> str:  # personal data stays out of reprs (and so out of tracebacks and logs)
        return f"Patron(barcode=…{self.barcode[-3:]}, card_status={self.card_status.value})"


@dataclass(frozen=True)
class PatronCheck:
    """The answer to "is this the card holder's password?": ``patron`` is None when no card holder has that
    identifier; ``password_valid`` is True only for a known patron whose password matched."""

    patron: Patron | None
    password_valid: bool

    @property
    def patron_valid(self) -> bool:
        return self.patron is not None


class LibrarySystemUnavailable(Exception):
    """The library system could not answer: down, too slow, refused our service account, or answered something
    broken. Upstream this is a 503 ("try again later"), never "wrong password"."""


class LibrarySystem(Protocol):
    def find_patron(self, identifier: str) -> Patron | None:
        """The card holder with this card barcode or ID number (as the library system accepts it), or None."""
        ...

    def check_password(self, identifier: str, password: str) -> PatronCheck:
        """Whether ``password`` is the card holder's password, with their record."""
        ...

    def check_available(self) -> None:
        """Returns when the library system answers and is online; LibrarySystemUnavailable otherwise."""
        ...
