"""Every blind index of the service under every live key version: the one place that knows about versions.

An index carries the version of the key that made it: version 1's indexes are the bare hex digest the service has
always stored, a later version's are ``v<n>.<hex>``. During a rotation a value has one index per live version:
look-ups try each (the current first) and writes of a uniqueness guard put one under each, so that a registration
seen by a container that already knows the new key collides with one seen by a container that still knows only the
old key. Pure: no AWS here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from onecard.domain import identity
from onecard.security.blind_index import blind_index
from onecard.security.key_versions import VersionedKeys

IDENTITY_PURPOSE = "identity"
HOUSEHOLD_PURPOSE = "household"


def versioned(version: int, digest: str) -> str:
    return digest if version == 1 else f"v{version}.{digest}"


def version_of(index: str) -> int:
    """The key version an index was made with (a bare digest is version 1)."""
    if index.startswith("v") and "." in index:
        return int(index[1 : index.index(".")])
    return 1


@dataclass(frozen=True)
class Indexes:
    """One value's index under each live version, the current version's first (that one is stored in profiles)."""

    all: tuple[str, ...]

    @property
    def current(self) -> str:
        return self.all[0]

    @property
    def others(self) -> tuple[str, ...]:
        return self.all[1:]

    def __iter__(self) -> Iterator[str]:
        return iter(self.all)


def as_indexes(value: str | Indexes) -> Indexes:
    return value if isinstance(value, Indexes) else Indexes((value,))


class IdentityIndexes:
    def __init__(self, keys: VersionedKeys):
        self.keys = keys

    def _under_each(self, purpose: str, value: str, versions: tuple[int, ...] | None = None) -> Indexes:
        return Indexes(
            tuple(
                versioned(v, blind_index(self.keys.key(v), purpose, value)) for v in versions or self.keys.live_versions
            )
        )

    def identity(self, id_number: str) -> Indexes:
        """Found by the number alone (login knows nothing else)."""
        return self._under_each(IDENTITY_PURPOSE, identity.normalise_id_number(id_number))

    def household(self, register_number: str) -> Indexes:
        """``register_number`` as normalise_register_number gives it."""
        return self._under_each(HOUSEHOLD_PURPOSE, register_number)

    def person(self, name: str, birth_date: dt.date | str) -> Indexes:
        from onecard.lifecycle.duplicates import PERSON_PURPOSE, matching_name

        birth = birth_date.isoformat() if isinstance(birth_date, dt.date) else birth_date
        return self._under_each(PERSON_PURPOSE, f"{matching_name(name)}\x1f{birth}")

    def is_current(self, index: str) -> bool:
        return version_of(index) == self.keys.current

    def is_live(self, index: str) -> bool:
        return version_of(index) in self.keys.keys

    @property
    def current_version(self) -> int:
        return self.keys.current

    def token_key(self, version: int | None = None) -> tuple[int, bytes]:
        """The key (and its version) that makes e-mail verification tokens from nonces."""
        chosen = self.keys.current if version is None else version
        return chosen, self.keys.key(chosen)
