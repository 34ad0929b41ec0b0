"""Telephone numbers over generated numbers: every landline of the numbering plan in every usual spelling, with and
without an extension, becomes one canonical form that normalises to itself; a digit too many or too few is refused;
a mobile is never a landline and a landline never a mobile.

The spellings of a mobile are proved in test_identity_properties.py; here only what that leaves open.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onecard.domain.contact import landline_issue, mobile_issue, normalise_landline, normalise_mobile
from tests.support.issues import reported

# The NCC's plan for local telephone numbers: area code (trunk prefix 0 included) → subscriber number lengths.
PLAN = {
    "02": {8},
    "03": {7},
    "037": {6},
    "04": {7, 8},
    "049": {7},
    "05": {7},
    "06": {7},
    "07": {7},
    "08": {7},
    "082": {6},
    "0826": {5},
    "0836": {5},
    "089": {6},
}

# Every area code and length of the plan is tried on every run, each with a share of the profile's examples.
PLAN_ENTRIES = [(code, length) for code in sorted(PLAN) for length in sorted(PLAN[code])]
each_plan_entry = pytest.mark.parametrize(("code", "length"), PLAN_ENTRIES)
per_plan_entry = settings(max_examples=max(5, settings().max_examples // 5))

LANDLINE_SPELLINGS = [
    "{code}{number}",
    "{code}-{head}-{tail}",
    "({code}){number}",
    "({code}) {head} {tail}",
    "+886-{short}-{head}-{tail}",
    "+886 {short} {number}",
    "+886 (0){short} {head} {tail}",
    "886{short}{number}",
    " {code}.{head}.{tail} ",
    "{code}\u2013{head}\u2013{tail}",
]
EXTENSION_SPELLINGS = [
    "#{digits}",
    " #{digits}",
    " # {digits}",
    " ext. {digits}",
    " EXT {digits}",
    "ext{digits}",
    "分機{digits}",
    " 分機 {digits}",
    "轉{digits}",
]


def longer_codes_starting_with(code: str) -> list[str]:
    """What a subscriber number behind ``code`` never begins with, as the longer area code would be read."""
    return [other[len(code) :] for other in PLAN if other != code and other.startswith(code)]


def subscriber_numbers(code: str, length: int) -> st.SearchStrategy[str]:
    """Subscriber numbers of ``length`` digits behind ``code``: starting with 1–9, and not with a longer code."""
    return st.from_regex(rf"[1-9][0-9]{{{length - 1}}}", fullmatch=True).filter(
        lambda n: not any(n.startswith(p) for p in longer_codes_starting_with(code))
    )


def landlines() -> st.SearchStrategy[tuple[str, str]]:
    """An area code and a subscriber number of a length the plan gives it."""
    return st.sampled_from(PLAN_ENTRIES).flatmap(lambda entry: st.tuples(st.just(entry[0]), subscriber_numbers(*entry)))


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def spell(spelling: str, code: str, number: str) -> str:
    middle = len(number) // 2
    return spelling.format(code=code, short=code[1:], number=number, head=number[:middle], tail=number[middle:])


mobiles = st.from_regex(r"09[0-9]{8}", fullmatch=True)
extensions = st.one_of(st.just(""), st.from_regex(r"[0-9]{1,6}", fullmatch=True))


@each_plan_entry
@per_plan_entry
@given(st.data(), st.sampled_from(LANDLINE_SPELLINGS), extensions, st.sampled_from(EXTENSION_SPELLINGS), st.booleans())
def test_every_spelling_of_a_landline_becomes_one_canonical_form_that_normalises_to_itself(
    code, length, data, spelling, extension, extension_spelling, in_full_width
):
    number = data.draw(subscriber_numbers(code, length))
    raw = spell(spelling, code, number) + (extension_spelling.format(digits=extension) if extension else "")
    if in_full_width:
        raw = full_width(raw)
    canonical = f"+886-{code[1:]}-{number}" + (f"#{extension}" if extension else "")
    assert normalise_landline(raw) == canonical
    assert normalise_landline(canonical) == canonical
    assert landline_issue("phone_home", raw) is None


@each_plan_entry
@per_plan_entry
@given(st.data(), st.sampled_from(LANDLINE_SPELLINGS), st.sampled_from(["drop", "add"]), st.integers(0, 9))
def test_a_landline_with_a_digit_too_many_or_too_few_is_refused_unless_the_plan_has_that_length(
    code, length, data, spelling, change, digit
):
    number = data.draw(subscriber_numbers(code, length))
    changed = number[:-1] if change == "drop" else number + str(digit)
    issue = landline_issue("phone_office", spell(spelling, code, changed))
    if len(changed) in PLAN[code]:  # Changhua's 7 digits and Taichung's 8 share the code 04
        assert issue is None
    else:
        assert (reported(issue).field, reported(issue).code) == ("phone_office", "phone_format")


@given(landlines(), st.from_regex(r"[0-9]{7,9}", fullmatch=True))
def test_an_extension_of_more_than_six_digits_is_refused(landline, extension):
    code, number = landline
    assert normalise_landline(f"{code}-{number}#{extension}") is None


@given(
    mobiles, st.sampled_from(["{a}{b}", "{a}-{b}", "+886 {a} {b}"]), st.sampled_from(["drop", "add"]), st.integers(0, 9)
)
def test_a_mobile_with_a_digit_too_many_or_too_few_is_refused_naming_the_field(mobile, spelling, change, digit):
    changed = mobile[:-1] if change == "drop" else mobile + str(digit)
    raw = spelling.format(a=changed[:4], b=changed[4:]).replace("+886 0", "+886 ")
    assert normalise_mobile(raw) is None
    issue = reported(mobile_issue("mobile", raw))
    assert (issue.field, issue.code) == ("mobile", "mobile_format")


@given(mobiles)
def test_a_normalised_mobile_normalises_to_itself(mobile):
    e164 = normalise_mobile(mobile)
    assert e164 == "+886" + mobile[1:]
    assert normalise_mobile(e164) == e164


# What people put between groups of digits: spaces of any kind, hyphens and dashes, dots, brackets.
separators = st.text(alphabet=" \u3000\t.-()\u2010\u2012\u2013\u2014\u2212\uff0d", max_size=2)


def scatter(digits: str, data: st.DataObject) -> str:
    return "".join(digit + data.draw(separators) for digit in digits)


@given(landlines(), mobiles, st.data())
def test_separators_anywhere_between_the_digits_change_nothing(landline, mobile, data):
    code, number = landline
    assert normalise_landline(scatter(code + number, data)) == f"+886-{code[1:]}-{number}"
    assert normalise_mobile(scatter(mobile, data)) == "+886" + mobile[1:]


@given(mobiles, st.sampled_from(["household_phone", "phone_home", "phone_office"]))
def test_a_mobile_in_a_landline_field_is_refused_and_pointed_to_the_mobile_field(mobile, field):
    assert normalise_landline(mobile) is None
    issue = reported(landline_issue(field, mobile))
    assert (issue.field, issue.code) == (field, "phone_format")
    assert "行動電話欄" in issue.message


@given(landlines(), st.sampled_from(LANDLINE_SPELLINGS))
def test_a_landline_is_never_a_mobile(landline, spelling):
    code, number = landline
    assert normalise_mobile(spell(spelling, code, number)) is None
