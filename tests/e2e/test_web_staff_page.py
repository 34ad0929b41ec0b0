"""The staff page (/staff) in a real browser: a whole counter shift on a stack of its own (so its sample accounts
are fresh): first sign-in with a new password and TOTP set-up, the applicant looked up and the card activated from
the keyboard alone (as a scanner types), the reader's 個人書房 showing `active`, a duplicate decided by a reviewer,
sign-out, and a second sign-in that asks for the TOTP code. Each view is checked with axe-core and photographed."""

from __future__ import annotations

import re
import subprocess

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_web_accessibility import SHOTS, a11y_moda_fails, axe_violations
from tests.support.running_stack import ONE_ADDRESS_MANY_CLIENTS, start_stack
from tests.support.staff import totp
from tests.support.web import is_focused, log_in, registered_reader

pytestmark = pytest.mark.browser
NEW_PASSWORD = "Shift-Desk-2026-ok!"


@pytest.fixture(scope="module")
def shift_stack(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("staff") / "state", extra_env=ONE_ADDRESS_MANY_CLIENTS)
    yield running
    try:
        running.stop(timeout=30)
    except subprocess.TimeoutExpired:
        running.process.kill()
        raise


def photograph(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"staff-{name}-1280.png"), full_page=True)
    assert axe_violations(page) == [], name


def first_sign_in(page, stack, username: str) -> str:
    """Signs in with the printed first-time password, sets a new password and TOTP; answers the TOTP secret."""
    page.goto(f"{stack.url}/staff")
    expect(page.get_by_label("帳號")).to_be_focused()
    photograph(page, "sign-in")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(stack.first_time_password(username))
    page.keyboard.press("Enter")
    expect(page.get_by_label("新密碼", exact=True)).to_be_focused()
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    secret = page.locator("#mfa-secret")
    expect(secret).not_to_be_empty()
    photograph(page, "mfa-setup")
    code_field = page.get_by_role("region", name="設定兩步驟驗證").get_by_label("驗證碼（6 位數）")
    expect(code_field).to_be_focused()
    page.keyboard.type("000000" if totp(secret.inner_text()) != "000000" else "111111")  # a wrong code first
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("驗證碼不正確")
    code_field.fill("")
    key = secret.inner_text()
    page.keyboard.type(totp(key))
    page.keyboard.press("Enter")
    expect(page.locator("#work")).to_be_visible()
    expect(page.locator("#staff-who")).to_contain_text(username)
    expect(secret).to_be_empty()  # the key is not left on the screen
    return key


def test_a_whole_counter_shift(shift_stack, page, browser, tmp_path):
    stack = shift_stack
    applicant = registered_reader(stack, name="林櫃檯")
    twin = registered_reader(stack, name="林櫃檯")  # the same name and birth date: flagged for review

    # The counter: sign in, scan the applicant's document (types the number and Enter), then the card's barcode.
    secret = first_sign_in(page, stack, "staff-counter")
    expect(page.get_by_label("申請人證號（可用掃描器讀取）")).to_be_focused()
    expect(page.get_by_role("button", name="重複申請審核")).to_be_hidden()  # not a counter's task
    page.keyboard.type(applicant["id_number"].lower() + "\n")
    details = page.locator("#applicant-details")
    expect(details).to_contain_text(applicant["id_number"])
    expect(details).to_contain_text("林櫃檯")
    expect(details).to_contain_text(applicant["birth_date"])
    assert is_focused(page.get_by_label("借閱證條碼（掃描）"))  # the next scan goes to the barcode
    photograph(page, "counter")
    drawn = tmp_path / "drawn.html"
    drawn.write_text(page.content().replace('href="/assets/', f'href="{stack.url}/assets/'), "utf-8")
    assert a11y_moda_fails(str(drawn), tmp_path / "moda.json", "--allow-file") == []
    page.keyboard.type("TP77000001\n")
    expect(page.get_by_role("status")).to_contain_text("已啟用借閱證 TP77000001")
    expect(page.get_by_label("申請人證號（可用掃描器讀取）")).to_be_focused()

    # The same applicant again, and a barcode already used, say so plainly.
    page.keyboard.type(applicant["id_number"] + "\n")
    expect(page.get_by_role("alert")).to_contain_text("已啟用")
    page.get_by_label("申請人證號（可用掃描器讀取）").fill("")
    page.keyboard.type(twin["id_number"] + "\n")
    expect(page.get_by_label("借閱證條碼（掃描）")).to_be_focused()  # a scanner's next read arrives seconds later
    page.keyboard.type("TP77000001\n")
    expect(page.get_by_role("alert")).to_contain_text("條碼已屬於其他讀者")
    page.get_by_label("申請人證號（可用掃描器讀取）").fill("")
    page.keyboard.type("A100000001\n")
    expect(page.get_by_role("alert")).to_contain_text("查無此證號")

    # The reader sees the card active in 個人書房.
    reader_context = browser.new_context(locale="zh-TW")
    reader_page = reader_context.new_page()
    log_in(reader_page, stack, applicant)
    assert reader_page.request.get(f"{stack.url}/v1/readers/me").json()["status"] == "active"
    reader_context.close()

    # Sign out; the next sign-in asks for the TOTP code.
    page.get_by_role("button", name="登出").click()
    expect(page.get_by_role("status")).to_have_text("已登出。")
    expect(page.get_by_label("帳號")).to_be_focused()
    page.keyboard.type("staff-counter")
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD + "\n")
    expect(page.get_by_role("region", name="兩步驟驗證").get_by_label("驗證碼（6 位數）")).to_be_focused()
    photograph(page, "mfa")
    page.keyboard.type(totp(secret) + "\n")
    expect(page.locator("#work")).to_be_visible()
    expect(page.locator("#staff-who")).to_contain_text("staff-counter")
    page.get_by_role("button", name="登出").click()

    # A reviewer decides the flagged application beside the record it resembles.
    first_sign_in(page, stack, "staff-reviewer")
    review = page.get_by_role("listitem").filter(has_text=twin["reader_id"])
    expect(review).to_contain_text(applicant["reader_id"])
    photograph(page, "reviews")
    review.get_by_role("button", name=re.compile("^不同人")).click()
    expect(page.get_by_role("status")).to_contain_text("已標記為不同人")
    expect(page.get_by_role("listitem").filter(has_text=twin["reader_id"])).to_have_count(0)
    page.get_by_role("button", name="登出").click()

    # The supervisor sees the partners.
    first_sign_in(page, stack, "staff-supervisor")
    page.get_by_role("button", name="合作館狀態").click()
    expect(page.get_by_role("table")).to_contain_text("ntpc")
    photograph(page, "partners")
    page.get_by_role("button", name="登出").click()
    expect(page.get_by_label("帳號")).to_be_focused()


def test_the_staff_page_sends_a_strict_policy_that_allows_only_the_service_and_the_user_pool(shift_stack):
    answer = requests.get(f"{shift_stack.url}/staff", timeout=5)

    policy = answer.headers["Content-Security-Policy"]
    assert answer.status_code == 200 and "connect-src 'self' http://127.0.0.1:" in policy
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy and "<script>" not in answer.text
    assert "localStorage" not in requests.get(f"{shift_stack.url}/assets/staff.js", timeout=5).text


def test_the_sign_in_route_lets_through_only_the_public_user_pool_actions(shift_stack):
    admin = requests.post(
        f"{shift_stack.url}/_local/cognito-idp/",
        data="{}",
        timeout=5,
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminSetUserPassword",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert admin.status_code == 400
