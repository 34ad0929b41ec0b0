"""The counter staff's API (/v1/staff/…) and the staff page (/staff). API Gateway lets only requests with a valid
staff ID token through to the API (a Cognito authorizer); this function refuses any request to it that arrives
without the verified claims as well, and each route checks the staff member's groups."""

from __future__ import annotations

from typing import Any

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401

from onecard.web.resolver import create_resolver, http_handler
from onecard.web.staff import refuse_unsigned
from register import staff_page, staff_routes

app = create_resolver()
app.include_router(staff_routes.router)
app.include_router(staff_page.router)

_resolve = http_handler(app)
PUBLIC = frozenset({"/staff"})


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return refuse_unsigned(event, PUBLIC) or _resolve(event, context)
