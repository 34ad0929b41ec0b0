"""The password rule over generated passwords, confirmations, ID numbers and birth dates.

test_password_rules.py shows one example of each rule; here each rule must hold for every input, and the issues
reported must be exactly the rules that are broken, each on its own field.
"""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import assume, given
from hypothesis import strategies as st

from onecard.domain.identity import generate_valid_national_id, generate_valid_resident_certificate
from onecard.domain.password import password_issues

LETTERS_AND_DIGITS = string.ascii_letters + string.digits
KEYBOARD_SYMBOLS = string.punctuation + string.whitespace + "\u3000"
good_passwords = st.text(alphabet=LETTERS_AND_DIGITS, min_size=4, max_size=10)
# Mostly near the rule's edges: letters and digits with now and then a space, a symbol, a full-width or accented
# letter, a control character; any length from empty to a little too long.
near_misses = st.text(
    alphabet=st.one_of(st.sampled_from(LETTERS_AND_DIGITS), st.sampled_from(string.punctuation + " "), st.characters()),
    max_size=13,
)
birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 12, 31))
id_numbers = st.one_of(
    st.builds(generate_valid_national_id, st.randoms(use_true_random=False)),
    st.builds(generate_valid_resident_certificate, st.randoms(use_true_random=False), st.booleans()),
    st.text(alphabet=string.ascii_uppercase + string.digits, min_size=5, max_size=20),  # passports, entry permits
)


def found(
    password: str, confirm: str, *, id_number: str | None = None, birth_date: dt.date | None = None
) -> set[tuple[str, str]]:
    issues = password_issues(password, confirm, id_number=id_number, birth_date=birth_date)
    assert all("密碼" in issue.message for issue in issues)
    return {(issue.field, issue.code) for issue in issues}


def spellings_of(birth: dt.date) -> list[str]:
    """How a birth date is written on forms in Taiwan: Gregorian, month and day, and the ROC year (from 1912)."""
    spellings = [birth.strftime("%Y%m%d"), birth.strftime("%m%d")]
    if birth.year >= 1912:
        roc_year = birth.year - 1911
        spellings += [f"{roc_year}{birth:%m%d}", f"{roc_year:03d}{birth:%m%d}"]
    return spellings


def in_any_case(text: str) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in text)).map("".join)


@given(good_passwords, id_numbers, birth_dates)
def test_four_to_ten_letters_or_digits_pass_unless_they_are_the_id_number_or_the_birth_date(password, number, birth):
    assume(password.upper() != number and password not in spellings_of(birth))
    assert found(password, password, id_number=number, birth_date=birth) == set()


@given(near_misses, st.one_of(near_misses, st.just(None)))
def test_the_issues_are_exactly_the_broken_rules_each_on_its_field(password, confirm):
    confirm = password if confirm is None else confirm
    expected = set()
    if not 4 <= len(password) <= 10:
        expected.add(("password", "password_length"))
    if any(c not in LETTERS_AND_DIGITS for c in password):
        expected.add(("password", "password_charset"))
    if confirm != password:
        expected.add(("password_confirm", "password_mismatch"))
    assert found(password, confirm) == expected


@given(st.text(alphabet=LETTERS_AND_DIGITS, min_size=3, max_size=9), st.characters(), st.data())
def test_one_character_other_than_an_ascii_letter_or_digit_is_a_charset_error(good, drawn, data):
    # Every symbol and space of a keyboard is tried each time; the drawn character brings the rest of Unicode.
    for intruder in [drawn, *KEYBOARD_SYMBOLS]:
        if intruder in LETTERS_AND_DIGITS:
            continue
        position = data.draw(st.integers(0, len(good)))
        password = good[:position] + intruder + good[position:]
        assert found(password, password) == {("password", "password_charset")}, repr(password)


@given(
    st.one_of(
        st.text(alphabet=LETTERS_AND_DIGITS, max_size=3), st.text(alphabet=LETTERS_AND_DIGITS, min_size=11, max_size=40)
    )
)
def test_one_character_too_few_or_too_many_is_a_length_error(password):
    assert found(password, password) == {("password", "password_length")}


@given(good_passwords, st.data())
def test_a_confirmation_that_differs_at_all_even_only_in_case_is_a_mismatch_on_the_confirmation(password, data):
    confirm = data.draw(
        st.one_of(
            in_any_case(password),
            st.text(alphabet=LETTERS_AND_DIGITS, min_size=4, max_size=10),
            st.sampled_from([" ", "\u3000", "a", "0"]).map(lambda extra: password + extra),
            st.just(password[:-1]),
        )
    )
    assume(confirm != password)
    assert found(password, confirm) == {("password_confirm", "password_mismatch")}


@given(birth_dates, st.data())
def test_every_usual_spelling_of_the_birth_date_is_refused(birth, data):
    password = data.draw(st.sampled_from(spellings_of(birth)))
    assert found(password, password, birth_date=birth) == {("password", "password_guessable")}


@given(birth_dates, birth_dates)
def test_the_full_date_of_another_day_is_not_the_birth_date(birth, other):
    assume(other != birth)
    password = other.strftime("%Y%m%d")
    assert found(password, password, birth_date=birth) == set()


@given(id_numbers, st.data())
def test_the_id_number_in_any_case_is_refused_however_the_number_was_typed(number, data):
    password = data.draw(in_any_case(number))
    typed = data.draw(
        st.sampled_from([number, number.lower(), "".join(chr(ord(c) + 0xFEE0) for c in number), f" {number}\u3000"])
    )
    expected = {("password", "password_guessable")}
    if len(number) > 10:  # a long passport number is refused for its length too, and told both
        expected.add(("password", "password_length"))
    assert found(password, password, id_number=typed) == expected


@given(id_numbers, st.data())
def test_a_password_one_character_away_from_the_id_number_is_not_the_id_number(number, data):
    position = data.draw(st.integers(0, len(number) - 1))
    character = data.draw(st.sampled_from(string.digits.replace(number[position], "")))
    password = number[:position] + character + number[position + 1 :]
    assume(len(password) <= 10)
    assert found(password, password, id_number=number) == set()
