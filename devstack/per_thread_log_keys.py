"""Each simulated container logs with its own request's keys, although the local stack runs them as threads of one
process.

Powertools keeps a Logger's persistent keys (request_id, route, the Lambda context's function_request_id…) in one
dict on its formatter, shared by every Logger of the service. In Lambda that is safe: a container is a process of
its own and takes one event at a time. Here two requests answered at once would each write their keys into that
one dict, and a line logged by one could name the other's request: a log that points an operator at the wrong
request. The dict is kept per thread here, as the request state is (per_thread_requests); a thread's first look
finds the formatter's keys as they are before any request (what ``clear_state`` restores).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

_keys = threading.local()


def _fresh(formatter: Any) -> dict[str, Any]:
    return {**dict.fromkeys(getattr(formatter, "log_record_order", ())), **getattr(formatter, "keys_combined", {})}


class _PerThreadLogFormat:
    """The formatter's ``log_format`` attribute, one value per formatter and thread (a data descriptor on the class
    comes before the instance's own attribute)."""

    def __get__(self, formatter: Any, owner: type | None = None) -> Any:
        if formatter is None:
            return self
        mine = _this_threads()
        if formatter not in mine:
            mine[formatter] = _fresh(formatter)
        return mine[formatter]

    def __set__(self, formatter: Any, value: dict[str, Any]) -> None:
        _this_threads()[formatter] = value


def _this_threads() -> weakref.WeakKeyDictionary[Any, dict[str, Any]]:
    if not hasattr(_keys, "by_formatter"):
        _keys.by_formatter = weakref.WeakKeyDictionary()
    return _keys.by_formatter


def install() -> None:
    """Patch Powertools' formatter in this process (idempotent)."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    if isinstance(vars(LambdaPowertoolsFormatter).get("log_format"), _PerThreadLogFormat):
        return
    LambdaPowertoolsFormatter.log_format = _PerThreadLogFormat()  # type: ignore[assignment]
