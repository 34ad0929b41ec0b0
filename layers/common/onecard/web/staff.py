"""Staff requests: the IAM principal API Gateway put into the request after checking its SigV4 signature."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from onecard.web import problems
from onecard.web.language import language_of_headers, localise_problem, response_headers
from onecard.web.resolver import SECURITY_HEADERS, is_head, without_body

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
    language = language_of_headers(event.get("headers"))
    answer = {"statusCode": refused.status,
              "headers": {"Content-Type": problems.PROBLEM_CONTENT_TYPE, **SECURITY_HEADERS, **response_headers(language)},
              "body": json.dumps(localise_problem(refused.body(), language), ensure_ascii=False),
              "isBase64Encoded": False}
    return without_body(answer) if is_head(event) else answer


def staff_principal(app: Any) -> str:
    principal = principal_of(app.current_event.raw_event)
    if not principal:
        raise problems.Forbidden(NOT_STAFF)
    return principal
