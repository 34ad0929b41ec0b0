"""Passwords: 4–10 ASCII letters or digits, confirmed, and neither the ID number nor the birth date."""

from __future__ import annotations

import datetime as dt

import pytest

from onecard.domain.password import birth_date_spellings, password_issues

ID_NUMBER = "A123456789"
BIRTH = dt.date(2018, 1, 1)


def codes(
    password: str, confirm: str | None = None, *, id_number: str | None = ID_NUMBER, birth_date: dt.date | None = BIRTH
) -> list[str]:
    issues = password_issues(
        password, password if confirm is None else confirm, id_number=id_number, birth_date=birth_date
    )
    return [issue.code for issue in issues]


@pytest.mark.parametrize("password", ["read", "read2026", "Ab3d5F7h9J"])
def test_four_to_ten_letters_or_digits_are_accepted(password):
    assert codes(password) == []


@pytest.mark.parametrize("password", ["", "abc", "abcdefghijk"])
def test_a_password_shorter_than_four_or_longer_than_ten_is_refused(password):
    assert codes(password) == ["password_length"]


@pytest.mark.parametrize("password", ["密碼1234", "abc 12", "abcd!", "abcd\n", "ａｂｃｄ", "abcé"])
def test_anything_but_ascii_letters_and_digits_is_refused(password):
    assert codes(password) == ["password_charset"]


def test_length_and_charset_are_reported_together():
    assert codes("密") == ["password_length", "password_charset"]


def test_a_mismatch_is_reported_on_the_confirmation_field():
    issues = password_issues("read2026", "read2027", id_number=None, birth_date=None)
    assert [(i.field, i.code) for i in issues] == [("password_confirm", "password_mismatch")]
    assert "不一致" in issues[0].message


@pytest.mark.parametrize("password", ["A123456789", "a123456789"])
def test_the_id_number_in_any_case_is_guessable(password):
    assert codes(password) == ["password_guessable"]


def test_the_id_number_is_compared_in_its_canonical_form():
    assert codes("A123456789", id_number=" ａ123456789 ") == ["password_guessable"]


@pytest.mark.parametrize("password", ["20180101", "0101", "1070101"])
def test_the_birth_date_in_gregorian_month_day_and_roc_forms_is_guessable(password):
    assert codes(password) == ["password_guessable"]


@pytest.mark.parametrize("password", ["20101231", "1231", "991231", "0991231"])
def test_a_roc_year_below_100_is_refused_with_and_without_zero_padding(password):
    assert codes(password, birth_date=dt.date(2010, 12, 31)) == ["password_guessable"]


def test_a_birth_before_the_roc_calendar_has_no_roc_spelling():
    assert birth_date_spellings(dt.date(1911, 5, 6)) == {"19110506", "0506"}
    assert birth_date_spellings(dt.date(1912, 5, 6)) == {"19120506", "0506", "10506", "0010506"}


def test_other_dates_and_numbers_are_not_guessable():
    assert codes("20180102") == [] and codes("1070102") == [] and codes("A123456780") == []


def test_without_id_number_or_birth_date_only_the_shape_is_checked():
    assert codes("0101", id_number=None, birth_date=None) == []


def test_a_too_long_password_equal_to_a_passport_number_is_told_both():
    assert codes("AB1234567890", id_number="ab1234567890") == ["password_length", "password_guessable"]


def test_a_guessable_password_that_is_mistyped_in_confirmation_gets_both_issues():
    assert codes("0101", "0102") == ["password_guessable", "password_mismatch"]


def test_messages_are_in_traditional_chinese():
    issues = password_issues("密", "x", id_number=None, birth_date=None)
    assert [i.message for i in issues][:1] == ["密碼長度應為 4 到 10 碼"]
    assert all("密碼" in i.message for i in issues)
