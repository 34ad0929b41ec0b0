"""ISO 3166-1 alpha-2 country codes (for the passport's issuing country)."""

from __future__ import annotations

import functools
import json
from importlib import resources


@functools.cache
def country_codes() -> frozenset[str]:
    data = json.loads(resources.files("onecard.data").joinpath("iso3166_alpha2.json").read_text("utf-8"))
    return frozenset(data["countries"])
