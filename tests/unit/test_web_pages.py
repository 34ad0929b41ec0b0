"""The pages' static files: safe asset names, the form's choices and labels in step with the domain's."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from onecard.domain.choices import EDUCATION_LABELS, OCCUPATION_LABELS
from register.page_routes import CONTENT_SECURITY_POLICY, PAGES_DIR, asset_path


@pytest.mark.parametrize(
    "name", ["../app.py", "..", "site.css/../x", ".hidden.js", "site.CSS", "page_routes.py", "nothing-here.js"]
)
def test_asset_names_that_are_not_plain_files_of_known_types_are_refused(name):
    assert asset_path(name) is None


def test_reference_data_is_published_from_the_layers_own_copy():
    postal_codes = asset_path("postal-codes.json")
    assert postal_codes is not None and postal_codes.name == "taiwan_postal_codes.json"
    assert asset_path("site.css") == PAGES_DIR / "assets" / "site.css"


def test_the_policy_allows_only_our_own_scripts_and_nothing_inline():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))

    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


class _Radios(HTMLParser):
    """(name, value) -> the text of the label around each radio button."""

    def __init__(self):
        super().__init__()
        self.found: dict[tuple[str, str], str] = {}
        self._open: tuple[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "radio":
            self._open = (a["name"], a["value"])
            self.found[self._open] = ""

    def handle_endtag(self, tag):
        if tag == "label":
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.found[self._open] += data.strip()


@pytest.fixture(scope="module")
def register_radios() -> dict[tuple[str, str], str]:
    parser = _Radios()
    parser.feed((PAGES_DIR / "register.html").read_text("utf-8"))
    return parser.found


def test_the_form_offers_every_occupation_with_the_libraries_label_in_order(register_radios):
    offered = [(value, text) for (name, value), text in register_radios.items() if name == "occupation"]

    assert offered == [(str(choice), label) for choice, label in OCCUPATION_LABELS.items()]


def test_the_form_offers_every_education_with_the_libraries_label_in_order(register_radios):
    offered = [(value, text) for (name, value), text in register_radios.items() if name == "education"]

    assert offered == [(str(choice), label) for choice, label in EDUCATION_LABELS.items()]


def test_pages_load_no_script_or_style_from_elsewhere():
    for page in PAGES_DIR.glob("*.html"):
        html = page.read_text("utf-8")
        sources = re.findall(r'(?:src|href)="([^"#]+)"', html)
        assert all(s.startswith("/") and not s.startswith("//") for s in sources), (page.name, sources)
        assert "<script>" not in html and "style=" not in html, page.name


@pytest.mark.parametrize(
    ("endpoint", "connect"),
    [
        (
            "https://cognito-idp.ap-northeast-1.amazonaws.com/",
            "'self' https://cognito-idp.ap-northeast-1.amazonaws.com",
        ),
        ("http://127.0.0.1:3000/_local/cognito-idp/", "'self' http://127.0.0.1:3000"),
        ("javascript:alert(1)", "'self'"),
        ("", "'self'"),
    ],
)
def test_the_staff_page_may_connect_to_the_service_and_the_user_pools_origin_only(endpoint, connect):
    from register.staff_page import content_security_policy

    directives = dict(part.split(" ", 1) for part in content_security_policy(endpoint).split("; "))
    others = {k: v for k, v in directives.items() if k != "connect-src"}

    assert directives["connect-src"] == connect
    assert others == {
        k: v for k, v in (p.split(" ", 1) for p in CONTENT_SECURITY_POLICY.split("; ")) if k != "connect-src"
    }
