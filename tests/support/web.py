"""Driving the public pages as a person does: by labels and roles, and by keyboard alone where that is the point."""

from __future__ import annotations

import datetime as dt
import re

import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from onecard.captcha import solve
from tests.support.applications import personal_application

KEYBOARD_REACH = 150  # Tab presses allowed to reach a control; the longest page has far fewer stops


def is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement || el.contains(document.activeElement)")


def tab_to(page, locator) -> None:
    """Presses Tab until `locator` (or a control inside it) has the focus."""
    for _ in range(KEYBOARD_REACH):
        if is_focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def choose_radio(page, group, option: str) -> None:
    """Tabs into a radio group, then moves with the arrow keys (which select) onto `option`."""
    tab_to(page, group)
    target = group.get_by_label(option, exact=True)
    for _ in range(12):
        if target.is_checked():
            return
        page.keyboard.press("Space" if is_focused(target) else "ArrowRight")
    raise AssertionError(f"the arrow keys never reached {option}")


def choose_option(page, select, option: str) -> None:
    """Tabs to a closed <select> and steps through it with the arrow keys until `option` shows."""
    tab_to(page, select)
    for _ in range(200):
        if select.evaluate("el => el.selectedOptions[0] && el.selectedOptions[0].text") == option:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{option} is not among the choices")


def registered_reader(stack, **changes) -> dict:
    """A reader created through the API, as the form would; returns the application sent."""
    with requests.Session() as http:
        body = personal_application(solve(http.get(f"{stack.url}/v1/captcha", timeout=10).json()), **changes)
        created = http.post(f"{stack.url}/v1/readers", json=body, timeout=10)
    assert created.status_code == 201, created.text
    return {**body, "reader_id": created.json()["reader_id"], "verify_by": created.json()["verify_by"]}


def log_in(page, stack, reader: dict) -> None:
    page.goto(f"{stack.url}/login")
    page.get_by_label("證號", exact=True).fill(reader["id_number"])
    page.get_by_label("密碼").fill(reader["password"])
    page.get_by_role("button", name="登入").click()
    try:
        page.wait_for_url(f"{stack.url}/me")
    except PlaywrightTimeoutError:
        shown = page.locator("[role=alert], [role=status]").all_inner_texts()
        raise AssertionError(f"the login did not reach 個人書房; the page says {shown}") from None
    page.get_by_role("heading", name="我的資料").wait_for()


def fill_birth_date(page, day: dt.date) -> None:
    birthday = page.get_by_role("group", name=re.compile(r"^生日"))
    birthday.get_by_label("年").select_option(str(day.year))
    birthday.get_by_label("月").select_option(str(day.month))
    birthday.get_by_label("日").select_option(str(day.day))


def fill_valid_personal_form(page, id_number: str) -> None:
    """Every required field of a personal card for an adult, with the mouse (tests about other things)."""
    page.get_by_label(re.compile(r"^證號")).fill(id_number)
    page.get_by_label(re.compile(r"^密碼")).fill("read2026")
    page.get_by_label(re.compile(r"^確認密碼")).fill("read2026")
    page.get_by_label(re.compile(r"^姓名")).fill("陳大文")
    page.get_by_role("group", name=re.compile(r"^性別")).get_by_label("女").check()
    fill_birth_date(page, dt.date(1988, 3, 9))
    page.get_by_role("group", name=re.compile(r"^職業")).get_by_label("學生").check()
    page.get_by_role("group", name=re.compile(r"^學歷")).get_by_label("研究所以上").check()
    mailing = page.get_by_role("group", name="通訊地址")
    mailing.get_by_label("縣市").select_option("臺北市")
    mailing.get_by_label("鄉鎮市區").select_option("大安區")
    mailing.get_by_label("路街巷弄號樓").fill("建國南路二段 125 號")
    page.get_by_label("同通訊地址").check()
    page.get_by_label("行動電話").fill("0912345678")
