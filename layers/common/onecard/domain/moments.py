"""How the service writes a moment: UTC, to the millisecond, with a Z (what every record and answer carries)."""

from __future__ import annotations

import datetime as dt


def iso_millis(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
