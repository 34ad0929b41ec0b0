"""Each simulated container resolves its own request, although the local stack runs them as threads of one process.

Powertools keeps the event being resolved, and the Lambda context, on the class every resolver and router shares
(``BaseRouter.current_event = …`` at the start of ``resolve``). In Lambda that is safe: a container is a process of
its own and takes one event at a time. Here several containers of several functions answer at once, so a request
could choose its route by the event another thread had just set: on a busy machine GET /assets/countries.json was
answered with the postal codes (or another route's answer), with that asset's five-minute cache, and the register
page's script failed on every visit for those five minutes. Those two attributes are kept per thread here.
"""

from __future__ import annotations

import threading
from abc import ABCMeta
from typing import Any

_REQUEST_STATE = ("current_event", "lambda_context")
_request = threading.local()


def _per_thread(name: str) -> property:
    def read(_owner: Any) -> Any:
        try:
            return getattr(_request, name)
        except AttributeError:
            # As before any event in this thread: Powertools (and request_language) expect an AttributeError.
            raise AttributeError(name) from None

    def write(_owner: Any, value: Any) -> None:
        setattr(_request, name, value)

    return property(read, write)


class _PerThreadRequestState(ABCMeta):
    """BaseRouter's metaclass with the request state per thread: ``BaseRouter.current_event`` reads and writes go
    through these properties (a class attribute assignment consults its metaclass's data descriptors first)."""

    current_event = _per_thread("current_event")
    lambda_context = _per_thread("lambda_context")


def install() -> None:
    """Patch Powertools' BaseRouter in this process (idempotent)."""
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    if type(BaseRouter) is _PerThreadRequestState:
        return
    for name in _REQUEST_STATE:
        if name in vars(BaseRouter):
            delattr(BaseRouter, name)  # a value left by an event resolved before the patch
        # A resolver reads `self.current_event`: found on BaseRouter, not on the metaclass.
        setattr(BaseRouter, name, _per_thread(name))
    BaseRouter.__class__ = _PerThreadRequestState  # type: ignore[method-assign, assignment]
