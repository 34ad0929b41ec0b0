"""The logged-in reader of the request a resolver is handling (every /v1/readers/me… route uses this)."""

from __future__ import annotations

from typing import Any

from onecard import wiring
from onecard.sessions.service import authenticate
from onecard.sessions.store import Session


def current_session(app: Any) -> Session:
    event = app.current_event
    headers = event.raw_event.get("headers") or {}
    return authenticate(event.http_method, dict(headers), wiring.session_store())
