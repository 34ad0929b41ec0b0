"""The counter staff's API (/v1/staff/…). API Gateway lets only IAM-signed requests through; this function
refuses any request that arrives without the signed caller's identity as well."""

from __future__ import annotations

from typing import Any

from onecard.web.resolver import create_resolver, http_handler
from onecard.web.staff import refuse_unsigned
from register import staff_routes

app = create_resolver()
app.include_router(staff_routes.router)

_resolve = http_handler(app)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return refuse_unsigned(event) or _resolve(event, context)
