"""An application's independent steps, started together and each awaited where its result is needed.

The password's argon2id hash is CPU work that releases the GIL, and most other steps wait on the network (the
address's budget, the library system, the duplicate look-up): run side by side, an application costs about the
longest of them rather than their sum. A step that depends on nothing the others produce joins by one more entry
in the mapping that starts them (registration.service.apply); a step that needs another's result stays in that
step's function, so that no step waits on a sibling's future (which would deadlock a full pool).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# Steps of several applications at once (the local stack answers them in threads of one process) share the pool;
# each step is independent, so a full pool only queues them.
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="application-step")


class SideBySide:
    def __init__(self, steps: Mapping[str, Callable[[], Any]]):
        self._futures: dict[str, Future[Any]] = {name: _POOL.submit(step) for name, step in steps.items()}

    def __getitem__(self, name: str) -> Any:
        """The step's result, once it is done (its exception, raised here, when it failed)."""
        return self._futures[name].result()
