"""忘記密碼 in the browser: from the login page to the mail, the page the link opens, and a login with the new
password; the page without a token, and a second use of the link."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_web_email_verification_page import verification_link
from tests.support.applications import new_national_id
from tests.support.running_stack import eventually
from tests.support.web import log_in, registered_reader

pytestmark = pytest.mark.browser


def reset_link(stack, address: str) -> str:
    def link() -> str | None:
        for message in requests.get(f"{stack.url}/_local/mail", timeout=10).json():
            if message["to"] == address and "/password-reset/new#token=" in message["text"]:
                return next(word for word in message["text"].split() if "/password-reset/new#token=" in word)
        return None

    return eventually(link, what=f"a reset mail to {address}")


def verified_reader(stack, page, address: str) -> dict:
    reader = registered_reader(stack, email=address)
    page.goto(verification_link(stack, address))
    page.get_by_role("button", name="確認電子信箱").click()
    expect(page.get_by_role("status")).to_contain_text("已完成驗證")
    return reader


def test_a_forgotten_password_is_reset_from_the_mailed_link_and_the_new_one_logs_in(stack, page):
    address = f"reset.{new_national_id().lower()}@example.com"
    reader = verified_reader(stack, page, address)

    page.goto(f"{stack.url}/login")
    page.get_by_role("link", name="忘記密碼？").click()
    page.get_by_label("證號", exact=True).fill(reader["id_number"])
    page.get_by_role("button", name="寄送重設連結").click()
    expect(page.get_by_role("status")).to_contain_text("重設連結已寄出")

    link = reset_link(stack, address)
    assert link.startswith(f"{stack.url}/password-reset/new#token=")
    page.goto(link)
    page.get_by_label("新密碼").fill("Fresh2027")
    page.get_by_label("確認密碼").fill("Fresh2027")
    page.get_by_role("button", name="設定新密碼").click()
    expect(page.get_by_role("status")).to_contain_text("密碼已重設")

    log_in(page, stack, {**reader, "password": "Fresh2027"})
    notices = [
        m
        for m in requests.get(f"{stack.url}/_local/mail", timeout=10).json()
        if m["to"] == address and "重設" in m["text"] and "/me" in m["text"] and "#token=" not in m["text"]
    ]
    assert len(notices) == 1 and reader["id_number"] not in notices[0]["text"]

    page.goto(link)  # the link works once
    page.get_by_label("新密碼").fill("Other2027")
    page.get_by_label("確認密碼").fill("Other2027")
    page.get_by_role("button", name="設定新密碼").click()
    expect(page.get_by_role("status")).to_contain_text("已使用過")


def test_the_page_without_a_token_says_how_to_get_a_new_link(stack, page):
    page.goto(f"{stack.url}/password-reset/new")

    expect(page.get_by_role("status")).to_contain_text("重新申請")
    expect(page.get_by_role("button", name="設定新密碼")).to_be_hidden()


def test_the_ask_page_says_who_gets_no_mail_in_english_too(stack, page):
    page.goto(f"{stack.url}/password-reset")
    page.get_by_role("button", name="Switch to English").click()

    expect(page.get_by_text("bring your identity document to any branch counter and the staff")).to_be_visible()
    expect(page.get_by_text("the new password is set in the library's system")).to_be_visible()
