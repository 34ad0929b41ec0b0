"""Staff requests: the IAM principal API Gateway put into the request after checking its SigV4 signature."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from onecard.web import problems
from onecard.web.resolver import SECURITY_HEADERS

NOT_STAFF = "此功能限館員使用 (Staff only)"


def principal_of(event: Mapping[str, Any]) -> str | None:
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return identity.get("userArn") or None


def refuse_unsigned(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """403 before anything else (validation included) when no signed principal came with the request: a reader's
    session or a guess learns nothing, not even which fields a route takes."""
    if principal_of(event):
        return None
    refused = problems.Forbidden(NOT_STAFF)
    return {"statusCode": refused.status,
            "headers": {"Content-Type": problems.PROBLEM_CONTENT_TYPE, **SECURITY_HEADERS},
            "body": json.dumps(refused.body(), ensure_ascii=False), "isBase64Encoded": False}


def staff_principal(app: Any) -> str:
    principal = principal_of(app.current_event.raw_event)
    if not principal:
        raise problems.Forbidden(NOT_STAFF)
    return principal
