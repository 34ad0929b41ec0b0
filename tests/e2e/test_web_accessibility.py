"""The public pages meet WCAG 2.2 AA as far as machines can tell (axe-core, and a11y-moda for Taiwan's 115.11
specification), send a strict Content-Security-Policy, and reflow at 360 px and at 200 % zoom.

Screenshots of every page at 360 px and 1280 px land in test-artifacts/pages/ for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, ROOT
from tests.support.applications import new_national_id
from tests.support.web import fill_birth_date, log_in, registered_reader

pytestmark = pytest.mark.browser

PAGES = ["/", "/register", "/login", "/me", "/email-verification", "/password-reset", "/password-reset/new", "/staff"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ARTIFACTS / "pages"


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it is now (every rule, WCAG 2.2 A/AA included)."""
    assert AXE.is_file(), "axe-core is missing: run `make browser` (npm ci)"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text("utf-8"))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# --- The states each page is checked in: plain, with errors shown, with the consent dialog open ---------------
def plain(path: str) -> Callable:
    def arrive(page, stack):
        page.goto(f"{stack.url}{path}")
        page.wait_for_load_state("networkidle")

    arrive.__name__ = path.strip("/").split("?")[0].replace("-", "_") or "home"
    return arrive


def register_with_errors(page, stack):
    page.goto(f"{stack.url}/register")
    page.get_by_label("行動電話").fill("12")
    fill_birth_date(page, dt.date(2015, 1, 1))
    page.get_by_role("button", name="確定送出").click()
    expect(page.locator("#error-summary")).to_be_focused()


def register_consent_dialog(page, stack):
    page.goto(f"{stack.url}/register")
    page.get_by_role("group", name="結合新北市圖借閱證").get_by_label("本人已詳閱並同意個資同意書").check()
    expect(page.get_by_role("dialog")).to_be_visible()


def register_in_english(page, stack):
    page.goto(f"{stack.url}/register")
    if page.get_by_role("button", name="Switch to English").count():
        page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("group", name="Card type *").get_by_label("Family card").check()


def personal_study(page, stack):
    log_in(page, stack, registered_reader(stack, id_number=new_national_id()))
    for section in page.locator("details").all():
        section.evaluate("d => d.open = true")


def personal_study_dialog(page, stack):
    personal_study(page, stack)
    page.get_by_role("button", name="結合臺北卡").click()
    expect(page.get_by_role("dialog")).to_be_visible()


def new_password_page(page, stack):
    page.goto(f"{stack.url}/password-reset/new#token=x")
    page.wait_for_load_state("networkidle")


def password_reset_with_errors(page, stack):
    page.goto(f"{stack.url}/password-reset")
    page.get_by_role("button", name="寄送重設連結").click()
    expect(page.locator("#error-summary")).to_be_focused()


STATES = [
    plain("/"),
    plain("/register"),
    plain("/login"),
    plain("/email-verification?token=x"),
    register_with_errors,
    plain("/password-reset"),
    password_reset_with_errors,
    new_password_page,
    register_consent_dialog,
    register_in_english,
    personal_study,
    personal_study_dialog,
]


@pytest.mark.parametrize("arrive", STATES, ids=[s.__name__ for s in STATES])
def test_axe_finds_no_serious_or_critical_violation(stack, page, arrive):
    arrive(page, stack)

    assert axe_violations(page) == []


def a11y_moda_fails(target: str, report: Path, *extra: str) -> list[dict]:
    """Runs `a11y-moda scan` at AA against the 115.11 specification; answers the issues it calls fail."""
    scanner = Path(sys.executable).with_name("a11y-moda")
    done = subprocess.run(
        [
            str(scanner),
            "scan",
            "--allow-private-hosts",
            *extra,
            "--level",
            "AA",
            "--spec",
            "115.11",
            "--format",
            "json",
            "-o",
            str(report),
            target,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(report.read_text("utf-8"))
    assert result["status_code"] in (200, None, 0) and not result["fetch_error"], result
    fails = [issue for issue in result["issues"] if issue["status"] == "fail"]
    assert result["summary"]["fail"] == len(fails)
    return fails


@pytest.mark.parametrize("path", PAGES)
def test_a11y_moda_reports_no_fail_on_each_page_as_served(stack, tmp_path, path):
    assert a11y_moda_fails(f"{stack.url}{path}", tmp_path / "moda.json") == []


@pytest.mark.parametrize("arrive", STATES, ids=[s.__name__ for s in STATES])
def test_a11y_moda_reports_no_fail_on_each_page_as_drawn_by_its_script(stack, page, tmp_path, arrive):
    """The scanner reads HTML, so it is given the page after the script drew it (errors, dialog, profile)."""
    arrive(page, stack)
    drawn = tmp_path / "drawn.html"
    drawn.write_text(page.content().replace('href="/assets/', f'href="{stack.url}/assets/'), "utf-8")

    assert a11y_moda_fails(str(drawn), tmp_path / "moda.json", "--allow-file") == []


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_strict_content_security_policy(stack, path):
    answer = requests.get(f"{stack.url}{path}", timeout=5)

    policy = answer.headers["Content-Security-Policy"]
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<script>" not in answer.text and " style=" not in answer.text  # nothing inline that the policy would block


def test_assets_have_their_types_and_no_path_leaves_the_assets_folder(stack):
    css = requests.get(f"{stack.url}/assets/site.css", timeout=5)
    script = requests.get(f"{stack.url}/assets/register.js", timeout=5)
    postal = requests.get(f"{stack.url}/assets/postal-codes.json", timeout=5)
    escaped = requests.get(f"{stack.url}/assets/..%2Fpage_routes.py", timeout=5)

    assert css.headers["Content-Type"].startswith("text/css") and "max-age" in css.headers["Cache-Control"]
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert postal.json()["cities"][0]["districts"][0]["postal_code"]
    assert escaped.status_code == 404


def _screens(page, stack, name: str, arrive: Callable) -> None:
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        arrive(page, stack)
        dialog_open = page.get_by_role("dialog").count() > 0  # a modal sits in the window: photograph the window
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=not dialog_open)
        if width == 360:
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, f"{name} scrolls sideways"
    # 200 % zoom of a 1280 px window lays the page out in 640 CSS pixels.
    page.set_viewport_size({"width": 640, "height": 450})
    arrive(page, stack)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 640, f"{name} scrolls sideways at 200 %"


@pytest.mark.parametrize("arrive", STATES, ids=[s.__name__ for s in STATES])
def test_pages_fit_360_px_and_200_percent_zoom_and_are_photographed(stack, page, arrive):
    SHOTS.mkdir(parents=True, exist_ok=True)

    _screens(page, stack, arrive.__name__, arrive)


def test_the_keyboard_focus_is_always_visible(stack, page):
    page.goto(f"{stack.url}/register")

    visited = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        where, style, width = page.evaluate("""() => {
            const el = document.activeElement;
            if (el === document.body) return [null, "", 0];
            const s = getComputedStyle(el);
            return [el.outerHTML.slice(0, 80), s.outlineStyle, parseFloat(s.outlineWidth)];
        }""")
        if where is None:
            continue
        visited.add(where)
        assert style != "none" and width >= 2, where
    assert len(visited) >= 30
