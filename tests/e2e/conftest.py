"""The running local stack (`python -m devstack`, what `make run` starts) on a free port, in a scratch state folder."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
import requests

from tests.support.running_stack import ONE_ADDRESS_MANY_CLIENTS, ROOT, RunningStack, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("stack") / "state", extra_env=ONE_ADDRESS_MANY_CLIENTS)
    yield running
    if running.process.poll() is None:
        try:
            running.stop(timeout=30)
        except subprocess.TimeoutExpired:
            running.process.kill()
            raise


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


# --- A real browser: Debian's Chromium driven by Playwright ---------------------------------------------------
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"


# Per module: Playwright's sync API keeps an event loop running in the main thread while it is open, and code that
# starts its own loop (the link worker's batch processing) refuses to run under it.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _script_problems(page) -> list[str]:
    """Uncaught errors and Content-Security-Policy refusals (an HTTP error status is the API talking, not a bug)."""
    found: list[str] = []
    page.on("pageerror", lambda error: found.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    return found


@pytest.fixture
def page(browser):
    """A fresh browser profile at desktop width in zh-TW; it fails the test on a script error or a CSP refusal."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-TW", accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    problems = _script_problems(opened)
    yield opened
    context.close()
    assert problems == [], f"the page reported errors: {problems}"
