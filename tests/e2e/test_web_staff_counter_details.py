"""The staff page's details, on a stack of its own: the MFA set-up's QR code beside the key, the page without the
public menu, a minor's guardian checked at the counter, the purpose of a look-up, and answers of another shape read
as "not available"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_web_accessibility import SHOTS, axe_violations
from tests.e2e.test_web_staff_page import _TOTP_KEYS, NEW_PASSWORD, sign_in
from tests.support.applications import new_national_id
from tests.support.running_stack import ONE_ADDRESS_MANY_CLIENTS, stack_with_its_emulation
from tests.support.staff import totp
from tests.support.web import registered_reader

pytestmark = pytest.mark.browser
BCH_FORMAT_GENERATOR = 0b10100110111  # ISO/IEC 18004: the (15, 5) BCH code of the format information
FORMAT_MASK = 0b101010000010010
LEVEL_M = 0b00


@pytest.fixture(scope="module")
def desk_stack(tmp_path_factory):
    with stack_with_its_emulation(tmp_path_factory.mktemp("desk") / "state", extra_env=ONE_ADDRESS_MANY_CLIENTS) as (
        running,
        _,
    ):
        yield running


def qr_modules(page) -> tuple[int, set[tuple[int, int]]]:
    """The QR code drawn on the page: its size in modules and its dark modules as (row, column)."""
    drawn = page.locator("#mfa-qr svg").evaluate(
        "svg => ({size: Number(svg.dataset.modules), d: svg.querySelector('path').getAttribute('d')})"
    )
    quiet = 4
    dark = {(int(y) - quiet, int(x) - quiet) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", drawn["d"])}
    return drawn["size"], dark


def format_information(size: int, dark: set[tuple[int, int]]) -> int:
    """The 15 format bits beside the top-left finder pattern, least significant first, as ISO/IEC 18004 lays them."""
    places = [(row, 8) for row in range(6)] + [(7, 8), (8, 8), (8, 7)] + [(8, column) for column in range(5, -1, -1)]
    return sum(1 << bit for bit, place in enumerate(places) if place in dark)


def bch_valid(code: int) -> bool:
    remainder = (code >> 10) << 10
    for shift in range(4, -1, -1):
        if remainder & (1 << (shift + 10)):
            remainder ^= BCH_FORMAT_GENERATOR << shift
    return ((code >> 10) << 10 | remainder) == code


def finder_at(dark: set[tuple[int, int]], top: int, left: int) -> bool:
    def expected(r: int, c: int) -> bool:
        ring = max(abs(r - 3), abs(c - 3))
        return ring != 2  # dark 7×7 border, light ring, dark 3×3 centre

    return all(((top + r, left + c) in dark) == expected(r, c) for r in range(7) for c in range(7))


def first_sign_in_with_the_qr_code(page, stack, username: str) -> None:
    page.goto(f"{stack.url}/staff")
    expect(page.get_by_label("帳號")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(stack.first_time_password(username) + "\n")
    expect(page.get_by_label("新密碼", exact=True)).to_be_focused()
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD + "\n")
    setup = page.get_by_role("region", name="設定兩步驟驗證")
    qr = setup.get_by_role("img", name="驗證器 App 的 QR code")
    expect(qr).to_be_visible()
    secret = page.locator("#mfa-secret").inner_text()
    assert secret  # the key stays beside it, to type by hand

    size, dark = qr_modules(page)
    assert size >= 21 and (size - 17) % 4 == 0, size  # a QR code's sizes: 21, 25, … modules
    assert finder_at(dark, 0, 0) and finder_at(dark, 0, size - 7) and finder_at(dark, size - 7, 0)
    code = format_information(size, dark) ^ FORMAT_MASK
    assert bch_valid(code), bin(code)  # a real QR symbol: a scanner reads its format before anything else
    assert code >> 13 == LEVEL_M  # error correction M, as drawn
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"staff-mfa-qr-{width}.png"), full_page=True)
    assert axe_violations(page) == []

    setup.get_by_label("驗證碼（6 位數）").fill(totp(secret))
    page.keyboard.press("Enter")
    expect(page.locator("#work")).to_be_visible()
    expect(page.locator("#mfa-qr svg")).to_have_count(0)  # neither key nor code left on the screen
    _TOTP_KEYS[(stack.url, username)] = secret


def test_the_mfa_set_up_shows_a_qr_code_of_the_key_beside_it_and_the_page_has_no_public_menu(desk_stack, page):
    page.goto(f"{desk_stack.url}/staff")
    expect(page.get_by_role("navigation", name="主要選單")).to_have_count(0)
    expect(page.get_by_role("link", name="個人書房")).to_have_count(0)
    first_sign_in_with_the_qr_code(page, desk_stack, "staff-counter")


def test_the_counter_checks_a_minors_guardian_by_the_number_on_the_adults_document(desk_stack, page):
    ten = dt.date.today().replace(year=dt.date.today().year - 10, day=1).isoformat()
    guardian_number = new_national_id()
    guardian = {"name": "林大明", "relationship": "father", "id_number": guardian_number, "phone": "0922333444"}
    minor = registered_reader(desk_stack, birth_date=ten, guardian=guardian, name="林小小")
    sign_in(page, desk_stack, "staff-counter")

    page.keyboard.type(minor["id_number"] + "\n")
    details = page.locator("#applicant-details")
    expect(details).to_contain_text("林大明")
    expect(details).to_contain_text(f"{guardian_number[:3]}*****{guardian_number[-2:]}")
    expect(details).not_to_contain_text(guardian_number)
    field = page.get_by_label("到場成年人之證號")
    expect(field).to_be_focused()  # with a minor, the guardian's document comes first

    page.get_by_label("借閱證條碼（掃描）").fill("TP66000001")
    page.get_by_role("button", name="啟用借閱證").click()
    expect(page.get_by_role("alert")).to_contain_text("請先確認到場的法定代理人")
    expect(field).to_be_focused()

    field.fill(new_national_id())
    page.keyboard.press("Enter")
    result = page.locator("#guardian-result")
    expect(result).to_have_text("不相符：此證號不是申請書所填法定代理人的證號。")
    expect(field).to_be_focused()
    page.keyboard.type(guardian_number.lower() + "\n")
    expect(result).to_have_text("相符：到場者為申請書所填的法定代理人。")
    expect(page.get_by_label("借閱證條碼（掃描）")).to_be_focused()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"staff-guardian-check-{width}.png"), full_page=True)
    assert axe_violations(page) == []
    page.get_by_label("借閱證條碼（掃描）").fill("TP66000001")
    page.keyboard.press("Enter")
    expect(page.locator("#staff-message")).to_contain_text("已啟用借閱證 TP66000001")


OTHER_SHAPES = {
    "a_list": ("application/json", "[]"),
    "an_error_page": ("text/html", "<html><body>Bad gateway</body></html>"),
    "another_object": ("application/json", '{"reviews": {"not": "a list"}, "partners": "none"}'),
}


@pytest.mark.parametrize(("content_type", "body"), OTHER_SHAPES.values(), ids=OTHER_SHAPES.keys())
def test_staff_answers_of_another_shape_read_as_not_available_without_a_script_error(
    desk_stack, page, content_type, body
):
    applicant = registered_reader(desk_stack)
    sign_in(page, desk_stack, "staff-counter")
    for path in ("**/v1/staff/applications?*", "**/v1/staff/readers/*/activation"):
        page.route(path, lambda route: route.fulfill(status=200, content_type=content_type, body=body))

    page.keyboard.type(applicant["id_number"] + "\n")
    expect(page.get_by_role("alert")).to_contain_text("無法連線")  # not an application: nothing drawn
    expect(page.locator("#applicant")).to_be_hidden()
    page.unroute("**/v1/staff/applications?*")
    page.get_by_role("button", name="查詢").click()
    expect(page.locator("#applicant-details")).to_contain_text(applicant["id_number"])
    page.keyboard.type("TP66100001\n")
    expect(page.get_by_role("alert")).to_contain_text("無法連線")  # not an activation: not said to be done
    expect(page.locator("#staff-message")).not_to_contain_text("已啟用借閱證")


def test_the_counter_names_the_purpose_of_a_look_up_and_the_readers_audit_trail_keeps_it(desk_stack, page):
    import requests

    reader = registered_reader(desk_stack)
    sign_in(page, desk_stack, "staff-counter")

    page.get_by_label("查詢目的（記入讀者的稽核紀錄）").select_option(label="讀者臨櫃查詢")
    page.get_by_label("申請人證號（可用掃描器讀取）").fill(reader["id_number"])
    page.keyboard.press("Enter")
    expect(page.locator("#applicant-details")).to_contain_text(reader["name"])

    trail = requests.get(
        f"{desk_stack.url}/v1/staff/audit",
        params={"reader_id": reader["reader_id"]},
        headers={"Authorization": f"Bearer {desk_stack.staff_token('staff-supervisor')}"},
        timeout=10,
    )
    assert trail.status_code == 200, trail.text
    entries = trail.json()["entries"]
    reads = [e for e in entries if e["action"] == "viewed_by_staff" and e["field"] == "personal_data"]
    assert [e["purpose"] for e in reads] == ["reader_enquiry"], reads
