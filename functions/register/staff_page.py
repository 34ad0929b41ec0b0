"""The staff page (/staff), served by the staff function: the shared layout, and what the page needs to sign in —
the user pool's endpoint and the page's app client — as data attributes (no inline script)."""

from __future__ import annotations

import html
import os
from functools import lru_cache
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from register.page_routes import CONTENT_SECURITY_POLICY, CONTENT_TYPES, PAGE_CACHE, PAGE_HEADERS, Page, compose

router = Router()

STAFF_PAGE = Page(
    "staff.html",
    "館員作業 - 臺北市立圖書館",
    ("i18n.js", "common.js", "qrcode.js", "staff.js"),
    title_en="Staff desk - Taipei Public Library",
    public_menu=False,
)


def sign_in_endpoint() -> str:
    return os.environ.get("STAFF_SIGN_IN_ENDPOINT", "")


@lru_cache(maxsize=4)
def _render(endpoint: str, client_id: str) -> str:
    return (
        compose(STAFF_PAGE)
        .replace("{{sign_in_endpoint}}", html.escape(endpoint, quote=True))
        .replace("{{client_id}}", html.escape(client_id, quote=True))
    )


def content_security_policy(endpoint: str) -> str:
    """The public pages' policy; the page may also reach the user pool's endpoint, and nothing else."""
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("https", "http") and parts.netloc else ""
    return CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {origin}".rstrip())


@router.get("/staff", include_in_schema=False)
def staff_page() -> Response[str]:
    endpoint, client_id = sign_in_endpoint(), os.environ.get("STAFF_PAGE_CLIENT_ID", "")
    headers = {
        **PAGE_HEADERS,
        "Content-Security-Policy": content_security_policy(endpoint),
        "Cache-Control": PAGE_CACHE,
    }
    return Response(200, CONTENT_TYPES[".html"], _render(endpoint, client_id), headers=headers)
