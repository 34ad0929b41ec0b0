"""Card holders added to the simulated library system: what a body must hold, and the field named when it does not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ils_simulator import PatronRefused, patrons_from_json

TODAY = dt.date(2026, 11, 30)


def card_holder(**changes: Any) -> dict[str, Any]:
    return {
        "barcode": "TP91000001",
        "id_number": "A123456789",
        "password": "shelf-2026",
        "name": "張書蟲",
        "birth_date": "1999-04-01",
        **changes,
    }


def test_a_card_holder_is_read_with_upper_cased_numbers_and_a_card_valid_two_years_on():
    [patron] = patrons_from_json(
        {"patrons": [card_holder(barcode="tp91000001", id_number="a123456789", phone="0911222333", email=None)]}, TODAY
    )

    assert (patron.barcode, patron.id_number, patron.password) == ("TP91000001", "A123456789", "shelf-2026")
    assert (patron.birth_date, patron.card_expires) == (dt.date(1999, 4, 1), dt.date(2028, 12, 31))
    assert (patron.phone, patron.email, patron.address) == ("0911222333", None, None)


def test_a_given_expiry_is_kept_even_when_past():
    [patron] = patrons_from_json({"patrons": [card_holder(card_expires="2020-06-30")]}, TODAY)
    assert patron.card_expires == dt.date(2020, 6, 30)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([card_holder()], "patrons"),
        ({"patrons": []}, "patrons"),
        ({"patrons": card_holder()}, "patrons"),
        ({"patrons": [card_holder()], "extra": 1}, "patrons"),
        ({"patrons": ["TP91000001"]}, "patrons[0]"),
        (
            {"patrons": [card_holder(barcode="TP91000009", id_number="C123456781"), card_holder(password=None)]},
            "patrons[1].password",
        ),
        ({"patrons": [{k: v for k, v in card_holder().items() if k != "name"}]}, "patrons[0].name"),
        ({"patrons": [card_holder(name="  ")]}, "patrons[0].name"),
        ({"patrons": [card_holder(name="林|AD")]}, "patrons[0].name"),
        ({"patrons": [card_holder(password="a\rb")]}, "patrons[0].password"),
        ({"patrons": [card_holder(barcode="TP 9100")]}, "patrons[0].barcode"),
        ({"patrons": [card_holder(id_number=123456789)]}, "patrons[0].id_number"),
        ({"patrons": [card_holder(birth_date="1999/04/01")]}, "patrons[0].birth_date"),
        ({"patrons": [card_holder(birth_date="19990401")]}, "patrons[0].birth_date"),
        ({"patrons": [card_holder(birth_date="2027-01-01")]}, "patrons[0].birth_date"),
        ({"patrons": [card_holder(card_expires="soon")]}, "patrons[0].card_expires"),
        ({"patrons": [card_holder(phone=911222333)]}, "patrons[0].phone"),
        ({"patrons": [card_holder(email="a|b@example.com")]}, "patrons[0].email"),
        ({"patrons": [card_holder(gender="female")]}, "patrons[0].gender"),
        ({"patrons": [card_holder(), card_holder(barcode="TP91000002")]}, "patrons[1].id_number"),
        ({"patrons": [card_holder(), card_holder(id_number="B123456780", barcode="tp91000001")]}, "patrons[1].barcode"),
    ],
)
def test_a_wrong_body_is_refused_naming_the_field(body, field):
    with pytest.raises(PatronRefused) as refused:
        patrons_from_json(body, TODAY)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")
