"""The repository's chain-verification command, run on receipts stored in the emulated table."""

from __future__ import annotations

import runpy
import sys


def run_command(reader_id: str) -> int:
    sys.argv = ["verify_consent_chain.py", reader_id]
    module = runpy.run_path("scripts/verify_consent_chain.py", run_name="not_main")
    return module["main"](reader_id)


def test_the_command_reports_an_intact_chain_then_the_first_broken_receipt(aws, capsys):
    from onecard import wiring

    decision = {
        "partner": "klcpl",
        "document_version": 1,
        "document_sha256": "c" * 64,
        "decision": "agree",
        "channel": "personal_study",
    }
    for _ in range(3):
        wiring.consent().record("R-cmd", [decision], recorded_at="2026-11-25T03:00:00.000Z")
    assert run_command("R-cmd") == 0

    aws.client("dynamodb").delete_item(
        TableName=aws.resources.table_names["ConsentTable"],
        Key={"pk": {"S": "READER#R-cmd"}, "sk": {"S": "RECEIPT#00000002"}},
    )
    assert run_command("R-cmd") == 1
    assert "broken at receipt 2" in capsys.readouterr().out
