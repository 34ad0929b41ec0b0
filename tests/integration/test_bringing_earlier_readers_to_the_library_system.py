"""Readers who applied here before new cards were written to the library system: the operators' command brings the
active ones in (dry run, report, idempotent), and their first login afterwards sets their password there."""

from __future__ import annotations

import json
import runpy

from tests.integration.test_new_cards_in_the_simulated_library_system import held, quick_retries, sip2  # noqa: F401
from tests.support.library_cards import deliver_library_cards
from tests.support.lifecycle import activate, apply, unique_person


def bring_in(capsys, *arguments: str) -> dict:
    module = runpy.run_path("scripts/bring_readers_to_library_system.py", run_name="not_main")
    capsys.readouterr()
    assert module["main"](list(arguments)) == 0
    return json.loads(capsys.readouterr().out)


def an_earlier_reader(api, monkeypatch) -> tuple[dict, dict, str]:
    """Applied and activated while the stack had no REST door to the library system (as before this change)."""
    from onecard import wiring

    door = wiring.settings().ils_rest_base_url
    monkeypatch.delenv("ILS_REST_BASE_URL")
    wiring.reset()
    body, accepted = apply(api, email=None, password="Earlier26", password_confirm="Earlier26", **unique_person())
    barcode = activate(api, accepted["reader_id"])["card_barcode"]
    monkeypatch.setenv("ILS_REST_BASE_URL", door)
    wiring.reset()
    return body, accepted, barcode


def test_the_command_reports_in_a_dry_run_brings_active_earlier_readers_in_once_and_their_login_sets_the_password(
    api, aws, library, monkeypatch, capsys
):
    body, accepted, barcode = an_earlier_reader(api, monkeypatch)
    reader_id = accepted["reader_id"]

    dry = bring_in(capsys, "--dry-run")
    deliver_library_cards(aws)
    assert reader_id in dry["queued"] and held(library, body["id_number"]) == []  # nothing written

    first = bring_in(capsys)
    again = bring_in(capsys)
    deliver_library_cards(aws)

    assert reader_id in first["queued"] and reader_id in again["already"] and reader_id not in again["queued"]
    [patron] = held(library, body["id_number"])
    assert (patron["category_id"], patron["barcode"], patron["has_password"]) == ("PT", barcode, False)

    api.cookies.clear()
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Earlier26"}).status == 201
    deliver_library_cards(aws)

    assert sip2(library).check_password(barcode, "Earlier26").password_valid
    stored = json.dumps(aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"])
    assert "argon2id" not in stored  # the library system alone decides from now on
