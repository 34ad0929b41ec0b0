"""A secret that holds numbered key versions, so that a key can be rotated without a moment of downtime.

The secret's text is either one value (what the stack generates, read as version 1) or JSON:

    {"current": 2, "keys": {"1": "<old>", "2": "<new>"}}

``current`` makes new things (indexes, signatures, challenges); every version in ``keys`` is *live*: what it made is
still found, verified or accepted. A rotation adds a version and makes it current; retiring removes the old one.
A partner's secret may also carry ``switch_at`` (Unix seconds): until then the previous version still signs our
requests (the partner switches at the time agreed with them), while callbacks signed with either are accepted.
Pure: no AWS here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field


class KeyVersionsInvalid(ValueError):
    """The secret's JSON does not describe a current version among its keys."""


@dataclass(frozen=True)
class VersionedKeys:
    current: int
    keys: Mapping[int, bytes]
    switch_at: int | None = None
    extra: Mapping[str, object] = field(default_factory=dict)
    """Anything else the secret holds (e.g. when a rotation started), kept when the secret is rewritten."""

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise KeyVersionsInvalid(f"the current version {self.current} has no key")
        if any(not value for value in self.keys.values()):
            raise KeyVersionsInvalid("a key version is empty")

    @classmethod
    def parse(cls, text: str) -> VersionedKeys:
        stripped = text.strip()
        if not stripped.startswith("{"):
            return cls(current=1, keys={1: text.encode("utf-8")})
        try:
            raw = json.loads(stripped)
            keys = {int(version): str(value).encode("utf-8") for version, value in raw["keys"].items()}
            current = int(raw["current"])
            switch_at = int(raw["switch_at"]) if raw.get("switch_at") is not None else None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise KeyVersionsInvalid(f"not a versioned key secret: {error}") from None
        extra = {k: v for k, v in raw.items() if k not in ("current", "keys", "switch_at")}
        return cls(current=current, keys=keys, switch_at=switch_at, extra=extra)

    def text(self) -> str:
        """The secret's text: the plain value when only version 1 is left, so that nothing changes for a stack that
        never rotated; JSON otherwise."""
        if set(self.keys) == {1} and self.switch_at is None and not self.extra:
            return self.keys[1].decode("utf-8")
        body: dict[str, object] = {
            "current": self.current,
            "keys": {str(v): k.decode("utf-8") for v, k in sorted(self.keys.items())},
        }
        if self.switch_at is not None:
            body["switch_at"] = self.switch_at
        return json.dumps({**body, **self.extra}, sort_keys=True)

    @property
    def live_versions(self) -> tuple[int, ...]:
        """Every version still in use, the current first, then the others newest first."""
        return (self.current, *sorted((v for v in self.keys if v != self.current), reverse=True))

    @property
    def rotating(self) -> bool:
        return len(self.keys) > 1

    def key(self, version: int) -> bytes:
        try:
            return self.keys[version]
        except KeyError:
            raise KeyVersionsInvalid(f"key version {version} is not live (retired, or never added)") from None

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current]

    def live_keys(self) -> list[bytes]:
        return [self.keys[v] for v in self.live_versions]

    def signing_version(self, now: float) -> int:
        """The version that signs at ``now``: the current one from ``switch_at`` on (at once when there is none),
        before that the newest older one."""
        older = [v for v in self.keys if v < self.current]
        if self.switch_at is not None and now < self.switch_at and older:
            return max(older)
        return self.current

    def with_new_version(
        self, value: bytes, *, switch_at: int | None = None, extra: Mapping[str, object] | None = None
    ) -> VersionedKeys:
        """A rotation's start: ``value`` becomes the next version and current; the others stay live."""
        version = max(self.keys) + 1
        return VersionedKeys(
            current=version,
            keys={**self.keys, version: value},
            switch_at=switch_at,
            extra={**self.extra, **(extra or {})},
        )

    def retired(self) -> VersionedKeys:
        """A rotation's end: only the current version is left."""
        return VersionedKeys(current=self.current, keys={self.current: self.current_key})

    def rolled_back(self) -> VersionedKeys:
        """Before the old version is retired: it becomes current again (the newer version stays live until the
        same steps as a rotation retire it)."""
        older = [v for v in self.keys if v < self.current]
        if not older:
            raise KeyVersionsInvalid("no earlier version to roll back to")
        return VersionedKeys(current=max(older), keys=dict(self.keys), extra=dict(self.extra))
