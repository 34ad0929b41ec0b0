"""Runs the daily reminder and expiry of online applications as on a given day (default: today in Taipei).

Usage: READERS_TABLE=… CONSENT_TABLE=… SESSIONS_TABLE=… python scripts/expire_applications.py [--date YYYY-MM-DD]
(AWS credentials and region as usual; AWS_ENDPOINT_URL for the local stack's emulation, whose mail folder is
ONECARD_MAIL_SINK_DIR.) Prints what it did; exit status 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers/common"))

from onecard.lifecycle import expiry_job


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--date", type=dt.date.fromisoformat, default=None, help="the day to run as (YYYY-MM-DD, a date in Taipei)"
    )
    arguments = parser.parse_args(argv)
    report = expiry_job.run_on(arguments.date)
    print(json.dumps(asdict(report), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
