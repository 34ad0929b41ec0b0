"""Brings the active readers who applied here before new cards were written to the library system into it.

Usage: READERS_TABLE=… DATA_KEY_ID=… python scripts/bring_readers_to_library_system.py [--dry-run] [--rate N]
(AWS credentials and region as usual; AWS_ENDPOINT_URL for the local stack's emulation.) Each such reader's patron
is queued for the library-card worker, which creates it in the library system (a full card, with the barcode and
expiry of the card they hold) at the library system's agreed rate; their next login here sets their password there.
Idempotent: a reader the library system holds already, or whose write waits, is left alone. Prints a report (one
JSON object); exit status 0, or 1 when some readers could not be queued (run it again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers/common"))

from onecard import wiring
from onecard.library_cards.migration import bring_in
from onecard.registration.service import iso_millis


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report who would be brought in; write nothing")
    parser.add_argument("--rate", type=float, default=20.0, help="readers queued per second at most (default 20)")
    arguments = parser.parse_args(argv)
    report = bring_in(
        wiring.library_cards(),
        at=lambda: iso_millis(dt.datetime.now(dt.UTC)),
        now_epoch=lambda: int(time.time()),
        dry_run=arguments.dry_run,
        pace=lambda: time.sleep(1 / arguments.rate),
    )
    summary = {**asdict(report), "queued_count": len(report.queued), "already_count": len(report.already)}
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
