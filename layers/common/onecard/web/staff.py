"""Staff requests: the staff member API Gateway's Cognito authorizer verified (the ID token's claims in
requestContext.authorizer.claims), and what each group may do.

Who acts is always the token's: a user name or branch in a request body is never believed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onecard.web import problems
from onecard.web.language import language_of_headers, localise_problem, response_headers
from onecard.web.resolver import SECURITY_HEADERS, is_head, without_body

NOT_SIGNED_IN = "請以館員帳號登入 (Sign in as staff)"
NOT_ALLOWED = "此功能不在您的權限內 (Not permitted for your role)"

COUNTER, REVIEWER, SUPERVISOR = "counter", "reviewer", "supervisor"
# Which groups may do what; a supervisor may do everything.
LOOK_UP_AND_ACTIVATE = frozenset({COUNTER, SUPERVISOR})
DECIDE_REVIEWS = frozenset({REVIEWER, SUPERVISOR})
SUPERVISE = frozenset({SUPERVISOR})
# The page's app client: only its ID tokens are taken (API Gateway checks the pool, not the client).
PAGE_CLIENT_VARIABLE = "STAFF_PAGE_CLIENT_ID"


@dataclass(frozen=True)
class StaffMember:
    subject: str  # the user pool's stable id of the person
    username: str
    branch: str
    groups: frozenset[str]


def claims_of(event: Mapping[str, Any]) -> dict[str, Any] | None:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims")
    return claims if isinstance(claims, dict) and claims else None


def _groups(value: Any) -> frozenset[str]:
    """API Gateway passes cognito:groups as one string ("a,b"; "[a b]" from some clients); a list from tests."""
    if isinstance(value, list):
        return frozenset(str(v) for v in value)
    text = str(value or "").strip().strip("[]")
    return frozenset(part for part in text.replace(",", " ").split() if part)


def member_of(event: Mapping[str, Any]) -> StaffMember | None:
    claims = claims_of(event)
    if claims is None or claims.get("token_use") != "id":
        return None
    client = os.environ.get(PAGE_CLIENT_VARIABLE, "")
    if client and claims.get("aud") != client:
        return None
    username, subject = str(claims.get("cognito:username") or ""), str(claims.get("sub") or "")
    if not username or not subject:
        return None
    return StaffMember(subject, username, str(claims.get("custom:branch") or ""), _groups(claims.get("cognito:groups")))


def _answer(problem: problems.Problem, event: Mapping[str, Any]) -> dict[str, Any]:
    language = language_of_headers(event.get("headers"))
    answer = {
        "statusCode": problem.status,
        "headers": {"Content-Type": problems.PROBLEM_CONTENT_TYPE, **SECURITY_HEADERS, **response_headers(language)},
        "body": json.dumps(localise_problem(problem.body(), language), ensure_ascii=False),
        "isBase64Encoded": False,
    }
    return without_body(answer) if is_head(event) else answer


def refuse_unsigned(event: Mapping[str, Any], public_resources: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """401 before anything else (validation included) when no verified staff member came with the request: a
    reader's session or a guess learns nothing, not even which fields a route takes."""
    if event.get("resource") in public_resources or member_of(event):
        return None
    return _answer(problems.Unauthenticated(NOT_SIGNED_IN), event)


def staff_member(app: Any, allowed: frozenset[str]) -> StaffMember:
    """The signed-in staff member, when one of their groups may do this (else 401, or 403 for the wrong group)."""
    member = member_of(app.current_event.raw_event)
    if member is None:
        raise problems.Unauthenticated(NOT_SIGNED_IN)
    if not member.groups & allowed:
        raise problems.Forbidden(NOT_ALLOWED)
    return member
