"""The receipt chain shows any removed, altered or reordered receipt."""

from __future__ import annotations

import dataclasses

from onecard.consent.receipts import GENESIS, next_receipts, verify_chain


def chain(count: int = 4):
    decisions = [
        {
            "partner": "ntpc",
            "document_version": 1,
            "document_sha256": "a" * 64,
            "decision": ["agree", "withdraw"][i % 2],
            "channel": "personal_study",
        }
        for i in range(count)
    ]
    receipts = next_receipts(None, decisions, reader_id="R1", recorded_at="2026-11-25T03:00:00.000Z")
    records = [r.as_record() for r in receipts]
    head = {"sequence": count, "receipt_sha256": records[-1]["receipt_sha256"]}
    return records, head


def test_an_untouched_chain_verifies():
    records, head = chain()
    assert verify_chain(records, head).valid
    assert records[0]["previous_receipt_sha256"] == GENESIS


def test_a_deleted_receipt_is_found():
    records, head = chain()
    verdict = verify_chain(records[:1] + records[2:], head)
    assert not verdict.valid and verdict.first_broken_sequence == 2


def test_an_altered_receipt_is_found():
    records, head = chain()
    records[2] = {**records[2], "decision": "agree" if records[2]["decision"] == "withdraw" else "withdraw"}
    verdict = verify_chain(records, head)
    assert not verdict.valid and verdict.first_broken_sequence == 3


def test_reordered_receipts_are_found():
    records, head = chain()
    swapped = [dict(r) for r in records]
    swapped[1]["sequence"], swapped[2]["sequence"] = 3, 2
    assert not verify_chain(swapped, head).valid


def test_a_truncated_chain_disagrees_with_its_head():
    records, head = chain()
    verdict = verify_chain(records[:-1], head)
    assert not verdict.valid and verdict.reason is not None and "shorter" in verdict.reason


def test_extending_a_chain_links_to_its_last_receipt():
    _records, head = chain(2)
    from onecard.consent.receipts import ChainHead, receipt_from_record

    more = next_receipts(
        ChainHead(2, head["receipt_sha256"]),
        [
            {
                "partner": "klcpl",
                "document_version": 1,
                "document_sha256": "b" * 64,
                "decision": "agree",
                "channel": "registration",
            }
        ],
        reader_id="R1",
        recorded_at="2026-11-25T04:00:00.000Z",
    )
    assert more[0].sequence == 3 and more[0].previous_receipt_sha256 == head["receipt_sha256"]
    assert dataclasses.asdict(receipt_from_record(more[0].as_record())) == dataclasses.asdict(more[0])
