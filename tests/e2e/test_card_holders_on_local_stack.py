"""Card holders manage their record in the library system from 個人書房, in a real browser on the local stack: the
password changed there is the one SIP2 accepts, 忘記密碼 sets it there, a correction is in the library system and
survives logging in again, a counter's change made after it comes back, and an erasure waits for the loan to be
returned."""

from __future__ import annotations

import re
import secrets

import pytest
import requests
from playwright.sync_api import expect

from onecard.infra.sip2_library import Sip2LibrarySystem
from tests.support.running_stack import eventually, first_group

pytestmark = pytest.mark.browser


def sip2(stack) -> Sip2LibrarySystem:
    """A SIP2 client of the stack's simulated library system, with the sample service account it printed."""
    output = stack.output()
    found = re.search(
        r"library system \(SIP2\) simulator on 127\.0\.0\.1:(\d+) \(sample service account: login (\S+), password (\S+);",
        output,
    )
    assert found is not None, "the stack did not print its SIP2 simulator"
    port, login, password = found.groups()
    return Sip2LibrarySystem(
        "127.0.0.1", int(port), institution_id="TPML", login_user=login, login_password=password, timeout=3
    )


def counter(stack, barcode: str, **changes) -> dict:
    """What a clerk does in the library system (a password set, a loan given or returned)."""
    answer = requests.post(f"{stack.simulator_url}/_control/ils/patrons/{barcode}", json=changes, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def held(stack, barcode: str) -> dict | None:
    patrons = requests.get(f"{stack.simulator_url}/_control/ils/patrons", timeout=5).json()["patrons"]
    return next((p for p in patrons if p["barcode"] == barcode), None)


def log_in_as_card_holder(page, stack, barcode: str, password: str) -> None:
    page.goto(f"{stack.url}/login")
    page.get_by_label("以借閱證條碼登入").check()
    page.get_by_label("借閱證條碼", exact=True).fill(barcode)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(f"{stack.url}/me")


def mails_to(stack, address: str) -> list[dict]:
    return [m for m in requests.get(f"{stack.url}/_local/mail", timeout=10).json() if m["to"] == address]


def test_a_card_holder_changes_the_password_in_personal_study_and_sip2_accepts_only_the_new_one(stack, page):
    library = sip2(stack)
    try:
        log_in_as_card_holder(page, stack, "TP90000001", "tpml2024")
        page.get_by_text("變更密碼", exact=True).first.click()
        page.get_by_label("目前密碼").fill("tpml2024")
        page.get_by_label("新密碼", exact=True).fill("bookshelf")  # letters only: the library system refuses it
        page.get_by_label("確認新密碼").fill("bookshelf")
        page.get_by_role("button", name="變更密碼").click()
        expect(page.locator('[data-field="password"]')).to_contain_text("英文字母與數字")

        page.get_by_label("目前密碼").fill("tpml2024")
        page.get_by_label("新密碼", exact=True).fill("shelf2026")
        page.get_by_label("確認新密碼").fill("shelf2026")
        page.get_by_role("button", name="變更密碼").click()
        expect(page.locator("#password-result")).to_have_text("密碼已變更。")

        assert library.check_password("TP90000001", "shelf2026").password_valid
        assert not library.check_password("TP90000001", "tpml2024").password_valid
    finally:
        library.close()
        counter(stack, "TP90000001", password="tpml2024")


def test_a_card_holder_who_forgot_the_password_sets_a_new_one_in_the_library_system(stack, page, http):
    library = sip2(stack)
    try:
        login = http.post(f"{stack.url}/v1/sessions", json={"card_barcode": "TP90000002", "password": "book5678"})
        assert login.status_code == 201, login.text
        headers = {"X-CSRF-Token": login.json()["csrf_token"]}
        if not http.get(f"{stack.url}/v1/readers/me").json()["email_verified"]:
            assert http.post(f"{stack.url}/v1/readers/me/email-verification", headers=headers).status_code == 202
            link = first_group(r"(/email-verification\?token=\S+)", mails_to(stack, "wang@example.com")[0]["text"])
            token = link.split("token=", 1)[1]
            assert http.post(f"{stack.url}/v1/email-verifications", json={"token": token}).status_code == 200
        asked_before = len(mails_to(stack, "wang@example.com"))

        page.goto(f"{stack.url}/password-reset")
        page.get_by_label("我的借閱證條碼").check()
        page.get_by_label("借閱證條碼", exact=True).fill("TP90000002")
        page.get_by_role("button", name="寄送重設連結").click()
        expect(page.locator("#reset-result")).to_be_visible()

        mail = eventually(
            lambda: len(mails_to(stack, "wang@example.com")) > asked_before and mails_to(stack, "wang@example.com")[0],
            what="the reset mail",
        )
        page.goto(first_group(r"(http://\S+/password-reset/new#token=\S+)", mail["text"]))
        page.get_by_label("新密碼", exact=True).fill("reset2026")
        page.get_by_label("確認密碼").fill("reset2026")
        page.get_by_role("button", name="設定新密碼").click()
        expect(page.locator("#newpw-result")).to_be_visible()

        assert eventually(lambda: library.check_password("TP90000002", "reset2026").password_valid)
        assert not library.check_password("TP90000002", "book5678").password_valid
    finally:
        library.close()
        counter(stack, "TP90000002", password="book5678")


def test_a_correction_is_in_the_library_system_and_survives_logging_out_and_in(stack, page):
    mobile = f"09{secrets.randbelow(10**8):08d}"
    log_in_as_card_holder(page, stack, "TP90000001", "tpml2024")
    page.get_by_text("更正我的資料").click()
    expect(page.get_by_label("職業")).to_be_hidden()  # a card holder sees only what they may change
    page.get_by_label("行動電話").fill(mobile)
    page.get_by_role("button", name="儲存更正").click()
    expect(page.locator("#correct-result")).to_have_text("已儲存。")

    assert (held(stack, "TP90000001") or {}).get("mobile") == mobile
    page.get_by_role("button", name="登出").click()
    page.wait_for_url(f"{stack.url}/login")
    log_in_as_card_holder(page, stack, "TP90000001", "tpml2024")
    expect(page.locator("#profile")).to_contain_text(mobile)


def test_a_mobile_changed_at_a_counter_after_a_correction_here_shows_after_the_next_login(stack, page):
    barcode, password = f"TM{secrets.randbelow(10**8):08d}", "phone2026"
    holder = {"barcode": barcode, "id_number": _free_id_number(stack), "password": password, "name": "張電話"}
    issued = {"patrons": [{**holder, "birth_date": "1988-08-08"}]}
    added = requests.post(f"{stack.simulator_url}/_control/ils/patrons", json=issued, timeout=10)
    assert added.status_code == 201, added.text
    ours, theirs = (f"09{secrets.randbelow(10**8):08d}" for _ in range(2))
    log_in_as_card_holder(page, stack, barcode, password)
    page.get_by_text("更正我的資料").click()
    page.get_by_label("行動電話").fill(ours)
    page.get_by_role("button", name="儲存更正").click()
    expect(page.locator("#correct-result")).to_have_text("已儲存。")

    counter(stack, barcode, mobile=theirs)  # SIP2 does not carry the mobile: only the record read after a login does
    page.get_by_role("button", name="登出").click()
    page.wait_for_url(f"{stack.url}/login")
    log_in_as_card_holder(page, stack, barcode, password)

    def shown() -> bool:
        page.reload()
        try:
            expect(page.locator("#profile")).to_contain_text(theirs, timeout=2000)
        except AssertionError:
            return False
        return True

    eventually(shown, what="the counter's mobile on 個人書房")


def test_an_erasure_is_refused_while_a_loan_is_out_then_done_once_it_is_returned(stack, page):
    barcode = f"TE{secrets.randbelow(10**8):08d}"
    holder = {
        "barcode": barcode,
        "id_number": _free_id_number(stack),
        "password": "erase2026",
        "name": "林借書",
        "birth_date": "1990-05-05",
    }
    added = requests.post(f"{stack.simulator_url}/_control/ils/patrons", json={"patrons": [holder]}, timeout=10)
    assert added.status_code == 201, added.text
    counter(stack, barcode, checkouts=1)

    log_in_as_card_holder(page, stack, barcode, "erase2026")
    page.get_by_text("刪除我的帳號", exact=True).click()
    page.get_by_label("請輸入密碼確認").fill("erase2026")
    page.get_by_role("button", name="永久刪除我的帳號").click()
    expect(page.locator("#error-summary")).to_contain_text("歸還")
    assert held(stack, barcode) is not None

    counter(stack, barcode, checkouts=0)
    page.get_by_label("請輸入密碼確認").fill("erase2026")
    page.get_by_role("button", name="永久刪除我的帳號").click()

    expect(page.get_by_text("您的帳號及個人資料已刪除。")).to_be_focused()
    assert held(stack, barcode) is None


def _free_id_number(stack) -> str:
    """A valid national ID number no patron of the simulator holds."""
    from tests.support.lifecycle import unique_person

    taken = {
        p["id_number"] for p in requests.get(f"{stack.simulator_url}/_control/ils/patrons", timeout=5).json()["patrons"]
    }
    while True:
        number = unique_person()["id_number"]
        if number not in taken:
            return number
