"""Verifies one reader's consent receipt chain and reports the first broken link.

Usage: CONSENT_TABLE=<table> python scripts/verify_consent_chain.py <reader_id>
(AWS credentials and region as usual; AWS_ENDPOINT_URL for the local stack's emulation.)
Exit status 0 when the chain is intact, 1 when it is broken.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers/common"))

from onecard import wiring
from onecard.consent.receipts import verify_chain


def main(reader_id: str) -> int:
    ledger = wiring.consent()
    verdict = verify_chain(ledger.receipts(reader_id, newest_first=False), ledger.head_record(reader_id))
    if verdict.valid:
        print(f"{reader_id}: {verdict.checked} receipts, chain intact")
        return 0
    print(f"{reader_id}: broken at receipt {verdict.first_broken_sequence}: {verdict.reason}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
