"""The link in the verification mail opens a page of ours: the reader confirms, and a second use is refused."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.support.applications import new_national_id
from tests.support.running_stack import eventually
from tests.support.web import registered_reader

pytestmark = pytest.mark.browser


def verification_link(stack, address: str) -> str:
    def link() -> str | None:
        for message in requests.get(f"{stack.url}/_local/mail", timeout=10).json():
            if message["to"] == address:
                return next(word for word in message["text"].split() if "/email-verification?token=" in word)
        return None

    return eventually(link, what=f"a mail to {address}")


def test_the_mailed_link_opens_our_page_and_confirming_verifies_the_address_once(stack, page):
    address = f"verify.{new_national_id().lower()}@example.com"
    registered_reader(stack, email=address)
    link = verification_link(stack, address)
    assert link.startswith(f"{stack.url}/email-verification?token=")

    page.goto(link)
    page.get_by_role("button", name="確認電子信箱").click()

    expect(page.get_by_role("status")).to_contain_text("已完成驗證")
    page.goto(link)
    page.get_by_role("button", name="確認電子信箱").click()
    expect(page.get_by_role("status")).to_contain_text("已使用過")


def test_the_page_without_a_token_says_how_to_get_a_new_link(stack, page):
    page.goto(f"{stack.url}/email-verification")

    expect(page.get_by_role("status")).to_contain_text("重新寄送")
    expect(page.get_by_role("button", name="確認電子信箱")).to_be_hidden()


def test_personal_study_shows_an_unverified_address_and_sends_a_new_link_on_request(stack, page):
    from tests.support.web import log_in

    address = f"resend.{new_national_id().lower()}@example.com"
    reader = registered_reader(stack, email=address)
    first = verification_link(stack, address)
    log_in(page, stack, reader)
    expect(page.get_by_text(f"{address}（未驗證）")).to_be_visible()

    page.get_by_role("button", name="重新寄送驗證信").click()

    expect(page.get_by_text("已重新寄出驗證信")).to_be_visible()
    mails = [m for m in requests.get(f"{stack.url}/_local/mail", timeout=10).json() if m["to"] == address]
    newest = next(word for word in mails[0]["text"].split() if "/email-verification?token=" in word)
    assert len(mails) == 2 and newest != first
    page.goto(newest)
    page.get_by_role("button", name="確認電子信箱").click()
    expect(page.get_by_role("status")).to_contain_text("已完成驗證")
    page.goto(f"{stack.url}/me")
    expect(page.get_by_text(f"{address}（已驗證）")).to_be_visible()
