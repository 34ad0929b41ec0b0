"""The signed partner protocol and data minimisation."""

from __future__ import annotations

from onecard.partners import protocol
from onecard.partners.client import answer_from_http

SECRET = b"shared-secret"


def test_a_signed_request_verifies_and_returns_its_timestamp():
    headers = protocol.signed_headers(SECRET, "LR1", 1_800_000_000, b'{"a":1}')
    assert protocol.verify(SECRET, headers, b'{"a":1}', now=1_800_000_100) == 1_800_000_000


def test_a_changed_body_another_secret_or_a_missing_signature_is_refused():
    headers = protocol.signed_headers(SECRET, "LR1", 1_800_000_000, b'{"a":1}')
    assert protocol.verify(SECRET, headers, b'{"a":2}', now=1_800_000_000) is None
    assert protocol.verify(b"other", headers, b'{"a":1}', now=1_800_000_000) is None
    assert (
        protocol.verify(
            SECRET, {k: v for k, v in headers.items() if "Signature" not in k}, b'{"a":1}', now=1_800_000_000
        )
        is None
    )


def test_a_timestamp_more_than_five_minutes_away_is_stale():
    headers = protocol.signed_headers(SECRET, "LR1", 1_800_000_000, b"{}")
    assert protocol.verify(SECRET, headers, b"{}", now=1_800_000_301) is None
    assert protocol.verify(SECRET, headers, b"{}", now=1_799_999_699) is None


def test_only_the_documents_fields_are_sent():
    profile = {
        "name": "林小明",
        "mobile": "+886912345678",
        "email": "a@example.com",
        "reader_id": "R1",
        "gender": "male",
    }
    sent = protocol.minimised(profile, ("reader_id", "name", "id_number", "mobile"), "A123456789")
    assert sent == {"reader_id": "R1", "name": "林小明", "id_number": "A123456789", "mobile": "+886912345678"}


def test_partner_answers_map_to_outcomes():
    assert answer_from_http(200, b'{"status":"active","partner_card_number":"N1"}', "link").partner_card_number == "N1"
    assert answer_from_http(202, b"", "link").outcome == "accepted"
    assert answer_from_http(422, b'{"reason":"no"}', "link").outcome == "rejected"
    assert answer_from_http(503, b"", "link").outcome == "retry"
    assert answer_from_http(429, b"", "link").outcome == "retry"


def test_malformed_signature_and_timestamp_headers_are_refused_without_an_error():
    good = protocol.signed_headers(SECRET, "LR1", 1_800_000_000, b"{}")
    malformed = [
        {protocol.SIGNATURE_HEADER: "é" * 64},
        {protocol.SIGNATURE_HEADER: "签名"},
        {protocol.SIGNATURE_HEADER: good[protocol.SIGNATURE_HEADER] + "00"},
        {protocol.SIGNATURE_HEADER: good[protocol.SIGNATURE_HEADER][:-1] + "\udcff"},
        {protocol.TIMESTAMP_HEADER: "１８００００００００"},  # full-width digits: isdigit() says yes
        {protocol.TIMESTAMP_HEADER: "²"},
        {protocol.TIMESTAMP_HEADER: "9" * 5000},
        {protocol.TIMESTAMP_HEADER: "-1"},
        {protocol.TIMESTAMP_HEADER: ""},
    ]
    for change in malformed:
        assert protocol.verify(SECRET, {**good, **change}, b"{}", now=1_800_000_000) is None, change


def test_a_signature_in_capitals_is_the_same_signature():
    headers = protocol.signed_headers(SECRET, "LR1", 1_800_000_000, b"{}")
    headers[protocol.SIGNATURE_HEADER] = headers[protocol.SIGNATURE_HEADER].upper()
    assert protocol.verify(SECRET, headers, b"{}", now=1_800_000_000) == 1_800_000_000
