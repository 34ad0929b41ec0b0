"""The application form's rules: identity numbers, phones, passwords, addresses, names and age."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onecard.domain import address, contact, identity, password, people
from onecard.domain.identity import IdType, NationalityType
from tests.support.issues import reported


@pytest.mark.parametrize("number", ["A123456789", "F131104093"])
def test_known_valid_national_ids_pass(number):
    assert identity.is_valid_national_id(number)
    assert identity.id_number_issue(IdType.NATIONAL_ID, number) is None


def test_national_id_with_wrong_check_digit_is_reported_as_checksum_error():
    assert reported(identity.id_number_issue(IdType.NATIONAL_ID, "A123456788")).code == "id_number_checksum"


@pytest.mark.parametrize("number", ["A323456789", "1234567890", "A12345678", "AB23456789", ""])
def test_malformed_national_ids_are_format_errors(number):
    issue = reported(identity.id_number_issue(IdType.NATIONAL_ID, number))
    assert issue.code in ("id_number_format", "id_number_required") and issue.field == "id_number"


def test_full_width_lower_case_and_spaced_numbers_are_normalised():
    assert identity.normalise_id_number("　ａ123456789 ") == "A123456789"


def test_both_resident_certificate_formats_are_checked():
    rng = random.Random(7)
    new, old = (identity.generate_valid_resident_certificate(rng, f) for f in (True, False))
    assert new[1] in "89" and old[1] in "ABCD"
    assert identity.is_valid_resident_certificate(new) and identity.is_valid_resident_certificate(old)
    broken = old[:-1] + str((int(old[-1]) + 1) % 10)
    assert reported(identity.id_number_issue(IdType.RESIDENT_CERTIFICATE, broken)).code == "id_number_checksum"


def test_nationality_decides_which_documents_may_be_used():
    assert identity.id_type_issue(NationalityType.ROC, IdType.NATIONAL_ID) is None
    assert identity.id_type_issue(NationalityType.MAINLAND, IdType.ENTRY_PERMIT) is None
    assert reported(identity.id_type_issue(NationalityType.FOREIGN, IdType.NATIONAL_ID)).code == "id_type_not_allowed"


def test_masking_hides_at_least_half_of_the_number():
    masked = identity.mask_id_number("A123456789")
    assert masked == "A12*****89"
    assert sum(c == "*" for c in identity.mask_id_number("X1234567")) >= 4


# Weights of the 3rd to 10th characters in the official checksum. A change of a digit under a weight that shares a
# factor with 10 (2, 4, 5, 6) can keep the sum divisible by 10, so the checksum cannot catch every single-digit
# error there; under weights 1, 3 and 7 it always does.
_POSITION_WEIGHTS = dict(zip(range(2, 10), (7, 6, 5, 4, 3, 2, 1, 1), strict=False))
_ALWAYS_CAUGHT = [p for p, w in _POSITION_WEIGHTS.items() if w in (1, 3, 7, 9)]


@given(st.integers(min_value=0, max_value=2**32), st.data())
def test_any_generated_id_passes_and_a_changed_digit_under_a_coprime_weight_fails(seed, data):
    rng = random.Random(seed)
    for number, valid in (
        (identity.generate_valid_national_id(rng), identity.is_valid_national_id),
        (identity.generate_valid_resident_certificate(rng, True), identity.is_valid_resident_certificate),
        (identity.generate_valid_resident_certificate(rng, False), identity.is_valid_resident_certificate),
    ):
        assert valid(number)
        position = data.draw(st.sampled_from(_ALWAYS_CAUGHT))
        replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
        assert not valid(number[:position] + replacement + number[position + 1 :])


def test_changing_any_digit_fails_unless_the_weight_hides_that_particular_change():
    number = "A123456789"
    for position, weight in _POSITION_WEIGHTS.items():
        for digit in "0123456789":
            delta = int(digit) - int(number[position])
            if delta:
                changed = number[:position] + digit + number[position + 1 :]
                assert identity.is_valid_national_id(changed) is ((weight * delta) % 10 == 0)


@given(
    st.from_regex(r"9[0-9]{8}", fullmatch=True),
    st.sampled_from(["0{a}{b}", "0{a}-{b}", "+886 {a} {b}", "886{a}{b}", "+886-{a}-{b}"]),
)
def test_every_spelling_of_a_mobile_number_becomes_the_same_e164(rest, spelling):
    raw = spelling.format(a=rest[:3], b=rest[3:])
    assert contact.normalise_mobile(raw) == "+886" + rest


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("02-2345-6789", "+886-2-23456789"),
        ("(02)23456789 #123", "+886-2-23456789#123"),
        ("037-123456", "+886-37-123456"),
        ("0826-12345", "+886-826-12345"),
        ("04-2234-5678分機12", "+886-4-22345678#12"),
    ],
)
def test_landlines_with_area_codes_and_extensions_are_accepted(raw, expected):
    assert contact.normalise_landline(raw) == expected


@pytest.mark.parametrize("raw", ["0912345678", "02-123", "2345-6789", "hello"])
def test_mobiles_and_nonsense_are_not_landlines(raw):
    assert reported(contact.landline_issue("phone_home", raw)).code == "phone_format"


def test_password_rules_report_length_charset_mismatch_and_guessable_forms():
    birth = dt.date(2018, 1, 1)

    def codes(p, c=""):
        return {i.code for i in password.password_issues(p, c or p, id_number="A123456789", birth_date=birth)}

    assert codes("abc") == {"password_length"}
    assert codes("密碼1234") == {"password_charset"}
    assert codes("abcd", "abce") == {"password_mismatch"}
    for guess in ("a123456789", "20180101", "0101", "1070101"):
        assert codes(guess) == {"password_guessable"}
    assert codes("read2026") == set()


def test_roc_year_of_a_birth_before_2011_is_refused_zero_padded_too():
    issues = password.password_issues("0991231", "0991231", id_number=None, birth_date=dt.date(2010, 12, 31))
    assert [i.code for i in issues] == ["password_guessable"]


def test_every_city_has_districts_with_three_digit_postal_codes_and_tai_is_accepted():
    assert len(address.cities()) == 22
    assert all(len(address.postal_code(c, d) or "") == 3 for c in address.cities() for d in address.districts(c))
    assert address.postal_code("台北市", "信義區") == "110"
    assert address.postal_code("基隆市", "仁愛區") == "200"


def test_a_district_of_another_city_and_a_missing_street_are_reported_together():
    issues = address.address_issues("household_address", "基隆市", "大安區", " ")
    assert [(i.field, i.code) for i in issues] == [
        ("household_address.district", "district_unknown"),
        ("household_address.street", "street_required"),
    ]


def test_an_unknown_city_does_not_also_blame_the_district():
    issues = address.address_issues("mailing_address", "火星市", "中正區", "1 號")
    assert [i.field for i in issues] == ["mailing_address.city"]


@pytest.mark.parametrize(
    "birth,day,minor",
    [
        (dt.date(2008, 11, 25), dt.date(2026, 11, 25), False),
        (dt.date(2008, 11, 26), dt.date(2026, 11, 25), True),
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), True),
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), False),
    ],
)
def test_adulthood_begins_on_the_eighteenth_birthday(birth, day, minor):
    assert people.is_minor(birth, day) is minor


def test_today_is_the_calendar_day_in_taipei():
    late_utc = dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)
    assert people.today_in_taipei(late_utc) == dt.date(2026, 11, 26)


def test_names_are_trimmed_nfc_normalised_and_limited_to_fifty_characters():
    assert people.normalise_name("  林  小明 ") == "林 小明"
    assert reported(people.name_issue("林" * 51)).code == "name_too_long"
    assert reported(people.name_issue("   ")).code == "name_required"
    assert reported(people.birth_date_issue(dt.date(1899, 12, 31), dt.date(2026, 1, 1))).code == "birth_date_too_early"
