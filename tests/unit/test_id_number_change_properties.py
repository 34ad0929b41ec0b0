"""Any one character of a valid ID number changed, and the documents without a check digit.

test_identity_properties.py proves the digits from the third character on. Here every position is changed to every
other ASCII letter and digit: the first letter, the second character (a digit, or an old-format letter A–D), and
letters put where digits belong. A change that breaks the shape is a format error; one that keeps it is caught by
the checksum unless weight × change of value is a multiple of 10. The value of the first letter is its two-digit
code weighted 1 and 9, which is the code's tens digit minus its units digit modulo 10; letters with equal values
(A, M and W, or B, N and Z, …) can stand for each other unnoticed, a blind spot of the official rule like the
others. A second character counts with weight 8; an old-format letter counts as the last digit of its code.
"""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from onecard.domain.identity import (
    LETTER_CODES,
    IdType,
    generate_valid_national_id,
    generate_valid_resident_certificate,
    id_number_issue,
    is_valid_national_id,
    is_valid_resident_certificate,
    normalise_id_number,
)
from tests.support.issues import reported

ALPHANUMERIC = string.ascii_uppercase + string.digits
# Weight of each position's value: the first letter's (already weighted) value, then 8, 7, … 1, and the check digit.
WEIGHTS = (1, 8, 7, 6, 5, 4, 3, 2, 1, 1)
SECOND_CHARACTERS = {
    IdType.NATIONAL_ID: "12",
    IdType.RESIDENT_CERTIFICATE: "89ABCD",
}
VALIDATORS = {IdType.NATIONAL_ID: is_valid_national_id, IdType.RESIDENT_CERTIFICATE: is_valid_resident_certificate}

checked_numbers = st.one_of(
    st.builds(lambda rng: (IdType.NATIONAL_ID, generate_valid_national_id(rng)), st.randoms(use_true_random=False)),
    st.builds(
        lambda rng, new: (IdType.RESIDENT_CERTIFICATE, generate_valid_resident_certificate(rng, new)),
        st.randoms(use_true_random=False),
        st.booleans(),
    ),
)


def value(position: int, character: str) -> int:
    if position == 0:
        code = LETTER_CODES[character]
        return code // 10 + 9 * (code % 10)
    if character.isdigit():
        return int(character)
    return LETTER_CODES[character] % 10


def keeps_the_shape(id_type: IdType, position: int, character: str) -> bool:
    if position == 0:
        return character in string.ascii_uppercase
    if position == 1:
        return character in SECOND_CHARACTERS[id_type]
    return character in string.digits


@given(checked_numbers)
def test_any_one_character_changed_is_refused_unless_weight_times_change_is_a_multiple_of_ten(kind):
    id_type, number = kind
    valid = VALIDATORS[id_type]
    for position, original in enumerate(number):
        for character in ALPHANUMERIC.replace(original, ""):
            changed = number[:position] + character + number[position + 1 :]
            issue = id_number_issue(id_type, changed)
            if not keeps_the_shape(id_type, position, character):
                assert not valid(changed)
                assert reported(issue).code == "id_number_format", changed
                continue
            unnoticed = WEIGHTS[position] * (value(position, character) - value(position, original)) % 10 == 0
            assert valid(changed) is unnoticed, (number, changed)
            assert issue is None if unnoticed else reported(issue).code == "id_number_checksum", changed


@given(checked_numbers)
def test_a_national_id_is_never_a_resident_certificate_and_the_reverse(kind):
    id_type, number = kind
    other = IdType.RESIDENT_CERTIFICATE if id_type is IdType.NATIONAL_ID else IdType.NATIONAL_ID
    assert reported(id_number_issue(other, number)).code == "id_number_format"


travel_documents = st.sampled_from([IdType.ENTRY_PERMIT, IdType.PASSPORT])
travel_numbers = st.text(alphabet=ALPHANUMERIC, min_size=5, max_size=20)


def is_alphanumeric_in_either_width(character: str) -> bool:
    half = chr(ord(character) - 0xFEE0) if "\uff01" <= character <= "\uff5e" else character
    return half.isascii() and half.isalnum()


@given(travel_documents, travel_numbers, st.data())
def test_every_five_to_twenty_letters_or_digits_are_a_travel_document_however_typed(id_type, number, data):
    spelled = "".join(
        data.draw(st.sampled_from([c, c.lower(), chr(ord(c) + 0xFEE0), chr(ord(c.lower()) + 0xFEE0)])) for c in number
    )
    padding = st.text(alphabet=" \u3000\t", max_size=2)
    typed = data.draw(padding) + spelled + data.draw(padding)
    assert normalise_id_number(typed) == number
    assert id_number_issue(id_type, typed) is None


@given(
    travel_documents,
    st.one_of(
        st.text(alphabet=ALPHANUMERIC, min_size=1, max_size=4), st.text(alphabet=ALPHANUMERIC, min_size=21, max_size=30)
    ),
)
def test_a_travel_document_shorter_than_five_or_longer_than_twenty_is_a_format_error(id_type, number):
    issue = reported(id_number_issue(id_type, number))
    assert (issue.field, issue.code) == ("id_number", "id_number_format")


@given(travel_documents, travel_numbers, st.characters(), st.data())
def test_any_other_character_inside_a_travel_document_is_a_format_error(id_type, number, drawn, data):
    # Every symbol and space of a keyboard is tried each time; the drawn character brings the rest of Unicode.
    for intruder in [drawn, *string.punctuation, *string.whitespace, "\u3000"]:
        if is_alphanumeric_in_either_width(intruder):
            continue
        position = data.draw(st.integers(1, len(number) - 1))
        issue = reported(id_number_issue(id_type, number[:position] + intruder + number[position:]))
        assert (issue.field, issue.code) == ("id_number", "id_number_format"), repr(intruder)


@given(st.sampled_from(list(IdType)), st.text(max_size=24))
def test_a_number_is_judged_by_its_canonical_form_and_normalising_twice_changes_nothing(id_type, typed):
    canonical = normalise_id_number(typed)
    assert normalise_id_number(canonical) == canonical
    assert id_number_issue(id_type, typed) == id_number_issue(id_type, canonical)
