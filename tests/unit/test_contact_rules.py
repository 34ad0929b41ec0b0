"""Telephone numbers: Taiwan mobiles to E.164, landlines with area code (and extension) to one canonical form."""

from __future__ import annotations

import pytest

from onecard.domain.contact import landline_issue, mobile_issue, normalise_landline, normalise_mobile
from tests.support.issues import reported


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "0912-345-678",
        "0912 345 678",
        "+886912345678",
        "+886 912 345 678",
        "886912345678",
        "+886-912-345-678",
        " 0912.345.678 ",
        "０９１２－３４５－６７８",
        "+886 (0)912 345 678",
        "0912\u2013345\u2013678",
    ],
)
def test_every_usual_spelling_of_a_mobile_becomes_e164(raw):
    assert normalise_mobile(raw) == "+886912345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0812345678",
        "091234567",
        "09123456789",
        "+85291234567",
        "+8869123456789",
        "0912-345-67a",
        "0912+345678",
        "09١٢٣٤٥٦٧٨",
        "912345678",
        "02-2345-6789",
    ],
)
def test_anything_but_09_and_eight_digits_is_not_a_mobile(raw):
    assert normalise_mobile(raw) is None


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("02-2345-6789", "+886-2-23456789"),
        ("(02)23456789", "+886-2-23456789"),
        ("(02) 2345 6789", "+886-2-23456789"),
        ("+886-2-2345-6789", "+886-2-23456789"),
        ("+886 (0)2 2345 6789", "+886-2-23456789"),
        ("03-425-1234", "+886-3-4251234"),
        ("037-123456", "+886-37-123456"),
        ("04-2234-5678", "+886-4-22345678"),
        ("04-723-4567", "+886-4-7234567"),
        ("049-2345678", "+886-49-2345678"),
        ("05-223-4567", "+886-5-2234567"),
        ("06-213-4567", "+886-6-2134567"),
        ("07-336-8333", "+886-7-3368333"),
        ("08-732-1234", "+886-8-7321234"),
        ("082-312345", "+886-82-312345"),
        ("0826-12345", "+886-826-12345"),
        ("0836-22381", "+886-836-22381"),
        ("089-123456", "+886-89-123456"),
        ("（０２）２３４５－６７８９", "+886-2-23456789"),
    ],
)
def test_landlines_with_their_area_code_are_accepted_in_canonical_form(raw, expected):
    assert normalise_landline(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "02-2345-6789#123",
        "02-2345-6789 #123",
        "02-2345-6789 ext. 123",
        "02-2345-6789 EXT 123",
        "02-2345-6789分機123",
        "02-2345-6789 分機 123",
        "02-2345-6789轉123",
        "02-2345-6789＃１２３",
    ],
)
def test_an_extension_may_be_written_in_several_ways(raw):
    assert normalise_landline(raw) == "+886-2-23456789#123"


def test_the_longest_area_code_decides_how_a_number_is_split():
    assert normalise_landline("03-7123456") == "+886-37-123456"
    assert normalise_landline("08-2312345") == "+886-82-312345"


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "+886912345678",  # mobiles
        "070-1234-5678",
        "0800-123-456",
        "0204-123456",  # VoIP, toll-free, premium rate
        "02-345-6789",
        "02-2345-67890",
        "03-12345678",
        "037-1234567",
        "049-234567",
        "089-1234567",
        "0826-123456",
        "2345-6789",
        "23456789",
        "01-2345678",
        "002-886-2-23456789",  # no area code, or no such area code
        "02-2345-6789#1234567",
        "02-2345-6789#",
        "02-2345-6789 x123",
        "02-2345-678９a",
        "hello",
        "",
    ],
)
def test_mobiles_special_services_wrong_lengths_and_nonsense_are_not_landlines(raw):
    assert normalise_landline(raw) is None


def test_mobile_issue_explains_the_expected_shape():
    assert mobile_issue("mobile", "0912-345-678") is None
    issue = reported(mobile_issue("mobile", "02-2345-6789"))
    assert (issue.field, issue.code) == ("mobile", "mobile_format")
    assert "09" in issue.message and "10 碼" in issue.message


def test_landline_issue_is_reported_on_the_given_field():
    assert landline_issue("phone_office", "02-2345-6789 分機 12") is None
    issue = reported(landline_issue("phone_office", "2345-6789"))
    assert (issue.field, issue.code) == ("phone_office", "phone_format")
    assert "區碼" in issue.message


def test_a_mobile_in_a_landline_field_is_told_where_it_belongs():
    issue = reported(landline_issue("household_phone", "0912345678"))
    assert issue.code == "phone_format" and "行動電話欄" in issue.message
