"""The library card in 個人書房 and on /card: a Code 39 barcode a scanner reads as the card number, with the name
and the expiry; facts that are true for a card holder; offline on a phone once kept; printable on its own."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_web_accessibility import SHOTS, axe_violations
from tests.support.barcodes import barcode_in
from tests.support.web import log_in, registered_reader

pytestmark = pytest.mark.browser
CARD_HOLDER = {"barcode": "TP90000002", "password": "book5678", "name": "王美玲", "expires": "2028-12-31"}


def log_in_as_card_holder(page, stack) -> None:
    page.goto(f"{stack.url}/login")
    page.get_by_label("以借閱證條碼登入").check()
    page.get_by_label("借閱證條碼", exact=True).fill(CARD_HOLDER["barcode"])
    page.get_by_label("密碼").fill(CARD_HOLDER["password"])
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(f"{stack.url}/me")
    page.get_by_role("heading", name="我的資料").wait_for()


def photograph(page, name: str) -> None:
    """At 390 px (a phone at the self-checkout) and 1280 px, in both languages; axe-core on each, no sideways
    scrolling on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language in ("en", "zh"):
        page.evaluate("language => window.I18N.setLanguage(language)", language)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)
            if width == 390:
                assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, f"{name} scrolls sideways"
            assert axe_violations(page) == [], (name, language, width)


def test_personal_study_shows_the_card_as_a_barcode_that_reads_as_the_card_number_with_name_and_expiry(stack, page):
    log_in_as_card_holder(page, stack)

    card = page.get_by_role("region", name="我的借閱證")
    expect(card.get_by_role("img", name=f"借閱證條碼 {CARD_HOLDER['barcode']}")).to_be_visible()
    assert barcode_in(page) == CARD_HOLDER["barcode"]
    expect(card).to_contain_text(CARD_HOLDER["name"])
    expect(card).to_contain_text(f"有效期限{CARD_HOLDER['expires']}")
    photograph(page, "study-card-holder")


def test_a_card_holders_study_tells_the_cards_facts_not_an_application(stack, page):
    log_in_as_card_holder(page, stack)

    facts = page.locator("#profile")
    expect(facts).to_contain_text("借閱證狀態有效")
    expect(facts).to_contain_text(f"有效期限{CARD_HOLDER['expires']}")
    for not_true in ("申請日期", "申請狀態", "請於此日前至櫃檯驗證"):
        expect(facts).not_to_contain_text(not_true)


def test_a_card_handed_over_at_the_counter_shows_its_issue_date_and_reads_as_its_barcode(stack, page):
    import datetime as dt

    reader = registered_reader(stack)
    handed_over = stack.activate(reader["reader_id"])
    log_in(page, stack, reader)

    facts = page.locator("#profile")
    issued = dt.datetime.fromisoformat(handed_over["activated_at"].replace("Z", "+00:00"))
    in_taipei = issued.astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    expect(facts).to_contain_text(f"發證日期{in_taipei}")  # the date it was in Taipei
    expect(facts).not_to_contain_text("申請狀態")
    assert barcode_in(page) == handed_over["card_barcode"]


def test_an_applicant_is_told_of_the_application_and_has_no_card_to_show_yet(stack, page):
    log_in(page, stack, registered_reader(stack))

    expect(page.locator("#profile")).to_contain_text("申請狀態待臨櫃驗證身分")
    expect(page.get_by_role("region", name="我的借閱證")).to_be_hidden()
    page.goto(f"{stack.url}/card")
    expect(page.get_by_text("您的借閱證尚未發給")).to_be_visible()


def test_a_card_kept_on_the_device_shows_offline_and_leaves_with_the_logout(stack, page):
    log_in_as_card_holder(page, stack)
    page.get_by_role("link", name="開啟借閱證（可離線出示、列印）").click()
    page.wait_for_url(f"{stack.url}/card")
    assert barcode_in(page) == CARD_HOLDER["barcode"]
    page.get_by_label(re.compile("在此裝置保存借閱證")).check()
    page.wait_for_function(
        "() => navigator.serviceWorker.ready.then(() => caches.has('onecard-card-v1')).then(Boolean)"
    )
    page.wait_for_function("() => caches.open('onecard-card-v1').then(c => c.match('/card')).then(Boolean)")
    photograph(page, "card")

    page.context.set_offline(True)
    try:
        page.reload()
        expect(page.get_by_role("status").filter(has_text="離線顯示")).to_be_visible()
        assert barcode_in(page) == CARD_HOLDER["barcode"]
        expect(page.locator("#card")).to_contain_text(CARD_HOLDER["expires"])
    finally:
        page.context.set_offline(False)

    page.goto(f"{stack.url}/me")
    page.get_by_role("button", name="登出").click()
    page.wait_for_url(f"{stack.url}/login")
    assert page.evaluate("() => localStorage.getItem('onecard-card')") is None
    page.goto(f"{stack.url}/card")
    page.wait_for_url(f"{stack.url}/login")  # nothing kept, no session: the card is not shown to the next person


def test_the_card_prints_on_its_own(stack, page):
    log_in_as_card_holder(page, stack)
    page.goto(f"{stack.url}/card")
    expect(page.locator("svg.barcode")).to_be_visible()

    page.emulate_media(media="print")

    expect(page.locator("svg.barcode")).to_be_visible()
    expect(page.locator("#card")).to_contain_text(CARD_HOLDER["name"])
    for hidden in (".site-header", ".site-footer", "#card-print", "h1"):
        expect(page.locator(hidden).first).to_be_hidden()
    width_mm = page.locator("#card").evaluate("el => el.getBoundingClientRect().width") * 25.4 / 96
    assert 84 <= width_mm <= 87, width_mm  # the size of a bank card (ISO/IEC 7810 ID-1, 85.6 mm)
    page.screenshot(path=str(SHOTS / "card-print.png"), full_page=True)


def test_a_partners_card_number_is_labelled_as_that_libraries_card_number(stack, page):
    import requests

    requests.post(f"{stack.simulator_url}/_control/ntpc", json={}, timeout=5).raise_for_status()
    reader = registered_reader(stack)
    stack.activate(reader["reader_id"])
    log_in(page, stack, reader)
    page.get_by_role("button", name="啟用雙北市立圖書館一證通用服務").click()
    page.get_by_role("dialog").get_by_role("button", name="同意", exact=True).click()

    status = page.locator("#status-ntpc")
    expect(status).to_contain_text("已啟用", timeout=20_000)
    link = page.request.get(f"{stack.url}/v1/readers/me/links").json()["links"][0]
    assert link["partner_card_number"]  # the simulated partner gives its card number
    expect(status).to_have_text(f"已啟用（新北市立圖書館借閱證號：{link['partner_card_number']}）")
