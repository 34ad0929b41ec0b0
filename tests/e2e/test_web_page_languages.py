"""The API's own words on the pages follow the page's language switch: the errors and the next steps of 網路辦證."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.support.applications import new_national_id
from tests.support.web import fill_valid_personal_form

pytestmark = pytest.mark.browser

HAN = re.compile(r"[\u4e00-\u9fff]")


def _switch_to_english(page) -> None:
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_in_english_the_form_shows_the_apis_errors_in_english(stack, page):
    page.goto(f"{stack.url}/register")
    page.get_by_label(re.compile(r"^證號")).fill("A123456788")
    page.get_by_label(re.compile(r"^密碼")).fill("ab")
    page.get_by_label(re.compile(r"^確認密碼")).fill("cd")
    page.get_by_label("行動電話").fill("12345")
    _switch_to_english(page)
    page.get_by_role("button", name="Submit").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_contain_text("Please correct the following")
    expect(summary).to_contain_text("The password must be 4 to 10 characters long")
    expect(summary).to_contain_text("The check digit of the national ID number is not right")
    expect(page.get_by_label(re.compile(r"^Mobile phone"))).to_have_accessible_description(
        re.compile("The mobile number is not right: 10 digits starting with 09")
    )
    messages = page.locator("#register-form .field-error").all_inner_texts()
    assert messages and not [m for m in messages if HAN.search(m)], messages


def test_in_english_an_application_shows_only_the_english_next_steps(stack, page):
    page.goto(f"{stack.url}/register")
    fill_valid_personal_form(page, new_national_id())
    _switch_to_english(page)
    expect(page.get_by_role("status").filter(has_text="Verified")).to_be_visible()
    page.get_by_role("button", name="Submit").click()

    success = page.get_by_role("region", name="Application received")
    expect(success).to_be_focused()
    steps = success.locator("#next-steps li")
    expect(steps.first).to_contain_text("counter of the main library or any branch")
    assert not [s for s in steps.all_inner_texts() if HAN.search(s)]


def test_in_chinese_an_application_shows_only_the_chinese_next_steps(stack, page):
    page.goto(f"{stack.url}/register")
    fill_valid_personal_form(page, new_national_id())
    expect(page.get_by_role("status").filter(has_text="驗證完成")).to_be_visible()
    page.get_by_role("button", name="確定送出").click()

    success = page.get_by_role("region", name="申請已送出")
    expect(success).to_be_focused()
    steps = success.locator("#next-steps li")
    expect(steps.first).to_contain_text("服務櫃檯")
    texts = steps.all_inner_texts()
    assert len(texts) >= 4 and all(HAN.search(s) for s in texts), texts
    assert not [s for s in texts if "application" in s.lower()]


@pytest.mark.parametrize("path", ["/register", "/v1/health", "/v1/consent-documents/ntpc"])
def test_the_local_stack_answers_head_as_get_without_a_body(stack, path):
    get = requests.get(f"{stack.url}{path}", timeout=10)
    head = requests.head(f"{stack.url}{path}", timeout=10)

    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers.get("Content-Security-Policy") == get.headers.get("Content-Security-Policy")
    assert "Content-Length" not in head.headers or head.headers["Content-Length"] == get.headers["Content-Length"]
