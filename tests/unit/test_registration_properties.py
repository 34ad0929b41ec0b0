"""The whole form's rules over generated applications: whatever valid values are typed, and however, the form has no
issue; and the rules that depend on other fields (the password against the ID number and birth date typed
elsewhere on the form) see those fields as the applicant typed them.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from importlib import resources

from hypothesis import assume, given
from hypothesis import strategies as st

from onecard.domain.identity import (
    IdType,
    NationalityType,
    generate_valid_national_id,
    generate_valid_resident_certificate,
)
from onecard.domain.registration import registration_issues
from tests.support.applications import personal_application

TODAY = dt.date(2026, 11, 25)
ADULT_BIRTH_DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2008, 11, 25))
TABLE = [
    (city["name"], district["name"])
    for city in json.loads(
        resources.files("onecard.data").joinpath("taiwan_postal_codes.json").read_text(encoding="utf-8")
    )["cities"]
    for district in city["districts"]
]

randoms = st.randoms(use_true_random=False)
travel_numbers = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=5, max_size=20)
national_ids = st.builds(generate_valid_national_id, randoms)
resident_certificates = st.builds(generate_valid_resident_certificate, randoms, st.booleans())
# Each document a nationality may use (identity.ALLOWED_ID_TYPES), with a valid number of it.
identities = st.one_of(
    st.tuples(st.just(NationalityType.ROC), st.just(IdType.NATIONAL_ID), national_ids),
    st.tuples(
        st.sampled_from([NationalityType.MAINLAND, NationalityType.FOREIGN]),
        st.just(IdType.RESIDENT_CERTIFICATE),
        resident_certificates,
    ),
    st.tuples(st.just(NationalityType.MAINLAND), st.just(IdType.ENTRY_PERMIT), travel_numbers),
    st.tuples(st.just(NationalityType.FOREIGN), st.just(IdType.PASSPORT), travel_numbers),
)


def typed(number: str) -> st.SearchStrategy[str]:
    """The number as an applicant may type it: any case, half or full width, spaces around."""
    characters = st.tuples(
        *(st.sampled_from([c, c.lower(), chr(ord(c) + 0xFEE0), chr(ord(c.lower()) + 0xFEE0)]) for c in number)
    ).map("".join)
    return st.tuples(st.sampled_from(["", " ", "\u3000"]), characters, st.sampled_from(["", " "])).map("".join)


def identity_fields(nationality: NationalityType, id_type: IdType, id_number: str) -> dict:
    fields = {"nationality_type": nationality.value, "id_type": id_type.value, "id_number": id_number}
    if id_type is IdType.PASSPORT:
        fields["passport_country"] = "JP"
    return fields


def codes(application: dict) -> list[tuple[str, str]]:
    return [(issue.field, issue.code) for issue in registration_issues(application, TODAY)]


@given(
    identities,
    ADULT_BIRTH_DATES,
    st.sampled_from(TABLE),
    st.text(alphabet=string.ascii_letters + string.digits, min_size=4, max_size=10),
    st.from_regex(r"9[0-9]{8}", fullmatch=True),
    st.data(),
)
def test_a_form_of_generated_valid_values_however_typed_has_no_issue(identity, birth, place, password, mobile, data):
    nationality, id_type, number = identity
    assume(password.upper() != number and password.isalpha())  # letters only: never a spelling of the birth date
    city, district = place
    application = personal_application(
        **identity_fields(nationality, id_type, data.draw(typed(number))),
        birth_date=birth.isoformat(),
        password=password,
        password_confirm=password,
        mailing_address={"city": city.replace("臺", "台"), "district": district, "street": "1 號"},
        mobile=data.draw(st.sampled_from(["0{a}", "+886 {a}", "0{a} "])).format(a=mobile),
    )
    assert codes(application) == []


@given(identities, st.data())
def test_the_id_number_typed_in_any_case_or_width_is_refused_as_the_password(identity, data):
    nationality, id_type, number = identity
    assume(len(number) <= 10)
    password = data.draw(st.sampled_from([number, number.lower()]))
    application = personal_application(
        **identity_fields(nationality, id_type, data.draw(typed(number))), password=password, password_confirm=password
    )
    assert codes(application) == [("password", "password_guessable")]


@given(ADULT_BIRTH_DATES, st.sampled_from(["%Y%m%d", "%m%d"]))
def test_the_birth_date_given_on_the_form_is_refused_as_the_password(birth, spelling):
    password = birth.strftime(spelling)
    application = personal_application(birth_date=birth.isoformat(), password=password, password_confirm=password)
    assert codes(application) == [("password", "password_guessable")]
