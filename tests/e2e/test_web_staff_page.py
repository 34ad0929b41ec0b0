"""The staff page (/staff) in a real browser: a whole counter shift on a stack of its own (so its sample accounts
are fresh): first sign-in with a new password and TOTP set-up, the applicant looked up and the card activated from
the keyboard alone (as a scanner types), the reader's 個人書房 showing `active`, a duplicate decided by a reviewer,
sign-out, and a second sign-in that asks for the TOTP code. Each view is checked with axe-core and photographed."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.test_web_accessibility import SHOTS, a11y_moda_fails, axe_violations
from tests.support.running_stack import (
    ONE_ADDRESS_MANY_CLIENTS,
    ROOT,
    emulation_client,
    first_group,
    stack_with_its_emulation,
)
from tests.support.staff import PoolSignIn, claims_of, totp
from tests.support.web import is_focused, log_in, registered_reader

pytestmark = pytest.mark.browser
NEW_PASSWORD = "Shift-Desk-2026-ok!"
SHORT_TOKEN_SECONDS = 10


@pytest.fixture(scope="module")
def shift_stack(tmp_path_factory):
    with stack_with_its_emulation(tmp_path_factory.mktemp("staff") / "state", extra_env=ONE_ADDRESS_MANY_CLIENTS) as (
        running,
        emulation,
    ):
        running.emulation = emulation
        yield running


@pytest.fixture(scope="module")
def short_token_stack(tmp_path_factory):
    """A stack whose user pool issues staff tokens that last SHORT_TOKEN_SECONDS, to see them renewed."""
    with stack_with_its_emulation(
        tmp_path_factory.mktemp("staff-tokens") / "state", extra_env={"STAFF_TOKEN_SECONDS": str(SHORT_TOKEN_SECONDS)}
    ) as (running, emulation):
        running.emulation = emulation
        yield running


def photograph(page, name: str) -> None:
    """The view as it is, in zh-TW and in English, at 360 px (a phone at the counter) and 1280 px: a screenshot
    of each, axe-core on each, and no sideways scrolling at 360 px. The language, width and focus are restored."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    focused = page.evaluate("() => document.activeElement ? document.activeElement.id : ''")
    for language, suffix in (("en", "-en"), ("zh", "")):
        page.evaluate("language => window.I18N.setLanguage(language)", language)
        expect(page.locator("h1")).to_have_text("Staff desk" if language == "en" else "館員作業")
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SHOTS / f"staff-{name}{suffix}-{width}.png"), full_page=True)
            if width == 360:
                assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, f"{name} scrolls sideways"
            assert axe_violations(page) == [], (name, language, width)
    if focused:
        page.evaluate("id => document.getElementById(id).focus()", focused)


def first_sign_in(page, stack, username: str, photographs: bool = False) -> str:
    """At the sign-in form: the printed first-time password, a new password and TOTP set-up (a wrong code first).
    Answers the TOTP key."""
    expect(page.get_by_label("帳號")).to_be_focused()
    if photographs:
        photograph(page, "sign-in")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(stack.first_time_password(username))
    page.keyboard.press("Enter")
    expect(page.get_by_label("新密碼", exact=True)).to_be_focused()
    if photographs:
        photograph(page, "new-password")
        page.keyboard.type("Short-1a")  # the pool's rules: 14 characters at least
        page.keyboard.press("Tab")
        page.keyboard.type("Short-1a\n")
        expect(page.get_by_role("alert")).to_contain_text("新密碼不符合規則")
        expect(page.get_by_label("新密碼", exact=True)).to_be_focused()
        photograph(page, "new-password-refused")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    secret = page.locator("#mfa-secret")
    expect(secret).not_to_be_empty()
    if photographs:
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


# (stack URL, user name) → the TOTP key set up at the first sign-in through the page
_TOTP_KEYS: dict[tuple[str, str], str] = {}


def sign_in(page, stack, username: str, photographs: bool = False) -> None:
    """Opens /staff and signs in from the keyboard: the first time with set-up, afterwards password and code."""
    page.goto(f"{stack.url}/staff")
    if (stack.url, username) not in _TOTP_KEYS:
        _TOTP_KEYS[(stack.url, username)] = first_sign_in(page, stack, username, photographs)
        return
    expect(page.get_by_label("帳號")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD + "\n")
    expect(page.get_by_role("region", name="兩步驟驗證").get_by_label("驗證碼（6 位數）")).to_be_focused()
    page.keyboard.type(totp(_TOTP_KEYS[(stack.url, username)]) + "\n")
    expect(page.locator("#work")).to_be_visible()


def id_token_of(stack, username: str) -> str:
    """An ID token for a user who set up their account through the page, signed in as the page does."""
    page = requests.get(f"{stack.url}/staff", timeout=10).text
    endpoint = first_group(r'data-sign-in-endpoint="([^"]+)"', page)
    client = first_group(r'data-client-id="([^"]+)"', page)
    signer = PoolSignIn(endpoint, client, {username: NEW_PASSWORD}, {username: _TOTP_KEYS[(stack.url, username)]})
    return signer.id_token(username, NEW_PASSWORD)


def moda_fails_as_drawn(page, stack, tmp_path) -> list[dict]:
    """a11y-moda reads HTML, so it is given the page after the script drew the view."""
    drawn = tmp_path / "drawn.html"
    drawn.write_text(page.content().replace('href="/assets/', f'href="{stack.url}/assets/'), "utf-8")
    return a11y_moda_fails(str(drawn), tmp_path / "moda.json", "--allow-file")


def test_a_whole_counter_shift(shift_stack, page, browser, tmp_path):
    stack = shift_stack
    applicant = registered_reader(stack, name="林櫃檯")
    twin = registered_reader(stack, name="林櫃檯")  # the same name and birth date: flagged for review

    # The counter: sign in, scan the applicant's document (types the number and Enter), then the card's barcode.
    page.goto(f"{stack.url}/staff")
    assert moda_fails_as_drawn(page, stack, tmp_path) == []
    secret = first_sign_in(page, stack, "staff-counter", photographs=True)
    _TOTP_KEYS[(stack.url, "staff-counter")] = secret
    expect(page.get_by_label("申請人證號（可用掃描器讀取）")).to_be_focused()
    expect(page.get_by_role("button", name="重複申請審核")).to_be_hidden()  # not a counter's task
    page.keyboard.type(applicant["id_number"].lower() + "\n")
    details = page.locator("#applicant-details")
    expect(details).to_contain_text(applicant["id_number"])
    expect(details).to_contain_text("林櫃檯")
    expect(details).to_contain_text(applicant["birth_date"])
    expect(details).to_contain_text("尚未送出")  # the library system has it not yet: the e-mail is unverified
    assert is_focused(page.get_by_label("借閱證條碼（掃描）"))  # the next scan goes to the barcode
    photograph(page, "counter")
    assert is_focused(page.get_by_label("借閱證條碼（掃描）"))
    assert moda_fails_as_drawn(page, stack, tmp_path) == []
    page.keyboard.type("TP77000001\n")
    expect(page.get_by_role("status")).to_contain_text("已啟用借閱證 TP77000001")
    expect(page.get_by_role("status")).to_contain_text("等待升級為正式借閱證")  # the library system's write waits
    expect(page.get_by_label("申請人證號（可用掃描器讀取）")).to_be_focused()

    # The same applicant again, and a barcode already used, say so plainly.
    page.keyboard.type(applicant["id_number"] + "\n")
    expect(page.get_by_role("alert")).to_contain_text("已啟用")
    expect(page.get_by_label("申請人證號（可用掃描器讀取）")).to_be_focused()
    photograph(page, "counter-already-active")
    page.keyboard.type(twin["id_number"] + "\n")  # the number was selected: the next scan replaces it
    expect(page.get_by_label("借閱證條碼（掃描）")).to_be_focused()  # a scanner's next read arrives seconds later
    page.keyboard.type("TP77000001\n")
    expect(page.get_by_role("alert")).to_contain_text("條碼已屬於其他讀者")
    expect(page.get_by_label("借閱證條碼（掃描）")).to_be_focused()  # another card goes here
    page.get_by_label("申請人證號（可用掃描器讀取）").fill("")
    page.get_by_label("申請人證號（可用掃描器讀取）").focus()
    page.keyboard.type("A100000001\n")
    expect(page.get_by_role("alert")).to_contain_text("查無此證號")
    photograph(page, "counter-no-application")

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

    # A reviewer decides the flagged application beside the record it resembles, from the keyboard.
    sign_in(page, stack, "staff-reviewer")
    expect(page.get_by_role("heading", name="重複申請審核", level=2)).to_be_focused()
    review = page.get_by_role("listitem").filter(has_text=twin["reader_id"])
    expect(review).to_contain_text(applicant["reader_id"])
    photograph(page, "reviews")
    assert moda_fails_as_drawn(page, stack, tmp_path) == []
    different = review.get_by_role("button", name=re.compile("^不同人"))
    for _ in range(30):
        if is_focused(different):
            break
        page.keyboard.press("Tab")
    assert is_focused(different)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("已標記為不同人")
    expect(page.get_by_role("listitem").filter(has_text=twin["reader_id"])).to_have_count(0)
    page.get_by_role("button", name="登出").click()

    # The supervisor sees the partners, and the audit trail names the counter's signed-in person.
    sign_in(page, stack, "staff-supervisor")
    page.get_by_role("button", name="合作館狀態").click()
    expect(page.get_by_role("table")).to_contain_text("ntpc")
    expect(page.get_by_role("heading", name="合作館狀態", level=2)).to_be_focused()
    photograph(page, "partners")
    assert moda_fails_as_drawn(page, stack, tmp_path) == []
    page.get_by_role("button", name="登出").click()
    expect(page.get_by_label("帳號")).to_be_focused()
    trail = requests.get(
        f"{stack.url}/v1/staff/audit",
        params={"reader_id": applicant["reader_id"]},
        headers={"Authorization": id_token_of(stack, "staff-supervisor")},
        timeout=10,
    )
    [activated] = [e for e in trail.json()["entries"] if e["action"] == "activated"]
    assert (activated["by"], activated["branch"], activated["card_barcode"]) == ("staff-counter", "ZH01", "TP77000001")


def test_the_counter_is_told_when_an_application_expired_before_the_card_was_handed_over(shift_stack, page):
    stack = shift_stack
    applicant = registered_reader(stack, name="林逾期")
    sign_in(page, stack, "staff-counter")
    page.keyboard.type(applicant["id_number"] + "\n")
    expect(page.get_by_label("借閱證條碼（掃描）")).to_be_focused()

    expire_applications(stack, dt.date.fromisoformat(applicant["verify_by"]) + dt.timedelta(days=1))
    page.keyboard.type("TP77000009\n")

    expect(page.get_by_role("alert")).to_contain_text("此申請已逾期失效，請申請人重新辦證")
    expect(page.get_by_label("申請人證號（可用掃描器讀取）")).to_be_focused()
    photograph(page, "counter-expired")
    page.keyboard.type(applicant["id_number"] + "\n")  # later: nothing is left of it
    expect(page.get_by_role("alert")).to_contain_text("逾期未辦理的申請已刪除")


def expire_applications(stack, day: dt.date) -> None:
    """The daily expiry job, run as its command against the stack's emulation for ``day``."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ENDPOINT_URL": stack.emulation,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "ap-northeast-1",
        "ONECARD_MAIL_SINK_DIR": str(stack.state_dir / "mail"),
    }
    done = subprocess.run(
        [sys.executable, "scripts/expire_applications.py", "--date", day.isoformat()],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


# --- Tokens: renewed during a shift, and the sign-in ends after 15 minutes idle -------------------------------
class PoolTraffic:
    """What the page asks the user pool and the staff API: refreshes, the ID tokens issued, the API's answers."""

    def __init__(self, page):
        self.refreshes: list[dict] = []
        self.sign_outs = 0
        self.id_tokens: list[str] = []
        self.api: list[tuple[str, int, str]] = []  # (path, status, the ID token sent)
        page.on("response", self._seen)

    def _seen(self, response) -> None:
        request = response.request
        if "/_local/cognito-idp/" in request.url:
            action = (request.all_headers().get("x-amz-target") or "").rsplit(".", 1)[-1]
            sent = json.loads(request.post_data or "{}")
            if action == "InitiateAuth" and sent.get("AuthFlow") == "REFRESH_TOKEN_AUTH":
                self.refreshes.append({"status": response.status})
            if action == "GlobalSignOut":
                self.sign_outs += 1
            if response.ok:
                token = (response.json().get("AuthenticationResult") or {}).get("IdToken")
                if token:
                    self.id_tokens.append(token)
        elif "/v1/staff/" in request.url:
            sent_token = request.all_headers().get("authorization", "")
            self.api.append((request.url.split("?")[0], response.status, sent_token))


def events_handled(page, done, seconds: float = 10) -> None:
    """Lets Playwright hand this test's listeners the events already received, until ``done()``."""
    for _ in range(int(seconds * 10)):
        if done():
            return
        page.wait_for_timeout(100)


def look_up_nobody(page) -> None:
    """A lookup that the API answers 404 when the sign-in is good."""
    page.get_by_label("申請人證號（可用掃描器讀取）").fill("A100000001")
    page.keyboard.press("Enter")


def test_the_page_renews_its_tokens_before_they_expire_during_a_shift(short_token_stack, page):
    traffic = PoolTraffic(page)
    sign_in(page, short_token_stack, "staff-counter")
    first = traffic.id_tokens[-1]

    page.wait_for_timeout(SHORT_TOKEN_SECONDS * 1000 * 1.3)  # the sign-in's ID token has expired by now
    look_up_nobody(page)

    expect(page.get_by_role("alert")).to_contain_text("查無此證號")
    events_handled(page, lambda: traffic.api)
    assert traffic.refreshes and all(r["status"] == 200 for r in traffic.refreshes)
    assert [status for _, status, _ in traffic.api] == [404]  # never a 401: renewed in time
    sent = traffic.api[-1][2]
    assert sent != first and sent == traffic.id_tokens[-1]
    assert claims_of(sent)["cognito:username"] == "staff-counter"


def test_a_token_that_expired_anyway_is_renewed_once_and_the_request_asked_again(short_token_stack, page):
    page.clock.install()
    traffic = PoolTraffic(page)
    sign_in(page, short_token_stack, "staff-counter")
    # The page's clock stops (as a sleeping computer's timers do) while the token expires on the server.
    page.clock.pause_at(dt.datetime.now() + dt.timedelta(seconds=1))
    page.wait_for_timeout(SHORT_TOKEN_SECONDS * 1000 + 1500)

    look_up_nobody(page)

    expect(page.get_by_role("alert")).to_contain_text("查無此證號")  # the API's answer to the second try
    # The page may draw the answer before this test's listener has been handed its response event.
    events_handled(page, lambda: len(traffic.api) >= 2)
    assert [status for _, status, _ in traffic.api] == [401, 404]
    assert [r["status"] for r in traffic.refreshes] == [200]
    expect(page.locator("#work")).to_be_visible()


def test_a_refused_refresh_token_ends_the_sign_in(short_token_stack, page):
    page.clock.install()
    traffic = PoolTraffic(page)
    sign_in(page, short_token_stack, "staff-counter")
    page.clock.pause_at(dt.datetime.now() + dt.timedelta(seconds=1))
    # An administrator signs the person out everywhere: their refresh tokens end.
    cognito = emulation_client(short_token_stack.emulation, "cognito-idp")
    [pool] = [p["Id"] for p in cognito.list_user_pools(MaxResults=10)["UserPools"] if p["Name"].endswith("-staff")]
    cognito.admin_user_global_sign_out(UserPoolId=pool, Username="staff-counter")
    page.wait_for_timeout(SHORT_TOKEN_SECONDS * 1000 + 1500)

    look_up_nobody(page)

    expect(page.get_by_role("status")).to_have_text("登入已逾時，請重新登入。")
    expect(page.get_by_label("帳號")).to_be_focused()
    expect(page.locator("#work")).to_be_hidden()
    assert [r["status"] for r in traffic.refreshes] == [400]


def test_the_sign_in_ends_after_15_minutes_without_a_key_or_a_click(short_token_stack, page):
    page.clock.install()
    traffic = PoolTraffic(page)
    sign_in(page, short_token_stack, "staff-counter")
    field = page.get_by_label("申請人證號（可用掃描器讀取）")

    page.clock.fast_forward("14:00")
    page.keyboard.type("A")  # a key: still at work
    page.clock.fast_forward("14:00")
    expect(page.locator("#work")).to_be_visible()
    expect(field).to_have_value("A")
    page.clock.fast_forward("01:01")

    expect(page.get_by_role("status")).to_have_text("閒置超過 15 分鐘，已自動登出。")
    expect(page.locator("#work")).to_be_hidden()
    expect(page.get_by_label("帳號")).to_be_focused()
    expect(field).to_have_value("")  # nothing of the last applicant is left on the screen
    for _ in range(50):  # the sign-out at the pool is sent as the screen clears: its answer may still be on its way
        if traffic.sign_outs:
            break
        page.wait_for_timeout(100)
    assert traffic.sign_outs == 1
    photograph(page, "idle-signed-out")


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
