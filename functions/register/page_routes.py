"""The public web pages (網路辦證, 個人書房) and their static assets, served on the API's own origin.

The pages call the API with relative URLs, so one origin needs no CORS and the session cookie stays first-party.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape as html_escape
from pathlib import Path

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

import onecard.data
from onecard.web import problems

router = Router()

PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = PAGES_DIR / "assets"
DATA_DIR = Path(onecard.data.__file__).resolve().parent
# Reference data the form needs, published from the layer's own copy so there is only one.
DATA_ASSETS = {"postal-codes.json": "taiwan_postal_codes.json", "countries.json": "iso3166_alpha2.json"}

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(css|js|json|svg)$")

# Only our own scripts, styles and API; no inline script or style, no framing, no plugins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# Pages are revalidated each time so a release shows at once; assets may be reused for a few minutes.
PAGE_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=300"


@dataclass(frozen=True)
class Page:
    """One page: its own <main> in pages/, put into the shared layout (header, navigation, footer)."""

    main: str
    title: str
    scripts: tuple[str, ...]
    current: str | None = None  # which navigation entry is this page: "register" or "study"
    study_href: str = "/login"
    consent_dialog: bool = False
    title_en: str = ""  # the title once the reader switches to English
    public_menu: bool = True  # the staff page has none: a counter PC is not for leaving the sign-in


LIBRARY_EN = "Taipei Public Library"
CARD_SCRIPTS = ("barcode.js", "library-card.js", "card.js")

PAGES = {
    "/": Page(
        "index.html",
        "臺北市立圖書館 網路辦證與個人書房",
        ("i18n.js",),
        title_en=f"{LIBRARY_EN}: online card application and my library account",
    ),
    "/register": Page(
        "register.html",
        "網路辦證 - 臺北市立圖書館",
        ("i18n.js", "common.js", "register.js"),
        current="register",
        consent_dialog=True,
        title_en=f"Apply for a library card - {LIBRARY_EN}",
    ),
    "/login": Page(
        "login.html",
        "個人書房登入 - 臺北市立圖書館",
        ("i18n.js", "common.js", "login.js"),
        current="study",
        title_en=f"Log in to my library account - {LIBRARY_EN}",
    ),
    "/email-verification": Page(
        "email-verification.html",
        "電子信箱驗證 - 臺北市立圖書館",
        ("i18n.js", "common.js", "verify-email.js"),
        title_en=f"Verify your e-mail address - {LIBRARY_EN}",
    ),
    "/password-reset": Page(
        "password-reset.html",
        "忘記密碼 - 臺北市立圖書館",
        ("i18n.js", "common.js", "password-reset.js"),
        current="study",
        title_en=f"Forgot your password - {LIBRARY_EN}",
    ),
    "/password-reset/new": Page(
        "new-password.html",
        "設定新密碼 - 臺北市立圖書館",
        ("i18n.js", "common.js", "new-password.js"),
        current="study",
        title_en=f"Choose a new password - {LIBRARY_EN}",
    ),
    "/me": Page(
        "me.html",
        "個人書房 - 臺北市立圖書館",
        ("i18n.js", "common.js", *CARD_SCRIPTS, "me.js"),
        current="study",
        study_href="/me",
        consent_dialog=True,
        title_en=f"My library account - {LIBRARY_EN}",
    ),
    "/card": Page(
        "card.html",
        "我的借閱證 - 臺北市立圖書館",
        ("i18n.js", "common.js", *CARD_SCRIPTS),
        current="study",
        study_href="/me",
        title_en=f"My library card - {LIBRARY_EN}",
    ),
    "/me/data": Page(
        "data-copy.html",
        "我的個人資料副本 - 臺北市立圖書館",
        ("i18n.js", "common.js", "data-copy.js"),
        current="study",
        study_href="/me",
        title_en=f"A copy of my personal data - {LIBRARY_EN}",
    ),
}
# The card page's service worker controls /card only (it lives among the assets, so it must be allowed that scope).
WORKER_SCOPES = {"card-worker.js": "/card"}


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    return path.read_text("utf-8")


def _navigation(page: Page) -> str:
    def entry(href: str, key: str, label: str, name: str) -> str:
        current = ' aria-current="page"' if page.current == name else ""
        return f'      <li><a href="{href}"{current} data-i18n="{key}">{label}</a></li>'

    entries = [
        entry("/register", "nav_register", "網路辦證", "register"),
        entry(page.study_href, "nav_study", "個人書房", "study"),
    ]
    return "\n".join(
        ['  <nav aria-label="主要選單" data-i18n-aria="nav_main">', "    <ul>", *entries, "    </ul>", "  </nav>"]
    )


@lru_cache(maxsize=8)
def render(path: str) -> str:
    return compose(PAGES[path])


def compose(page: Page) -> str:
    """The page's <main> in the shared layout."""
    scripts = "\n".join(f'<script src="/assets/{name}" defer></script>' for name in page.scripts)
    parts = {
        "{{title}}": page.title,
        "{{title_en}}": html_escape(page.title_en, quote=True),
        "{{scripts}}": scripts,
        "{{nav}}": _navigation(page) if page.public_menu else "",
        "{{main}}": _read(PAGES_DIR / page.main).rstrip("\n"),
        "{{after_main}}": _read(PAGES_DIR / "consent-dialog.html") if page.consent_dialog else "",
    }
    html = _read(PAGES_DIR / "layout.html")
    for placeholder, value in parts.items():
        html = html.replace(placeholder, value)
    return html


def _file_response(path: Path, cache_control: str) -> Response[str]:
    headers = {**PAGE_HEADERS, "Cache-Control": cache_control}
    if path.name in WORKER_SCOPES:
        headers |= {"Service-Worker-Allowed": WORKER_SCOPES[path.name], "Cache-Control": PAGE_CACHE}
    return Response(200, CONTENT_TYPES[path.suffix], _read(path), headers=headers)


def _page(path: str) -> Response[str]:
    return Response(200, CONTENT_TYPES[".html"], render(path), headers={**PAGE_HEADERS, "Cache-Control": PAGE_CACHE})


def _page_handler(path: str) -> Callable[[], Response[str]]:
    def page() -> Response[str]:
        return _page(path)

    page.__name__ = f"page_{path.strip('/').replace('-', '_') or 'home'}"
    return page


for _path in PAGES:
    router.get(_path, include_in_schema=False)(_page_handler(_path))


def asset_path(name: str) -> Path | None:
    """The file behind /assets/<name>, or None: only plain names of known types, never a path."""
    if not _ASSET_NAME.match(name):
        return None
    if name in DATA_ASSETS:
        return DATA_DIR / DATA_ASSETS[name]
    path = ASSETS_DIR / name
    return path if path.is_file() else None


@router.get("/assets/<name>", include_in_schema=False)
def asset(name: str) -> Response[str]:
    path = asset_path(name)
    if path is None:
        raise problems.NotFound("找不到此檔案 (No such file)")
    return _file_response(path, ASSET_CACHE)
