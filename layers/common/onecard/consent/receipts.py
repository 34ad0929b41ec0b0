"""Consent receipts: append-only records of a reader's decisions, chained by hash so that tampering shows.

Each receipt names the previous receipt's hash; a head record names the last one. Removing, altering or reordering
any receipt breaks a link, and truncating the chain disagrees with the head. Receipts hold no personal data
beyond the opaque reader id, so they survive an erasure and still prove what was decided.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64


class Decision(StrEnum):
    AGREE = "agree"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    # A request to erase the reader's data, and the library system's refusal of it (partner ERASURE_SUBJECT).
    ERASURE_REQUESTED = "erasure_requested"
    ERASURE_REFUSED = "erasure_refused"


ERASURE_SUBJECT = "library_system"
"""The ``partner`` of an erasure request's receipt: the request concerns the library's own record, not a link."""


class Channel(StrEnum):
    REGISTRATION = "registration"
    PERSONAL_STUDY = "personal_study"
    COUNTER = "counter"
    SYSTEM = "system"


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    reader_id: str
    sequence: int
    partner: str
    document_version: int
    document_sha256: str
    decision: str
    channel: str
    decided_by: str
    recorded_at: str
    previous_receipt_sha256: str

    @property
    def receipt_sha256(self) -> str:
        canonical = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def as_record(self) -> dict[str, Any]:
        return {**asdict(self), "receipt_sha256": self.receipt_sha256}


@dataclass(frozen=True)
class ChainHead:
    sequence: int
    receipt_sha256: str


def new_receipt_id() -> str:
    return "CR" + secrets.token_hex(10).upper()


def next_receipts(
    head: ChainHead | None, decisions: Sequence[Mapping[str, Any]], *, reader_id: str, recorded_at: str
) -> list[Receipt]:
    """The receipts that extend a chain by ``decisions`` (each: partner, document_version, document_sha256,
    decision, channel, decided_by), in order."""
    sequence = head.sequence if head else 0
    previous = head.receipt_sha256 if head else GENESIS
    made: list[Receipt] = []
    for decision in decisions:
        sequence += 1
        receipt = Receipt(
            receipt_id=new_receipt_id(),
            reader_id=reader_id,
            sequence=sequence,
            partner=str(decision["partner"]),
            document_version=int(decision["document_version"]),
            document_sha256=str(decision["document_sha256"]),
            decision=str(Decision(decision["decision"])),
            channel=str(Channel(decision["channel"])),
            decided_by=str(decision.get("decided_by", "reader")),
            recorded_at=recorded_at,
            previous_receipt_sha256=previous,
        )
        made.append(receipt)
        previous = receipt.receipt_sha256
    return made


def receipt_from_record(record: Mapping[str, Any]) -> Receipt:
    fields = Receipt.__dataclass_fields__
    return Receipt(**{name: record[name] for name in fields})


@dataclass(frozen=True)
class ChainVerdict:
    valid: bool
    checked: int
    first_broken_sequence: int | None = None
    reason: str | None = None


def verify_chain(records: Sequence[Mapping[str, Any]], head: Mapping[str, Any] | None) -> ChainVerdict:
    """Checks every link; reports the first broken one. ``records`` in any order; ``head`` as stored."""
    ordered = sorted(records, key=lambda r: int(r.get("sequence", 0)))
    previous = GENESIS
    for position, record in enumerate(ordered, start=1):
        sequence = int(record.get("sequence", 0))
        if sequence != position:
            return ChainVerdict(False, position - 1, position, f"receipt {position} is missing")
        try:
            receipt = receipt_from_record(record)
        except (KeyError, TypeError):
            return ChainVerdict(False, position - 1, sequence, "receipt has missing fields")
        if receipt.previous_receipt_sha256 != previous:
            return ChainVerdict(False, position - 1, sequence, "previous_receipt_sha256 does not match")
        if record.get("receipt_sha256") != receipt.receipt_sha256:
            return ChainVerdict(False, position - 1, sequence, "receipt was altered (hash does not match)")
        previous = receipt.receipt_sha256
    count = len(ordered)
    if head is None:
        return ChainVerdict(count == 0, count, 1 if count else None, None if count == 0 else "head is missing")
    if int(head.get("sequence", -1)) != count or head.get("receipt_sha256") != (previous if count else GENESIS):
        return ChainVerdict(False, count, count + 1, "the chain is shorter than its head says (receipts removed)")
    return ChainVerdict(True, count)
