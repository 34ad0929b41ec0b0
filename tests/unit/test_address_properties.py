"""Addresses against the whole postal table, read from the data file itself rather than through the module: every
district is accepted in its own city with its own postal code (however 臺 and spaces are typed), refused in every
other city on the district field, and a built address, checked and built again, is unchanged.
"""

from __future__ import annotations

import json
import unicodedata
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onecard.domain.address import (
    MAX_STREET_LENGTH,
    Address,
    address_issues,
    build_address,
    normalise_city,
    postal_code,
)

TABLE = {
    city["name"]: {d["name"]: d["postal_code"] for d in city["districts"]}
    for city in json.loads(
        resources.files("onecard.data").joinpath("taiwan_postal_codes.json").read_text(encoding="utf-8")
    )["cities"]
}
PAIRS = [(city, district, code) for city, districts in TABLE.items() for district, code in districts.items()]
ADDRESS_FIELDS = ["mailing_address", "household_address"]

pairs = st.sampled_from(PAIRS)
blanks = st.text(alphabet=" \u3000", max_size=2)
# A street is any text without control, invisible-format or surrogate characters (those are refused on purpose),
# short enough to stay within the limit even where NFC writes one character as three.
street_characters = st.characters(exclude_categories=("Cc", "Cf", "Cs"))
streets = st.text(alphabet=street_characters, max_size=30).filter(lambda s: s.strip())


def typed_as_people_do(name: str, data: st.DataObject) -> str:
    """Each 臺 typed as 台 or not, spaces around."""
    spelled = "".join(data.draw(st.sampled_from(["臺", "台"])) if c == "臺" else c for c in name)
    return data.draw(blanks) + spelled + data.draw(blanks)


def test_the_table_has_every_city_and_district():
    assert len(TABLE) == 22 and len(PAIRS) == 371


@pytest.mark.parametrize("city", TABLE)
def test_every_district_is_accepted_in_its_city_with_its_postal_code(city):
    for district, code in TABLE[city].items():
        assert address_issues("mailing_address", city, district, "1 號") == []
        assert postal_code(city, district) == code
        assert build_address(city, district, "1 號") == Address(city, district, "1 號", code)


@pytest.mark.parametrize("city", TABLE)
def test_a_district_of_another_city_is_refused_on_the_district_field_naming_both(city):
    for other_city, district, _ in PAIRS:
        if district in TABLE[city]:  # 中正區, 信義區, 東區 … exist in several cities
            continue
        issues = address_issues("household_address", city, district, "1 號")
        assert [(i.field, i.code) for i in issues] == [("household_address.district", "district_unknown")], other_city
        assert district in issues[0].message and city in issues[0].message
        assert postal_code(city, district) is None
        with pytest.raises(ValueError):
            build_address(city, district, "1 號")


@given(pairs, st.sampled_from(ADDRESS_FIELDS), streets, st.data())
def test_a_district_is_found_however_tai_and_spaces_are_typed(pair, field, street, data):
    city, district, code = pair
    typed_city, typed_district = typed_as_people_do(city, data), typed_as_people_do(district, data)
    assert address_issues(field, typed_city, typed_district, street) == []
    built = build_address(typed_city, typed_district, street)
    assert (built.city, built.district, built.postal_code) == (city, district, code)


@given(pairs, streets, st.data())
def test_building_an_address_again_from_a_built_one_changes_nothing(pair, street, data):
    city, district, _ = pair
    built = build_address(typed_as_people_do(city, data), typed_as_people_do(district, data), street)
    assert address_issues("mailing_address", built.city, built.district, built.street) == []
    assert build_address(built.city, built.district, built.street) == built


@given(pairs, streets)
def test_a_street_typed_in_decomposed_unicode_is_stored_as_the_composed_one(pair, street):
    city, district, _ = pair
    decomposed = build_address(city, district, unicodedata.normalize("NFD", street))
    assert decomposed == build_address(city, district, unicodedata.normalize("NFC", street))


@given(st.text(max_size=12))
def test_normalising_a_city_name_twice_is_normalising_it_once(typed):
    once = normalise_city(typed)
    assert normalise_city(once) == once


@given(pairs, streets, st.characters(categories=("Cc", "Cf", "Cs")), st.data())
def test_a_control_or_invisible_character_anywhere_in_the_street_is_refused(pair, street, intruder, data):
    city, district, _ = pair
    position = data.draw(st.integers(0, len(street)))
    issues = address_issues("mailing_address", city, district, street[:position] + intruder + street[position:])
    assert [(i.field, i.code) for i in issues] == [("mailing_address.street", "street_invalid")]


# Words of any length between runs of spaces, so that a street is often longer as typed than once collapsed.
spaced_streets = st.lists(
    st.tuples(
        st.text(alphabet=" \u3000\u00a0", min_size=1, max_size=4), st.text(alphabet=street_characters, max_size=12)
    ),
    max_size=30,
).map(lambda parts: "".join(gap + word for gap, word in parts))


@given(spaced_streets)
def test_a_street_is_judged_on_its_length_after_spaces_are_collapsed(street):
    collapsed = " ".join(unicodedata.normalize("NFC", street).split())
    issues = address_issues("mailing_address", "臺北市", "中正區", street)
    if not collapsed:
        expected = [("mailing_address.street", "street_required")]
    elif len(collapsed) > MAX_STREET_LENGTH:
        expected = [("mailing_address.street", "street_too_long")]
    else:
        expected = []
    assert [(i.field, i.code) for i in issues] == expected
