"""Names, birth dates, age and the calendar day in Taipei."""

from __future__ import annotations

import datetime as dt

import pytest

from onecard.domain.people import (
    TAIPEI,
    age_on,
    birth_date_issue,
    is_minor,
    name_issue,
    normalise_name,
    today_in_taipei,
)
from tests.support.issues import reported


def test_taipei_is_the_asia_taipei_zone():
    assert TAIPEI.key == "Asia/Taipei"


@pytest.mark.parametrize("utc_time,day", [((15, 59), dt.date(2026, 11, 25)), ((16, 0), dt.date(2026, 11, 26))])
def test_today_is_the_calendar_day_in_taipei_not_in_utc(utc_time, day):
    hour, minute = utc_time
    assert today_in_taipei(dt.datetime(2026, 11, 25, hour, minute, tzinfo=dt.UTC)) == day


def test_a_naive_now_is_refused_rather_than_read_in_the_machines_zone():
    with pytest.raises(ValueError):
        today_in_taipei(dt.datetime(2026, 11, 25, 12, 0))


@pytest.mark.parametrize(
    "raw,name",
    [
        ("  林小明 ", "林小明"),
        ("林  小明", "林 小明"),
        ("林\u3000\u3000小明", "林 小明"),
        ("Jos\u0065\u0301 Chen", "Jos\u00e9 Chen"),
        ("林\t小明\n", "林 小明"),
    ],
)
def test_names_are_trimmed_nfc_normalised_and_inner_spaces_collapsed(raw, name):
    assert normalise_name(raw) == name


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", "\n"])
def test_a_blank_name_is_required(raw):
    assert reported(name_issue(raw)).code == "name_required"


def test_fifty_characters_are_enough_and_fifty_one_too_many():
    assert name_issue("林" * 50) is None
    assert name_issue("林" * 25 + "   " + "林" * 24) is None  # 50 once the spaces are collapsed
    assert reported(name_issue("林" * 51)).code == "name_too_long"


@pytest.mark.parametrize("raw", ["林\x00小明", "林\x1b[31m", "林\x9b小明", "Ann\u202eeb", "林\ud800"])
def test_control_characters_are_refused(raw):
    issue = reported(name_issue(raw))
    assert (issue.field, issue.code) == ("name", "name_invalid")


@pytest.mark.parametrize("raw", ["林小明", "Mary-Jane O'Neil", "陳\ue000明", "ǂKx'ao"])
def test_ordinary_and_rare_character_names_are_accepted(raw):
    assert name_issue(raw) is None


TODAY = dt.date(2026, 11, 25)


def test_someone_born_today_has_a_valid_birth_date_and_is_aged_zero():
    assert birth_date_issue(TODAY, TODAY) is None
    assert age_on(TODAY, TODAY) == 0


def test_a_birth_date_after_today_is_in_the_future():
    assert reported(birth_date_issue(TODAY + dt.timedelta(days=1), TODAY)).code == "birth_date_future"


def test_birth_dates_start_on_1_january_1900():
    assert birth_date_issue(dt.date(1900, 1, 1), TODAY) is None
    assert reported(birth_date_issue(dt.date(1899, 12, 31), TODAY)).code == "birth_date_too_early"


def test_a_year_is_completed_on_the_birthday_not_the_day_before():
    assert age_on(dt.date(1990, 5, 17), dt.date(2026, 5, 16)) == 35
    assert age_on(dt.date(1990, 5, 17), dt.date(2026, 5, 17)) == 36


@pytest.mark.parametrize("day,minor", [(dt.date(2026, 11, 24), True), (dt.date(2026, 11, 25), False)])
def test_adulthood_begins_on_the_eighteenth_birthday(day, minor):
    assert is_minor(dt.date(2008, 11, 25), day) is minor


@pytest.mark.parametrize(
    "day,age",
    [(dt.date(2026, 2, 28), 17), (dt.date(2026, 3, 1), 18), (dt.date(2028, 2, 28), 19), (dt.date(2028, 2, 29), 20)],
)
def test_born_on_29_february_a_year_is_completed_on_1_march_in_common_years_and_on_29_february_in_leap_years(day, age):
    assert age_on(dt.date(2008, 2, 29), day) == age
    assert is_minor(dt.date(2008, 2, 29), day) is (age < 18)
