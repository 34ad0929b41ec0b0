"""The in-process emulation answers one call at a time, as the loopback one does (devstack/emulation.py).

moto's backends take no locks: two threads of a test (or of a function's worker pool) could interleave the
condition check and the write of a DynamoDB transaction, which the real service never does, and a test of
concurrent decisions would then see a chain no real table could hold.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_one_at_a_time = threading.RLock()


def install() -> None:
    """Patch moto's request handler in this process (idempotent)."""
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.process_request
    if getattr(original, "_serial", False):
        return

    @functools.wraps(original)
    def process_request(self: Any, request: Any) -> Any:
        with _one_at_a_time:
            return original(self, request)

    process_request._serial = True  # type: ignore[attr-defined]
    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
