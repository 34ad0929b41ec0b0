"""Properties of the identity checksums and of number normalisation, over many generated numbers.

The official checksum does not catch every single-digit change: under a weight that shares a factor with 10
(6, 5, 4, 2) a change by 5 (or, under 5, by any even amount) leaves the sum divisible by 10. So the property is
exact: a changed digit is caught unless weight × change is a multiple of 10. Under weights 1, 3 and 7 (the check
digit included) every change is caught, and so is a change of the second character when it is a digit, by the
format (only 1/2 or 8/9 may stand there) or by the sum (8 × ±1). An old-format letter is not a digit: D (3) → 8
changes the sum by 5 × 8 and gives a valid 2021-format number, so it is left out.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from onecard.domain.contact import normalise_mobile
from onecard.domain.identity import (
    IdType,
    generate_valid_national_id,
    generate_valid_resident_certificate,
    id_number_issue,
    is_valid_national_id,
    is_valid_resident_certificate,
    mask_id_number,
    normalise_id_number,
)
from tests.support.issues import reported

# Weight of each character's value from the second character on (the first letter counts through its two digits).
WEIGHTS = dict(zip(range(1, 10), (8, 7, 6, 5, 4, 3, 2, 1, 1), strict=False))
ALWAYS_CAUGHT = [1] + [position for position, weight in WEIGHTS.items() if weight in (1, 3, 7)]

kinds = st.sampled_from(
    [
        (IdType.NATIONAL_ID, generate_valid_national_id, is_valid_national_id),
        (
            IdType.RESIDENT_CERTIFICATE,
            lambda rng: generate_valid_resident_certificate(rng, True),
            is_valid_resident_certificate,
        ),
        (
            IdType.RESIDENT_CERTIFICATE,
            lambda rng: generate_valid_resident_certificate(rng, False),
            is_valid_resident_certificate,
        ),
    ]
)


def replace(number: str, position: int, character: str) -> str:
    return number[:position] + character + number[position + 1 :]


@given(kinds, st.randoms(use_true_random=False))
def test_every_generated_number_passes(kind, rng):
    id_type, generate, valid = kind
    number = generate(rng)
    assert valid(number)
    assert id_number_issue(id_type, number) is None


@given(kinds, st.randoms(use_true_random=False), st.sampled_from(range(2, 10)), st.integers(1, 9))
def test_a_changed_digit_is_caught_unless_weight_times_change_is_a_multiple_of_ten(kind, rng, position, change):
    id_type, generate, valid = kind
    number = generate(rng)
    changed = replace(number, position, str((int(number[position]) + change) % 10))
    caught = (WEIGHTS[position] * change) % 10 != 0
    assert valid(changed) is not caught
    if caught:
        assert reported(id_number_issue(id_type, changed)).code == "id_number_checksum"


@given(kinds, st.randoms(use_true_random=False), st.data())
def test_any_other_digit_under_a_weight_coprime_to_ten_makes_the_number_fail(kind, rng, data):
    _, generate, valid = kind
    number = generate(rng)
    position = data.draw(st.sampled_from([p for p in ALWAYS_CAUGHT if number[p].isdigit()]))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    assert not valid(replace(number, position, digit))


@given(kinds, st.randoms(use_true_random=False), st.data())
def test_full_width_lower_case_spaced_spellings_normalise_back_to_the_number(kind, rng, data):
    number = kind[1](rng)
    spelled = "".join(
        data.draw(st.sampled_from([c, c.lower(), chr(ord(c) + 0xFEE0), chr(ord(c.lower()) + 0xFEE0)])) for c in number
    )
    padding = st.text(alphabet=" \u3000\t", max_size=3)
    assert normalise_id_number(data.draw(padding) + spelled + data.draw(padding)) == number


@given(st.text(max_size=30))
def test_masking_never_reveals_more_than_half_and_keeps_the_length(number):
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    assert sum(c != "*" for c in masked) <= len(number) // 2


SPELLINGS = [
    "0{a}{b}{c}",
    "0{a}-{b}-{c}",
    "0{a} {b} {c}",
    "0{a}-{b}{c}",
    "+886{a}{b}{c}",
    "+886 {a} {b} {c}",
    "+886-{a}-{b}-{c}",
    "886{a}{b}{c}",
    "+886 (0){a} {b} {c}",
    " 0{a}.{b}.{c} ",
]


@given(st.from_regex(r"9[0-9]{8}", fullmatch=True), st.sampled_from(SPELLINGS), st.booleans())
def test_every_spelling_of_a_valid_mobile_normalises_to_the_same_e164(rest, spelling, full_width):
    raw = spelling.format(a=rest[:3], b=rest[3:6], c=rest[6:])
    if full_width:
        raw = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in raw)
    assert normalise_mobile(raw) == "+886" + rest
