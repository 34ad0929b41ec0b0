"""The duplicate match's normalised name and its keyed blind index."""

from __future__ import annotations

import datetime as dt

from onecard.lifecycle.duplicates import matching_name, person_index

KEY = b"k" * 32


def test_spacing_width_and_case_do_not_make_another_name():
    assert matching_name("林 小明") == matching_name("林小明") == matching_name("林\u3000小明")
    assert matching_name("Lin Xiao-Ming") == matching_name("ＬＩＮ  XIAO-MING")


def test_the_index_is_equal_for_the_same_person_and_differs_by_birth_date_name_and_key():
    same = person_index(KEY, "林 小明", dt.date(1990, 5, 17))

    assert same == person_index(KEY, "林小明", "1990-05-17")
    assert same != person_index(KEY, "林小明", "1990-05-18")
    assert same != person_index(KEY, "林小民", "1990-05-17")
    assert same != person_index(b"x" * 32, "林小明", "1990-05-17")
    assert "林" not in same and "1990" not in same
