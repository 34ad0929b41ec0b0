"""The counter page on the running local stack with its simulated library system: the library system's status in
the page's language (drawn from the API's fields, not its zh-TW words), and a reader whose first barcode the
library system holds for someone else given another card, which SIP2 then finds with charge privileges allowed."""

from __future__ import annotations

import re
import secrets

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_new_cards_on_local_stack import activate, counter_view, patron_of, sip2
from tests.e2e.test_web_accessibility import SHOTS, axe_violations
from tests.support.applications import apply_on_stack, new_national_id
from tests.support.running_stack import eventually
from tests.support.staff import totp

pytestmark = pytest.mark.browser
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def card_holder(stack) -> tuple[str, str]:
    """A card holder the library system issued a card to (and who never came here): their barcode and ID number."""
    barcode, number = f"TP8{secrets.randbelow(10**7):07d}", new_national_id()
    holder = {
        "barcode": barcode,
        "id_number": number,
        "password": "held2026",
        "name": "館藏卡主",
        "birth_date": "1970-01-02",
    }
    requests.post(
        f"{stack.simulator_url}/_control/ils/patrons", json={"patrons": [holder]}, timeout=5
    ).raise_for_status()
    return barcode, number


def refused_for_its_barcode(stack) -> tuple[dict, str, str]:
    """An application activated with another card holder's barcode while the library system could not be asked:
    the card's upgrade there is refused (``cardnumber``). The application's body, the barcode it was given and that card's holder's ID number."""
    taken, owner = card_holder(stack)
    number = new_national_id()
    body, accepted = apply_on_stack(
        stack,
        id_number=number,
        name=f"換證{number[-5:]}",
        email=None,
        password="Cards2026",
        password_confirm="Cards2026",
    )
    patron_of(stack, number, category_id="WEBREG")
    requests.post(f"{stack.simulator_url}/_control/ils", json={"down": True}, timeout=5).raise_for_status()
    try:
        assert activate(stack, accepted["reader_id"], taken).status_code == 200
    finally:
        requests.post(f"{stack.simulator_url}/_control/ils", json={}, timeout=5).raise_for_status()
    eventually(
        lambda: counter_view(stack, number).get("reason") == "cardnumber",
        seconds=90,
        what="the library system's refusal of the barcode",
    )
    return body, taken, owner


def sign_in(page, stack) -> None:
    password, key = stack.staff_credentials("staff-counter")
    page.goto(f"{stack.url}/staff")
    page.get_by_label("帳號").fill("staff-counter")
    page.get_by_label("密碼", exact=True).fill(password)
    page.keyboard.press("Enter")
    code = page.get_by_role("region", name="兩步驟驗證").get_by_label("驗證碼（6 位數）")
    expect(code).to_be_focused()
    code.fill(totp(key))
    page.keyboard.press("Enter")
    expect(page.locator("#work")).to_be_visible()


def look_up(page, id_number: str) -> None:
    field = page.locator("#lookup-id-number")
    field.fill(id_number)
    field.press("Enter")
    expect(page.locator("#applicant")).to_be_visible()


def test_the_english_counter_shows_the_library_systems_refusal_in_english_and_the_chinese_one_in_chinese(stack, page):
    body, _, _ = refused_for_its_barcode(stack)
    sign_in(page, stack)
    status = page.locator("#applicant-details dd.library-system")

    page.evaluate("language => window.I18N.setLanguage(language)", "en")
    look_up(page, body["id_number"])
    expect(status).to_contain_text("refused at")
    expect(status).to_contain_text("this barcode belongs to someone else there; give the reader another card")
    expect(status).to_contain_text("provisional patron (no loans yet)")  # what it holds of the reader meanwhile
    english = status.inner_text()
    assert not CHINESE.search(english), english
    expect(page.get_by_role("form", name="Give another card")).to_be_visible()
    page.screenshot(path=str(SHOTS / "staff-card-replacement-en.png"), full_page=True)

    page.evaluate("language => window.I18N.setLanguage(language)", "zh")
    expect(status).to_contain_text("此借閱證條碼已屬他人，請換發新卡")
    chinese = status.inner_text()
    assert "拒絕" in chinese and "暫時讀者" in chinese
    assert not re.search(r"[A-Za-z]{3,}", chinese.replace("cardnumber", "")), chinese  # only the code and moments
    expect(page.get_by_label("換證原因")).to_have_value("refused_by_library_system")
    page.screenshot(path=str(SHOTS / "staff-card-replacement.png"), full_page=True)
    assert axe_violations(page) == []


def test_a_barcode_the_library_system_holds_for_someone_else_is_replaced_at_the_counter_and_sip2_finds_the_new_card(
    stack, page
):
    from onecard.ils import CardStatus

    body, first, first_owner = refused_for_its_barcode(stack)
    someone_elses, _ = card_holder(stack)
    sign_in(page, stack)
    look_up(page, body["id_number"])
    status = page.locator("#applicant-details dd.library-system")
    expect(status).to_contain_text("此借閱證條碼已屬他人")
    form = page.get_by_role("form", name="換發借閱證")
    barcode = form.get_by_label("新卡條碼（掃描）")
    expect(page.get_by_role("alert")).to_contain_text("請掃描另一張新卡換發")
    expect(barcode).to_be_focused()  # the next scan is the new card

    barcode.fill("TP-12")  # a scanner's misread: refused on the field, nothing sent
    barcode.press("Enter")
    expect(page.locator("#replacement-barcode-error")).to_contain_text("6 至 20 個英文字母或數字")
    expect(page.get_by_role("alert")).to_contain_text("新卡條碼：")
    expect(barcode).to_have_attribute("aria-invalid", "true")
    expect(barcode).to_be_focused()

    barcode.fill(someone_elses)  # the library system holds it for another card holder
    barcode.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("新卡條碼：此借閱證條碼在圖書館系統已屬於其他讀者")

    new = f"TP{secrets.randbelow(10**8):08d}"
    barcode.fill(new)
    barcode.press("Enter")
    expect(page.locator("#staff-message")).to_contain_text(f"已換發借閱證 {new}，原條碼 {first} 已停用")
    expect(status).to_contain_text("等待換上新借閱證條碼")
    expect(barcode).not_to_have_attribute("aria-invalid", "true")

    patron_of(stack, body["id_number"], category_id="PT", barcode=new)
    check = sip2(stack).check_password(new, "Cards2026")
    assert check.patron_valid and check.password_valid and check.patron is not None
    assert check.patron.card_status is CardStatus.VALID  # charge privileges allowed
    owner = sip2(stack).find_patron(first)
    assert owner is not None and owner.id_number == first_owner  # the first card's holder keeps it

    eventually(lambda: counter_view(stack, body["id_number"])["state"] == "held", seconds=30, what="held")
    look_up(page, body["id_number"])
    expect(status).to_contain_text("正式借閱證")
    expect(status).not_to_contain_text("拒絕")
