"""The logged-in reader of the request a resolver is handling (every /v1/readers/me… route uses this)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from onecard import wiring
from onecard.sessions.service import authenticate, authenticate_with
from onecard.sessions.store import Session


def _request(app: Any) -> tuple[str, dict[str, str]]:
    event = app.current_event
    return event.http_method, dict(event.raw_event.get("headers") or {})


def current_session(app: Any) -> Session:
    """The session alone (one GetItem)."""
    method, headers = _request(app)
    return authenticate(method, headers, wiring.session_store())


def current_session_reading(
    app: Any, keys_of: Callable[[str], dict[str, list[dict[str, Any]]]]
) -> tuple[Session, dict[str, list[dict[str, Any]]]]:
    """The session and, in the same request, the items under the keys (by table) ``keys_of`` gives for the
    token's reader: those that exist."""
    method, headers = _request(app)
    store = wiring.session_store()
    return authenticate_with(method, headers, lambda token, at: store.find_reading(token, at, keys_of))


def current_session_with_partition(app: Any) -> tuple[Session, list[dict[str, Any]]]:
    """The session and every item of the reader's partition, in one Query."""
    method, headers = _request(app)
    store = wiring.session_store()
    return authenticate_with(method, headers, store.find_in_partition)
