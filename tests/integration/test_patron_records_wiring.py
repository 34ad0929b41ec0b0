"""The functions reach the library system's REST door as the template configures it: its URL and codes from the
environment, its API client from the secret; a placeholder client is refused, never used."""

from __future__ import annotations

import pytest

from onecard.ils import LibrarySystemUnavailable


def test_the_functions_door_writes_to_the_library_system_the_stack_names(library):
    from onecard import wiring

    records = wiring.patron_records()
    assert records is not None

    holder = records.find_patron(cardnumber="TP90000001")
    assert holder is not None
    records.set_password(holder.patron_id, "shelf2026")
    assert library.rest.tokens_issued == 1
    assert holder.record.id_number == "F131104093"


def test_a_client_secret_still_the_placeholder_is_refused(library, aws):
    from onecard import wiring

    aws.client("secretsmanager").put_secret_value(
        SecretId=aws.resources.secret_ids["IlsRestClientSecret"], SecretString="UNSET"
    )
    wiring.reset()

    with pytest.raises(LibrarySystemUnavailable, match="not set"):
        wiring.patron_records()
    assert library.rest.tokens_issued == 0


def test_without_a_rest_url_there_is_no_door(library, monkeypatch):
    from onecard import wiring

    monkeypatch.setenv("ILS_REST_BASE_URL", "")
    wiring.reset()

    assert wiring.patron_records() is None
