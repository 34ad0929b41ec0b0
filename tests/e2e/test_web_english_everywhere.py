"""Every page in English: after the switch, no Han characters are left except the names and addresses people wrote
(and the switch back to 中文); page titles, messages, statuses and the success page included."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_web_registration_page import fill_valid_personal_form
from tests.support.applications import new_national_id
from tests.support.languages import address_words, han_left
from tests.support.web import fill_birth_date, log_in, registered_reader

pytestmark = pytest.mark.browser
SWITCH = ["中文", "切換為中文"]  # the way back is named in its own language
TAIPEI_ADDRESSES = ["臺北市", "中正區", "大安區", "建國南路二段 125 號"]

VISIBLE_TEXT = """() => {
  const texts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[aria-label]')) {
    if (el.closest('[hidden]') === null) texts.push(el.getAttribute('aria-label'));
  }
  // Choices of a list (not the city and district pickers, whose options are addresses).
  for (const option of document.querySelectorAll('select:not(.city):not(.district) option')) {
    if (option.closest('[hidden]') === null) texts.push(option.text);
  }
  return texts.join('\\n');
}"""


def in_english(page) -> None:
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


ADDRESS_CHOICES = "() => [...document.querySelectorAll('select.city option, select.district option')].map(o => o.text)"


def han_on(page, *allowed: str) -> list[str]:
    return han_left(page.evaluate(VISIBLE_TEXT), [*SWITCH, *page.evaluate(ADDRESS_CHOICES), *allowed])


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/", "Taipei Public Library: online card application and my library account"),
        ("/login", "Log in to my library account - Taipei Public Library"),
        ("/password-reset", "Forgot your password - Taipei Public Library"),
        ("/password-reset/new", "Choose a new password - Taipei Public Library"),
        ("/email-verification", "Verify your e-mail address - Taipei Public Library"),
        ("/staff", "Staff desk - Taipei Public Library"),
    ],
)
def test_a_page_without_a_reader_is_wholly_english_title_included(stack, page, path, title):
    page.goto(f"{stack.url}{path}")
    in_english(page)
    expect(page).to_have_title(title)
    assert han_on(page) == []
    page.reload()  # the choice is remembered
    expect(page).to_have_title(title)
    assert han_on(page) == []


def test_the_application_form_in_english_with_every_part_shown_and_its_errors(stack, page):
    page.goto(f"{stack.url}/register")
    fill_birth_date(page, dt.date.today().replace(year=dt.date.today().year - 10, day=1))  # the guardian shows
    in_english(page)
    expect(page).to_have_title("Apply for a library card - Taipei Public Library")
    page.get_by_role("group", name=re.compile("^Card type")).get_by_label("Family card").check()
    page.get_by_role("group", name=re.compile("^Nationality")).get_by_label("Foreign national").check()
    page.get_by_label(re.compile("^Document type")).select_option("passport")
    assert han_on(page) == []

    page.get_by_role("button", name="Submit").click()
    summary = page.locator("#error-summary")
    heading = summary.get_by_role("heading")
    expect(heading).to_have_text(re.compile(r"^Please correct the following \d+ problem"))
    expect(summary).to_contain_text("ID number: This field is required")
    assert han_on(page) == []
    counted = heading.inner_text()
    page.get_by_role("button", name="中文").click()
    expect(heading).to_have_text(re.compile(r"^請修正以下 \d+ 個問題"))
    page.get_by_role("button", name="Switch to English").click()
    expect(heading).to_have_text(counted)  # the count stays through both switches


def test_the_passport_countries_are_in_the_order_of_their_shown_names(stack, page):
    page.goto(f"{stack.url}/register")
    in_english(page)
    page.get_by_role("group", name=re.compile("^Nationality")).get_by_label("Foreign national").check()
    page.get_by_label(re.compile("^Document type")).select_option("passport")
    countries = page.locator("#passport-country")
    expect(countries.locator("option").nth(1)).to_have_text("Afghanistan (AF)")  # by code it would be Andorra
    names = countries.locator("option").all_inner_texts()[1:]
    assert names.index("Åland Islands (AX)") < names.index("Albania (AL)") and names[-1] == "Zimbabwe (ZW)"

    page.get_by_role("button", name="中文").click()
    chinese = countries.locator("option").all_inner_texts()[1:]
    assert "日本 (JP)" in chinese and "Japan (JP)" not in chinese
    assert page.evaluate(
        "names => names.every((n, i) => i === 0 || names[i - 1].localeCompare(n, 'zh-Hant-TW') <= 0)", chinese
    )


def test_the_success_page_in_english_says_what_was_applied_for_by_when_and_what_to_bring(stack, page):
    page.goto(f"{stack.url}/register")
    fill_valid_personal_form(page, new_national_id())
    in_english(page)
    expect(page.get_by_role("status").filter(has_text="Verified")).to_be_visible()
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("region", name="Application received")).to_be_focused()
    success = page.locator("#success")
    expect(success).to_contain_text("application for a personal card")
    expect(success.locator("#next-steps")).to_contain_text("your identity document, the original")
    assert han_on(page, "陳大文", *TAIPEI_ADDRESSES) == []
    page.get_by_role("button", name="中文").click()
    expect(success.locator("#next-steps")).to_contain_text("身分證件正本")  # drawn again in the other language
    page.get_by_role("button", name="Switch to English").click()
    expect(success.locator("#next-steps")).to_contain_text("identity document")


def test_personal_study_and_the_card_in_english(stack, page):
    reader = registered_reader(stack, name="林小明")
    log_in(page, stack, reader)
    in_english(page)
    expect(page).to_have_title("My library account - Taipei Public Library")
    expect(page.locator("#profile")).to_contain_text("Waiting for identity verification at a counter")
    assert han_on(page, "林小明", *address_words(reader["mailing_address"])) == []

    page.get_by_role("button", name="Enable the Taipei–New Taipei one-card service").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#consent-title")).to_have_text(re.compile("^Consent"))
    # The partners' signed documents (each version's text is fixed by its hash) name 個人書房 as the service's
    # name; nothing else of the dialog is Chinese.
    assert han_on(page, "林小明", *address_words(reader["mailing_address"]), "個人書房") == []
    dialog.get_by_role("button", name="Close").click()

    page.goto(f"{stack.url}/card")
    expect(page).to_have_title("My library card - Taipei Public Library")
    expect(page.get_by_text("Your card has not been issued yet")).to_be_visible()
    assert han_on(page) == []


def test_a_card_holders_study_in_english(stack, page):
    from tests.e2e.test_web_library_card import log_in_as_card_holder

    log_in_as_card_holder(page, stack)
    in_english(page)
    profile = page.request.get(f"{stack.url}/v1/readers/me").json()
    expect(page.locator("#card")).to_contain_text("Valid until")
    assert han_on(page, profile["name"], profile.get("library_address") or "") == []
