"""The SIP2 wire format: checksums against the specification's own examples, the layout of every message the
service uses, refusal of malformed and truncated answers, and the masking of secrets in log lines."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from onecard.infra import sip2_codec as codec

# Examples printed in the 3M SIP2 2.00 specification (whose checksums add up; a few others in it do not).
SPEC_EXAMPLES = [
    "990 402.00AY1AZFCB4",
    "9900401.00AY1AZFCA5",
    "941AY3AZFDFA",
    "6300119980723    091905Y         AOInstitutionID|AAPatronID|BP00001|BQ00005|AY1AZEA83",
]


@pytest.mark.parametrize("example", SPEC_EXAMPLES)
def test_checksum_of_the_specification_examples(example):
    prefix, given = example[:-4], example[-4:]
    assert codec.checksum(prefix.encode()) == given
    assert codec.decode((example + "\r").encode(), require_checksum=True).command == example[:2]


def test_sc_status_is_framed_as_in_the_specification():
    assert codec.encode(codec.sc_status(30), 1) == b"9900302.00AY1AZFCA5\r"


def test_a_message_without_error_detection_has_no_trailer():
    assert codec.encode(codec.sc_status(), None) == b"9900002.00\r"


def test_a_wrong_checksum_is_refused():
    with pytest.raises(codec.Sip2ChecksumError):
        codec.decode(b"941AY3AZFDFB\r")


def test_a_checksum_that_is_not_hex_is_refused():
    with pytest.raises(codec.Sip2FormatError):
        codec.decode(b"941AY3AZ+DFA\r")


def test_a_missing_checksum_is_refused_when_required():
    with pytest.raises(codec.Sip2ChecksumError):
        codec.decode(b"941\r", require_checksum=True)
    assert codec.decode(b"941\r").fixed == "1"


def test_login_fields_in_order_with_sequence_and_checksum():
    frame = codec.encode(codec.login("sc-user", "s3cret", "MAIN"), 5)
    assert frame.startswith(b"9300CNsc-user|COs3cret|CPMAIN|AY5AZ")
    assert frame.endswith(b"\r")
    decoded = codec.decode(frame, require_checksum=True)
    assert (decoded.command, decoded.fixed, decoded.sequence) == ("93", "00", 5)
    assert decoded.fields == (("CN", "sc-user"), ("CO", "s3cret"), ("CP", "MAIN"))


def test_login_without_location_has_no_cp():
    assert b"CP" not in codec.encode(codec.login("u", "p"), 0)


def test_login_response_ok_and_refused():
    assert codec.decode(codec.encode(codec.login_response(True), 2)).fixed == "1"
    assert codec.decode(codec.encode(codec.login_response(False), 2)).fixed == "0"


def test_patron_information_request_layout():
    at = dt.datetime(2025, 3, 2, 9, 5, 7)
    frame = codec.encode(codec.patron_information("TPML", "TP90000001", "pw", at), 1)
    assert frame.startswith(b"63" + b"000" + b"20250302    090507" + b" " * 10 + b"AOTPML|AATP90000001|ADpw|AY1AZ")
    decoded = codec.decode(frame, require_checksum=True)
    assert [fid for fid, _ in decoded.fields] == ["AO", "AA", "AD"]


def test_patron_information_lookup_without_password_sends_no_ad():
    frame = codec.encode(codec.patron_information("TPML", "TP90000001", None, dt.datetime(2025, 1, 1)), 0)
    assert b"|AD" not in frame


def test_patron_information_response_of_the_specification_is_read_field_by_field():
    example = (
        "64              00119980723    104009000100000002000100020000AOInstitutionID for PatronID|"
        "AAPatronID|AEPatron Name|BZ0002|CA0003|CB0010|BLY|ASItemID1 for PatronID|AUChargeItem1|"
        "AUChargeItem2|BDHome Address|BEE Mail Address|BFHome Phone for PatronID|AFScreenMessage 0|AFScreen 1|"
    )
    message = codec.decode((example + "\r").encode())
    assert message.fixed[:14] == " " * 14
    assert message.get("AA") == "PatronID"
    assert message.get("AE") == "Patron Name"
    assert message.get("BL") == "Y"
    assert message.get_all("AU") == ["ChargeItem1", "ChargeItem2"]
    assert (message.get("BD"), message.get("BE"), message.get("BF")) == (
        "Home Address",
        "E Mail Address",
        "Home Phone for PatronID",
    )
    assert message.get("CQ") is None


def test_acs_status_of_the_specification_is_read():
    example = "98YYYNYN01000319960214    1447001.00AOID_21|AMCentral Library|ANtty30|AFScreen Message|AGPrint Message|"
    message = codec.decode((example + "\r").encode())
    assert message.fixed[0] == "Y"
    assert message.fixed[-4:] == "1.00"
    assert message.get("AM") == "Central Library"


def test_acs_status_we_build_round_trips():
    frame = codec.encode(codec.acs_status("TPML", dt.datetime(2025, 1, 1, 12), online=False), 3)
    message = codec.decode(frame, require_checksum=True)
    assert message.fixed[0] == "N" and message.fixed[-4:] == "2.00" and (message.get("BX") or "")[4:8] == "YYYY"


def test_chinese_names_travel_in_utf8_and_the_checksum_counts_bytes():
    answer = codec.Message(
        "64",
        " " * 14 + "000" + "20250101    000000" + "0000" * 6,
        (("AO", "TPML"), ("AA", "TP90000001"), ("AE", "陳大文"), ("BL", "Y")),
    )
    frame = codec.encode(answer, 7)
    assert codec.checksum(frame[:-5]) == frame[-5:-1].decode()
    assert codec.decode(frame, require_checksum=True).get("AE") == "陳大文"


def test_a_frame_ending_in_cr_lf_is_read():
    assert codec.decode(codec.encode(codec.login_response(True), 4) + b"\n").sequence == 4


@pytest.mark.parametrize(
    "frame",
    [
        b"64   \r",  # fixed part truncated
        b"64" + b" " * 59 + b"AOTPML|AATP9\r",  # last field without its terminator
        b"64" + b" " * 59 + b"A|\r",  # a field without an identifier
        b"XX1\r",  # unknown command
        b"\r",  # empty
        b"94\x001\r",  # NUL inside
        "94\u00e9".encode("latin-1") + b"\r",  # not UTF-8
    ],
)
def test_malformed_and_truncated_answers_are_refused(frame):
    with pytest.raises(codec.Sip2FormatError):
        codec.decode(frame)


def test_a_value_that_would_break_the_frame_is_not_encoded():
    for value in ("a|b", "a\rb", "a\nb"):
        with pytest.raises(codec.Sip2FormatError):
            codec.encode(codec.login("user", value), 0)


def test_a_wrong_fixed_part_is_not_encoded():
    with pytest.raises(codec.Sip2FormatError):
        codec.encode(codec.Message("63", "000"), 0)


def test_masked_hides_passwords_and_the_patron_identifier():
    login = codec.encode(codec.login("sc-user", "s3cret", "MAIN"), 5)
    request = codec.encode(
        codec.patron_information("TPML", "F131104093", "tpml2024", dt.datetime(2025, 1, 1), terminal_password="term"), 1
    )
    shown_login, shown_request = codec.masked(login), codec.masked(request)
    assert "s3cret" not in shown_login and "CO***" in shown_login and "CNsc-user" in shown_login
    for secret in ("tpml2024", "F131104093", "term"):
        assert secret not in shown_request
    assert "AD***" in shown_request and "AOTPML" in shown_request


def test_masked_hides_the_checksum_from_which_the_passwords_byte_sum_follows():
    request = codec.encode(codec.patron_information("TPML", "F131104093", "tpml2024", dt.datetime(2025, 1, 1)), 3)
    resend = codec.encode(codec.Message("96", ""), 0)
    checksum = request.rstrip(b"\r")[-4:].decode()

    shown = codec.masked(request)

    assert shown.endswith("AY3AZ****") and checksum not in shown[-8:]
    assert codec.masked(resend) == "96AZ****"
    assert codec.masked(b"9300CNuser|COpw|AY1AZF") == "9300CNuser|CO***|AY1AZ****"  # cut off inside the checksum


def test_masked_works_on_a_truncated_frame_and_on_text():
    assert "s3cr" not in codec.masked(b"9300CNuser|COs3cr")
    assert codec.masked("9300CNuser|COpw|") == "9300CNuser|CO***|"


def test_dates_as_library_systems_send_them():
    assert codec.parse_date("19850302") == dt.date(1985, 3, 2)
    assert codec.parse_date("20261231    235959") == dt.date(2026, 12, 31)
    assert codec.parse_date("1985-03-02") == dt.date(1985, 3, 2)
    assert codec.parse_date("") is None and codec.parse_date(None) is None and codec.parse_date("soon") is None


def test_the_ils_interface_imports_no_adapter_and_no_socket():
    layer = Path(__file__).resolve().parents[2] / "layers" / "common"
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, onecard.ils; print(sorted(sys.modules))"],
        cwd=layer,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "sip2" not in loaded and "'socket'" not in loaded


def test_patron_repr_holds_no_personal_data():
    from onecard.ils import CardStatus, Patron

    patron = Patron("TP90000001", "陳大文", CardStatus.VALID, id_number="F131104093", birth_date=dt.date(1985, 3, 2))
    assert "陳大文" not in repr(patron) and "F131104093" not in repr(patron) and "1985" not in repr(patron)
