"""Every body the Koha adapter sends is one Koha's published patron definition allows (api/v1/swagger/definitions/
patron.yaml: its properties and their types, ``required``, ``additionalProperties: false``, the read-only ones left
out), written here as our own JSON Schema and checked on the requests the simulated library system received."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import jsonschema
import pytest

from ils_simulator import (
    ID_NUMBER_ATTRIBUTE,
    READER_ID_ATTRIBUTE,
    IlsSimulator,
)
from onecard.ils.records import PatronCategory, PatronRecord
from tests.support.library_system import rest_door

STRING_OR_NULL = {"type": ["string", "null"]}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
BOOLEAN_OR_NULL = {"type": ["boolean", "null"]}
INTEGER_OR_NULL = {"type": ["integer", "null"]}
_NULLABLE_STRINGS = [
    "cardnumber",
    "surname",
    "firstname",
    "preferred_name",
    "middle_name",
    "title",
    "other_name",
    "initials",
    "pronouns",
    "street_number",
    "street_type",
    "address",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "email",
    "phone",
    "mobile",
    "fax",
    "secondary_email",
    "secondary_phone",
    "altaddress_street_number",
    "altaddress_street_type",
    "altaddress_address",
    "altaddress_address2",
    "altaddress_city",
    "altaddress_state",
    "altaddress_postal_code",
    "altaddress_country",
    "altaddress_email",
    "altaddress_phone",
    "staff_notes",
    "relationship_type",
    "gender",
    "userid",
    "opac_notes",
    "altaddress_notes",
    "statistics_1",
    "statistics_2",
    "altcontact_firstname",
    "altcontact_surname",
    "altcontact_address",
    "altcontact_address2",
    "altcontact_city",
    "altcontact_state",
    "altcontact_postal_code",
    "altcontact_country",
    "altcontact_phone",
    "sms_number",
    "overdrive_auth_token",
]
READ_ONLY = {"patron_id", "restricted", "anonymized", "expired"}

PATRON_DEFINITION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["surname", "library_id", "category_id"],
    "properties": {
        **dict.fromkeys(_NULLABLE_STRINGS, STRING_OR_NULL),
        **dict.fromkeys(("date_of_birth", "date_enrolled", "expiry_date", "date_renewed"), DATE_OR_NULL),
        **dict.fromkeys(("incorrect_address", "patron_card_lost"), BOOLEAN_OR_NULL),
        **dict.fromkeys(("sms_provider_id", "login_attempts", "checkouts_count"), INTEGER_OR_NULL),
        "library_id": {"type": "string"},
        "category_id": {"type": "string"},
        "lang": {"type": "string"},
        "check_previous_checkout": {"type": "string"},
        "autorenew_checkouts": {"type": "boolean"},
        "privacy": {"type": "integer"},
        "privacy_guarantor_checkouts": {"type": "integer"},
        "privacy_guarantor_fines": {"type": "boolean"},
        "updated_on": {"type": "string", "format": "date-time"},
        "last_seen": {"type": ["string", "null"], "format": "date-time"},
        "extended_attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "value"],
                "properties": {
                    "extended_attribute_id": {"type": "integer"},
                    "type": {"type": "string"},
                    "value": {"type": "string"},
                },
            },
        },
    },
}
PASSWORD_BODY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["password", "password_2"],
    "properties": {"password": {"type": "string"}, "password_2": {"type": "string"}},
}


def check(body: dict, schema: dict) -> None:
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)
    assert not READ_ONLY & set(body)


@pytest.fixture
def sent():
    """What the adapter sent while creating, upgrading, correcting, re-keying and deleting patrons."""
    with IlsSimulator().running() as simulator:
        records = rest_door(simulator, timeout=1.0)
        every_field = PatronRecord(
            surname="林",
            firstname="書蟲",
            category=PatronCategory.PROVISIONAL,
            id_number="A123456789",
            date_of_birth=dt.date(2000, 2, 29),
            gender="F",
            email="reader@example.com",
            phone="0227201234",
            mobile="0911222333",
            address="中山路1號",
            city="臺北市",
            postal_code="100",
            country="TW",
            expiry_date=dt.date(2029, 12, 31),
            lang="zh-Hant-TW",
            staff_notes="family card of household 12345",
            external_id="R-0001",
        )
        created = records.create_patron(every_field)
        records.update_patron(
            created.patron_id,
            PatronRecord(surname="林", category=PatronCategory.FULL, cardnumber="TP91000009", expiry_date=None),
        )
        records.update_patron(
            created.patron_id, PatronRecord(surname="林", email="new@example.com"), clear=frozenset({"phone", "city"})
        )
        records.update_patron(created.patron_id, PatronRecord(surname="林", id_number="A223456781"))
        records.set_password(created.patron_id, "shelf2026")
        records.find_patron(cardnumber="TP91000009")
        records.find_patron(external_id="R-0001")
        records.delete_patron(created.patron_id)
        yield simulator.rest.received


def test_every_patron_body_sent_is_one_kohas_patron_definition_allows(sent):
    bodies = [(method, target, body) for method, target, body in sent if method in ("POST", "PUT")]
    patron_bodies = [body for _, target, body in bodies if not target.endswith("/password")]
    assert len(patron_bodies) == 4
    for body in patron_bodies:
        check(body, PATRON_DEFINITION)


def test_the_id_number_and_the_reader_id_travel_as_extended_attributes_never_as_properties(sent):
    created = next(body for method, target, body in sent if method == "POST" and target.endswith("/patrons"))
    assert {"type": ID_NUMBER_ATTRIBUTE, "value": "A123456789"} in created["extended_attributes"]
    assert {"type": READER_ID_ATTRIBUTE, "value": "R-0001"} in created["extended_attributes"]
    rekeyed = [body for method, _, body in sent if method == "PUT"][-1]
    assert {"type": ID_NUMBER_ATTRIBUTE, "value": "A223456781"} in rekeyed["extended_attributes"]
    assert {"type": READER_ID_ATTRIBUTE, "value": "R-0001"} in rekeyed["extended_attributes"]  # Koha replaces the list


def test_a_cleared_field_is_sent_as_null_and_an_untouched_one_not_at_all(sent):
    correction = [body for method, _, body in sent if method == "PUT"][1]
    assert correction["phone"] is None and correction["city"] is None
    assert correction["email"] == "new@example.com" and "address" not in correction


def test_the_password_body_is_kohas_password_and_password_2(sent):
    [(_, _, body)] = [item for item in sent if item[1].endswith("/password")]
    check(body, PASSWORD_BODY)
    assert body == {"password": "shelf2026", "password_2": "shelf2026"}


def test_searches_ask_for_an_exact_match_or_an_attribute_query(sent):
    searches = [urllib.parse.urlsplit(t).query for method, t, _ in sent if method == "GET" and "?" in t]
    by_card, by_reader = (urllib.parse.parse_qs(query) for query in searches)
    assert by_card == {"cardnumber": ["TP91000009"], "_match": ["exact"]}
    assert json.loads(by_reader["q"][0]) == {
        "extended_attributes.code": READER_ID_ATTRIBUTE,
        "extended_attributes.attribute": "R-0001",
    }
