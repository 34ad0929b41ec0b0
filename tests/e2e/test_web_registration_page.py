"""網路辦證 in a real browser: the form is filled as a person does, and the API's answers show on the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests
from playwright.sync_api import expect

from tests.support.applications import new_national_id
from tests.support.web import (
    choose_option,
    choose_radio,
    fill_birth_date,
    fill_valid_personal_form,
    registered_reader,
    tab_to,
    type_into,
)

pytestmark = pytest.mark.browser


def label(text: str):
    """A starred (required) label reads "證號 *": match its start."""
    return re.compile(rf"^{re.escape(text)}")


def test_a_personal_application_with_a_link_can_be_completed_by_keyboard_alone(stack, page):
    id_number = new_national_id()
    page.goto(f"{stack.url}/register")
    form = page.locator("#register-form")

    choose_radio(page, page.get_by_role("group", name=label("辦證類型")), "個人證")
    choose_radio(page, page.get_by_role("group", name=label("身分別")), "中華民國國民")
    type_into(page, page.get_by_label(label("證號")), id_number)
    tab_to(page, page.get_by_role("button", name="讀者證號是否辦過"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="尚未辦過")).to_be_visible()
    type_into(page, page.get_by_label(label("密碼")), "read2026")
    type_into(page, page.get_by_label(label("確認密碼")), "read2026")
    type_into(page, page.get_by_label(label("姓名")), "林小明")
    choose_radio(page, page.get_by_role("group", name=label("性別")), "男")
    birthday = page.get_by_role("group", name=label("生日"))
    choose_option(page, birthday.get_by_label("年"), "1990")
    choose_option(page, birthday.get_by_label("月"), "5")
    choose_option(page, birthday.get_by_label("日"), "17")
    choose_radio(page, page.get_by_role("group", name=label("職業")), "服務業")
    choose_radio(page, page.get_by_role("group", name=label("學歷")), "大學(專)")
    mailing = page.get_by_role("group", name="通訊地址")
    choose_option(page, mailing.get_by_label("縣市"), "臺北市")
    choose_option(page, mailing.get_by_label("鄉鎮市區"), "中正區")
    expect(mailing.locator("output")).to_have_text("100")
    type_into(page, mailing.get_by_label("路街巷弄號樓"), "中山南路 1 號")
    tab_to(page, page.get_by_label("同通訊地址"))
    page.keyboard.press("Space")
    expect(page.get_by_label("戶籍縣市")).to_be_hidden()
    type_into(page, page.get_by_label("行動電話"), "0912345678")
    type_into(page, page.get_by_label("電子信箱"), "reader@example.com")
    choose_radio(page, page.get_by_role("group", name="結合新北市圖借閱證"), "本人已詳閱並同意個資同意書")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    tab_to(page, dialog.get_by_role("button", name="同意", exact=True))
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(
        page.get_by_role("group", name="結合新北市圖借閱證").get_by_label("本人已詳閱並同意個資同意書")
    ).to_be_checked()
    expect(page.get_by_role("status").filter(has_text="驗證完成")).to_be_visible()
    tab_to(page, form.get_by_role("button", name="確定送出"))
    page.keyboard.press("Enter")

    success = page.get_by_role("region", name="申請已送出")
    expect(success).to_be_focused()
    expect(success).to_contain_text("個人借閱證")
    expect(success.locator("#next-steps")).to_contain_text("櫃檯")
    expect(success.locator("#link-statuses")).to_contain_text("新北市立圖書館")
    known = requests.get(
        f"{stack.url}/v1/readers/availability", params={"id_type": "national_id", "id_number": id_number}, timeout=5
    ).json()
    assert known == {"registered": True}


def test_a_family_application_asks_for_the_household_and_offers_no_links(stack, page):
    page.goto(f"{stack.url}/register")
    expect(page.get_by_label(label("戶號"))).to_be_hidden()

    page.get_by_role("group", name=label("辦證類型")).get_by_label("家庭證").check()
    expect(page.get_by_role("group", name="結合新北市圖借閱證")).to_be_hidden()
    fill_valid_personal_form(page, new_national_id())
    page.get_by_label(label("戶號")).fill("A1234567")
    page.get_by_label(label("戶長姓名")).fill("陳大明")
    page.get_by_label(label("戶長身分證字號")).fill(new_national_id())
    page.get_by_role("button", name="確定送出").click()

    success = page.get_by_role("region", name="申請已送出")
    expect(success).to_be_focused()
    expect(success).to_contain_text("家庭借閱證")
    expect(success.locator("#next-steps")).to_contain_text("戶口名簿")  # what a family card brings to the counter


def test_a_form_with_several_mistakes_shows_each_next_to_its_field_and_in_a_summary(stack, page):
    page.goto(f"{stack.url}/register")
    id_field = page.get_by_label(label("證號"))
    id_field.fill("A123456788")
    page.get_by_label(label("密碼")).fill("ab")
    page.get_by_label(label("確認密碼")).fill("cd")
    page.get_by_label(label("姓名")).fill("林小明")
    fill_birth_date(page, dt.date(1990, 5, 17))
    page.get_by_label("行動電話").fill("12345")
    page.get_by_role("button", name="確定送出").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_contain_text("請修正以下")
    assert summary.get_by_role("link").count() >= 6
    named = [text.split("：")[0] for text in summary.get_by_role("link").all_inner_texts()]
    in_form_order = ["證號", "密碼", "性別", "職業", "學歷", "戶籍地址", "行動電話"]
    assert [n for n in named if n in in_form_order] == in_form_order
    for field in (id_field, page.get_by_label(label("密碼")), page.get_by_label("行動電話")):
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(r"\S"))
    for group in ("性別", "職業", "學歷"):
        expect(page.get_by_role("group", name=label(group)).locator(".field-error")).to_contain_text("必填")
    expect(page.get_by_role("group", name=label("戶籍地址")).locator(".field-error")).to_be_visible()

    id_error = id_field.get_attribute("aria-describedby").split()[-1]
    summary.get_by_role("link", name=page.locator(f"#{id_error}").inner_text()).click()
    expect(id_field).to_be_focused()


def test_the_consent_dialog_shows_the_current_document_and_only_agreeing_sends_its_hash(stack, page):
    document = requests.get(f"{stack.url}/v1/consent-documents/klcpl", timeout=5).json()
    page.goto(f"{stack.url}/register")
    group = page.get_by_role("group", name="結合基隆市公共圖書館")
    dialog = page.get_by_role("dialog", name=document["title"])

    group.get_by_label("本人已詳閱並同意個資同意書").check()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("region")).to_contain_text(document["text_zh"].split("\n\n")[1].strip()[:20])
    for _ in range(8):  # the focus stays inside the dialog
        page.keyboard.press("Tab")
        assert dialog.evaluate("d => d.contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(group.get_by_label("否")).to_be_checked()

    group.get_by_label("本人已詳閱並同意個資同意書").check()
    dialog.get_by_role("button", name="不同意").click()
    expect(group.get_by_label("否")).to_be_checked()

    group.get_by_label("本人已詳閱並同意個資同意書").check()
    dialog.get_by_role("button", name="同意", exact=True).click()
    expect(group.get_by_label("本人已詳閱並同意個資同意書")).to_be_checked()
    fill_valid_personal_form(page, new_national_id())
    with page.expect_request(lambda r: r.url.endswith("/v1/readers") and r.method == "POST") as sent:
        page.get_by_role("button", name="確定送出").click()
    expect(page.get_by_role("region", name="申請已送出")).to_be_visible()
    assert sent.value.post_data_json["partners"] == [{"partner": "klcpl", "document_sha256": document["sha256"]}]


def test_guardian_fields_appear_only_for_an_applicant_under_18(stack, page):
    page.goto(f"{stack.url}/register")
    guardian = page.get_by_label(label("法定代理人姓名"))

    fill_birth_date(page, dt.date.today().replace(year=dt.date.today().year - 10, day=1))
    expect(guardian).to_be_visible()
    fill_birth_date(page, dt.date(1990, 5, 17))
    expect(guardian).to_be_hidden()


def test_identity_document_choices_follow_nationality(stack, page):
    page.goto(f"{stack.url}/register")
    document = page.get_by_label(label("證件種類"))

    page.get_by_role("group", name=label("身分別")).get_by_label("外籍人士").check()
    document.select_option(label="護照號碼")
    expect(page.get_by_label(label("護照核發國家"))).to_be_visible()
    page.get_by_role("group", name=label("身分別")).get_by_label("大陸人士").check()

    assert document.locator("option").all_inner_texts() == ["統一證號（居留證號）", "入出境許可證號"]
    expect(page.get_by_label(label("護照核發國家"))).to_be_hidden()


def test_the_english_switch_translates_the_form_and_is_remembered(stack, page):
    page.goto(f"{stack.url}/register")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply for a library card")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply for a library card")
    expect(page.get_by_label(label("Confirm password"))).to_be_visible()
    page.get_by_role("button", name="切換為中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("網路辦證")


def test_an_id_number_that_already_holds_a_card_is_reported_at_the_id_field(stack, page):
    reader = registered_reader(stack)
    page.goto(f"{stack.url}/register")
    fill_valid_personal_form(page, reader["id_number"])
    page.get_by_role("button", name="確定送出").click()

    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label(label("證號"))).to_have_accessible_description(re.compile("已辦過借閱證"))


# What the form's reference data may come back as other than itself: another asset's answer (what a racing local
# stack once sent for the countries, cached by the browser for five minutes), text that is not JSON, or nothing.
POW_WORKER_TEXT = '"use strict";\nconst BATCH = 200;\n'
REFERENCE_ANSWERS = {
    "countries_answered_with_the_postal_codes": ("countries.json", '{"cities": []}'),
    "countries_answered_with_a_script": ("countries.json", POW_WORKER_TEXT),
    "countries_answered_empty": ("countries.json", ""),
    "postal_codes_answered_with_the_countries": ("postal-codes.json", '{"countries": {"JP": "Japan"}}'),
    "postal_codes_answered_with_null": ("postal-codes.json", "null"),
}


@pytest.mark.parametrize("asset, body", REFERENCE_ANSWERS.values(), ids=REFERENCE_ANSWERS.keys())
def test_reference_data_in_another_shape_leaves_the_form_working_without_a_script_error(stack, page, asset, body):
    page.route(
        f"**/assets/{asset}",
        lambda route: route.fulfill(status=200, content_type="application/json", body=body),
    )
    with page.expect_response(f"**/assets/{asset}"):
        page.goto(f"{stack.url}/register")
    page.wait_for_load_state("networkidle")
    page.get_by_label("行動電話").fill("12")
    page.get_by_role("button", name="確定送出").click()

    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("行動電話")).to_have_attribute("aria-invalid", "true")
    # The choices that did arrive are offered; the others keep only their prompt (the page fixture fails the test
    # on any script error).
    passport_countries = page.locator("#passport-country option")
    mailing_cities = page.get_by_role("group", name="通訊地址").get_by_label("縣市").locator("option")
    if asset == "countries.json":
        expect(passport_countries).to_have_count(1)
        expect(mailing_cities.filter(has_text="臺北市")).to_have_count(1)
    else:
        expect(mailing_cities).to_have_count(1)
        expect(passport_countries.filter(has_text="日本 (JP)")).to_have_count(1)  # named in the page's language
