"""Asking the library system (ILS) from a request: None where the stack has none, and a 503 problem (never a 500,
never "wrong password") when it cannot answer or its SIP account is not set yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from onecard import wiring
from onecard.ils import LibrarySystemUnavailable
from onecard.observability import logger
from onecard.readers.library_patrons import library_unavailable

if TYPE_CHECKING:
    from onecard.ils import LibrarySystem
    from onecard.ils.records import PatronRecords

T = TypeVar("T")


def library_system_or_503() -> LibrarySystem | None:
    try:
        return wiring.library_system()
    except LibrarySystemUnavailable as error:
        logger.error("library system not usable", extra={"reason": str(error)})
        raise library_unavailable() from None


def ask_library(question: Callable[[LibrarySystem], T]) -> T | None:
    """The library system's answer to ``question``; None where the stack has no library system."""
    library = library_system_or_503()
    if library is None:
        return None
    try:
        return question(library)
    except LibrarySystemUnavailable:
        raise library_unavailable() from None


def patron_records_or_503() -> PatronRecords | None:
    """The library system's write-capable door; None where the stack has none; 503 while its client is not set."""
    try:
        return wiring.patron_records()
    except LibrarySystemUnavailable as error:
        logger.error("library system's REST door not usable", extra={"reason": str(error)})
        raise library_unavailable() from None
