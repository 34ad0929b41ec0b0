"""個人書房's consent receipts and the readable copy of 下載我的資料 (PDPA Art. 3), in a real browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_web_accessibility import SHOTS, axe_violations
from tests.support.languages import address_words, han_left
from tests.support.web import log_in, registered_reader

pytestmark = pytest.mark.browser
# What a stored record looks like inside: none of it belongs in a copy a person reads.
STORAGE_WORDS = (
    "READER#",
    "RECEIPT#",
    "AUDIT#",
    "LINK#",
    '"pk"',
    "pending_verification",
    "national_id",
    "personal_study",
)


def agree_with_ntpc(stack, page) -> None:
    import requests

    requests.post(f"{stack.simulator_url}/_control/ntpc", json={}, timeout=5).raise_for_status()
    page.get_by_role("button", name="啟用雙北市立圖書館一證通用服務").click()
    page.get_by_role("dialog").get_by_role("button", name="同意", exact=True).click()


def test_personal_study_lists_each_consent_decision_with_partner_version_decision_time_and_receipt(stack, page):
    log_in(page, stack, registered_reader(stack))
    receipts = page.locator("#receipt-list")
    expect(page.get_by_text("尚無同意紀錄。")).to_be_visible()

    agree_with_ntpc(stack, page)

    entry = receipts.get_by_role("listitem").first
    expect(entry).to_contain_text("新北市立圖書館：同意")
    expect(entry).to_contain_text("第 1 版")
    expect(entry).to_contain_text("個人書房")
    recorded = page.request.get(f"{stack.url}/v1/readers/me/consents").json()["receipts"][0]
    expect(entry.locator("code")).to_have_text(recorded["receipt_id"])
    expect(entry).to_contain_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"))  # when, in Taipei's time
    expect(page.get_by_text("尚無同意紀錄。")).to_be_hidden()


def test_the_data_copy_is_a_labelled_page_in_the_readers_language_with_the_json_beside_it(stack, page, tmp_path):
    reader = registered_reader(stack, name="王小美")
    log_in(page, stack, reader)
    agree_with_ntpc(stack, page)
    expect(page.locator("#receipt-list li")).to_have_count(1)

    page.get_by_role("link", name="下載我的資料").click()
    page.wait_for_url(f"{stack.url}/me/data")
    copy = page.locator("#copy-body")
    expect(copy).to_contain_text("王小美")
    for label_and_value in (
        "姓名王小美",
        "辦證類型個人證",
        "申請狀態待臨櫃驗證身分",
        "證件種類身分證字號",
        f"證號{reader['id_number']}",
    ):
        expect(copy).to_contain_text(label_and_value)
    expect(copy.locator("table").filter(has_text="新北市立圖書館").first).to_contain_text("同意")
    text = copy.inner_text()
    assert not [word for word in STORAGE_WORDS if word in text], text

    page.evaluate("() => window.I18N.setLanguage('en')")
    expect(copy).to_contain_text("Card typePersonal card")
    english = copy.inner_text()
    assert han_left(english, ["王小美", *address_words(reader["mailing_address"])]) == []
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"data-copy-en-{width}.png"), full_page=True)
        assert axe_violations(page) == []
    page.evaluate("() => window.I18N.setLanguage('zh')")
    page.screenshot(path=str(SHOTS / "data-copy-zh-390.png"), full_page=True)

    with page.expect_download() as saved:
        page.get_by_role("button", name="下載此副本（HTML 檔）").click()
    html = Path(saved.value.path()).read_text("utf-8")
    assert saved.value.suggested_filename.endswith(".html") and "姓名" in html and "王小美" in html
    assert "<script" not in html
    with page.expect_download() as machine:
        page.get_by_role("link", name="機器可讀格式（JSON）").click()
    assert json.loads(Path(machine.value.path()).read_text("utf-8"))["profile"]["reader_id"] == reader["reader_id"]
