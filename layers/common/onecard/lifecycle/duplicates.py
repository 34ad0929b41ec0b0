"""Possible duplicates: the same person applying under another identity document. Pure: no AWS here."""

from __future__ import annotations

import datetime as dt
import unicodedata

from onecard.security.blind_index import blind_index

PERSON_PURPOSE = "person"


def matching_name(name: str) -> str:
    """The name as the match compares it: compatibility-normalised (full-width letters become ASCII), case and
    every space ignored, so that "Lin Xiao-Ming" and "LIN  XIAO-MING" or 林 小明 and 林小明 are one name."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def person_index(key: bytes, name: str, birth_date: dt.date | str) -> str:
    """A keyed blind index of name and birth date: equal for the same person, nothing in clear in the key."""
    birth = birth_date.isoformat() if isinstance(birth_date, dt.date) else birth_date
    return blind_index(key, PERSON_PURPOSE, f"{matching_name(name)}\x1f{birth}")
