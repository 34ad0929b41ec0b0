"""The application form's details a person meets: the either-phone rule shown where both phones are, a phone shown
as it was typed, the reader number easy to copy, the guardian named as the one who agrees for a minor, the
re-application of a card holder pointed at 忘記密碼 online, and the reset page's words."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_web_accessibility import SHOTS, axe_violations
from tests.e2e.test_web_registration_page import fill_valid_personal_form
from tests.support.applications import new_national_id
from tests.support.web import fill_birth_date, log_in, registered_reader

pytestmark = pytest.mark.browser


def test_no_phone_at_all_is_shown_at_both_phones_where_the_rule_is(stack, page):
    page.goto(f"{stack.url}/register")
    fill_valid_personal_form(page, new_national_id())
    page.get_by_label("行動電話").fill("")
    page.get_by_role("button", name="確定送出").click()

    phones = page.get_by_role("group", name=re.compile("^戶籍電話或行動電話"))
    expect(phones.locator(".field-error")).to_have_text("戶籍電話及行動電話請至少填寫一個")
    for field in ("戶籍電話", "行動電話"):
        expect(page.get_by_label(field, exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_contain_text("戶籍電話或行動電話：戶籍電話及行動電話請至少填寫一個")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"register-phones-{width}.png"), full_page=True)
    assert axe_violations(page) == []


def test_a_landline_is_shown_in_personal_study_as_it_was_typed(stack, page):
    reader = registered_reader(stack, phone_home="02-2720-1234", household_phone="(02)27201234#15")
    log_in(page, stack, reader)

    profile = page.locator("#profile")
    expect(profile).to_contain_text("通訊電話（宅）02-2720-1234")
    expect(profile).to_contain_text("戶籍電話02-2720-1234#15")
    expect(profile).not_to_contain_text("+886")
    stored = page.request.get(f"{stack.url}/v1/readers/me").json()
    assert stored["phone_home"] == "+886-2-27201234"  # kept in one form, whatever was typed


def test_the_success_page_shows_the_reader_number_to_copy_in_one_press(stack, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{stack.url}/register")
    fill_valid_personal_form(page, new_national_id())
    page.get_by_label("電子信箱").fill("copy.number@example.com")
    page.get_by_role("button", name="確定送出").click()
    success = page.get_by_role("region", name="申請已送出")
    expect(success).to_be_focused()

    number = success.locator("#success-reader-id").inner_text()
    assert re.fullmatch(r"R[0-9A-F]{20}", number), number
    success.get_by_role("button", name="複製").click()
    expect(success.get_by_role("status")).to_have_text("已複製。")
    assert page.evaluate("() => navigator.clipboard.readText()") == number
    expect(success.locator("#next-steps")).to_contain_text("確認信已寄到 copy.number@example.com")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"register-success-{width}.png"), full_page=True)
        inside = success.evaluate("el => el.getBoundingClientRect().right")
        assert success.locator("#success-reader-id").evaluate("el => el.getBoundingClientRect().right") <= inside
    assert axe_violations(page) == []


def test_for_a_minor_the_consent_dialog_says_that_the_guardian_is_the_one_agreeing(stack, page):
    page.goto(f"{stack.url}/register")
    fill_birth_date(page, dt.date.today().replace(year=dt.date.today().year - 12, day=1))
    page.get_by_label(re.compile("^法定代理人姓名")).fill("林大明")
    page.get_by_role("group", name="結合新北市圖借閱證").get_by_label("本人已詳閱並同意個資同意書").check()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        "申請人未滿 18 歲：本同意書應由法定代理人（林大明）閱讀，並由法定代理人決定同意或不同意。"
    )
    expect(dialog).to_have_accessible_description(re.compile("法定代理人（林大明）"))
    page.screenshot(path=str(SHOTS / "consent-dialog-minor-1280.png"))
    dialog.get_by_role("button", name="不同意").click()

    page.get_by_role("group", name=re.compile("^生日")).get_by_label("年").select_option("1990")
    page.get_by_role("group", name="結合新北市圖借閱證").get_by_label("本人已詳閱並同意個資同意書").check()
    expect(dialog).to_be_visible()
    expect(dialog.locator("#consent-guardian")).to_be_hidden()  # an adult agrees for themself


def test_applying_again_with_a_number_that_holds_a_card_points_to_the_online_password_reset(stack, page):
    reader = registered_reader(stack)
    page.goto(f"{stack.url}/register")
    fill_valid_personal_form(page, reader["id_number"])
    page.get_by_role("button", name="確定送出").click()

    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("忘記密碼可在登入頁按「忘記密碼？」重設")
    expect(summary).not_to_contain_text("請洽各分館櫃檯")


def test_the_reset_page_asks_which_number_identifies_the_reader(stack, page):
    page.goto(f"{stack.url}/password-reset")

    choice = page.get_by_role("group", name="以哪個號碼識別您")
    expect(choice.get_by_label(re.compile("我的證號"))).to_be_checked()
    expect(choice.get_by_label("我的借閱證條碼")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("以證號登入")  # this page logs nobody in
