"""Rotates one of the service's keys without downtime and reports its progress (one JSON object a line).

Usage:
  python scripts/rotate_key.py blind-index [--rollback] [--no-wait] [--rate N] [--page-size N]
  python scripts/rotate_key.py captcha [--rollback] [--no-wait]
  python scripts/rotate_key.py partner:<ntpc|klcpl|taipei-card> --new-secret-file FILE --switch-at TIME
                               [--window-minutes 10] [--rollback] [--no-wait]
  python scripts/rotate_key.py <key> --status

Where: ``--stack NAME`` finds the tables, key and secrets of a deployed stack (AWS credentials and region as
usual); ``--local URL`` uses the local stack's AWS emulation at URL (``make run`` prints it); otherwise the
environment variables the functions use (READERS_TABLE, BLIND_INDEX_SECRET_ID, …) name them.

A rotation is resumable: run the same command again and it continues from its last step (the blind index from the
last page it saved). The steps and how to watch them are in docs/operations.md, "Rotate a key".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers/common"))

# The environment variable of each resource the rotation uses, and its logical id in template.yaml.
RESOURCES = {
    "READERS_TABLE": "ReadersTable",
    "SESSIONS_TABLE": "SessionsTable",
    "CONSENT_TABLE": "ConsentTable",
    "DATA_KEY_ID": "DataKey",
    "BLIND_INDEX_SECRET_ID": "BlindIndexKeySecret",
    "CAPTCHA_SECRET_ID": "CaptchaKeySecret",
    "NTPC_SECRET_ID": "NtpcPartnerSecret",
    "KLCPL_SECRET_ID": "KlcplPartnerSecret",
    "TAIPEI_CARD_SECRET_ID": "TaipeiCardPartnerSecret",
}


def locate_deployed(stack: str) -> dict[str, str]:
    import boto3

    found: dict[str, str] = {}
    paginator = boto3.client("cloudformation").get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            found[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    missing = [logical for logical in RESOURCES.values() if logical not in found]
    if missing:
        raise SystemExit(f"stack {stack} has no {', '.join(missing)}")
    return {variable: found[logical] for variable, logical in RESOURCES.items()}


def locate_local(endpoint: str) -> dict[str, str]:
    """The local stack names tables and secrets by their logical ids, and gives the data key an alias."""
    return {
        **dict(RESOURCES.items()),
        "DATA_KEY_ID": "alias/DataKey",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "ap-northeast-1"),
    }


def parse_time(text: str) -> int:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time zone, e.g. 2026-12-01T02:00:00+08:00")
    return int(moment.timestamp())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("key", help="blind-index, captcha or partner:<name>")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--stack", help="a deployed stack's name")
    where.add_argument("--local", metavar="URL", help="the local stack's AWS emulation")
    parser.add_argument("--status", action="store_true", help="only report where the rotation stands")
    parser.add_argument("--rollback", action="store_true", help="before the old version is retired: go back to it")
    parser.add_argument("--no-wait", action="store_true", help="stop at the first wait and say when to run again")
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=None,
        help="how long functions may use a secret they read before (default: their cache age + 30)",
    )
    parser.add_argument(
        "--lockout-seconds",
        type=float,
        default=None,
        help="blind index: how long both versions count login attempts (default: window + lock)",
    )
    parser.add_argument("--rate", type=float, default=50.0, help="readers re-indexed per second at most")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--new-secret-file", type=Path, help="partner: the new secret agreed with the partner")
    parser.add_argument("--switch-at", type=parse_time, help="partner: when the new secret starts signing (ISO time)")
    parser.add_argument(
        "--window-minutes",
        type=float,
        default=10.0,
        help="partner: both secrets are accepted until this long after the switch",
    )
    arguments = parser.parse_args(argv)

    if arguments.stack:
        os.environ.update(locate_deployed(arguments.stack))
    elif arguments.local:
        os.environ.update(locate_local(arguments.local))

    from onecard.rotation import runner

    try:
        if arguments.status:
            print(json.dumps(runner.status(arguments.key), ensure_ascii=False, default=str))
            return 0
        options = runner.Options(
            wait=not arguments.no_wait, rollback=arguments.rollback, rate=arguments.rate, page_size=arguments.page_size
        )
        if arguments.settle_seconds is not None:
            options.settle_seconds = arguments.settle_seconds
        if arguments.lockout_seconds is not None:
            options.lockout_seconds = arguments.lockout_seconds
        if arguments.key == "blind-index":
            outcome = runner.BlindIndexRotation(options).run()
        elif arguments.key == "captcha":
            outcome = runner.rotate_captcha(options)
        elif arguments.key.startswith("partner:"):
            secret = arguments.new_secret_file.read_bytes().strip() if arguments.new_secret_file else None
            outcome = runner.rotate_partner(
                arguments.key.split(":", 1)[1], secret, arguments.switch_at, arguments.window_minutes * 60, options
            )
        else:
            parser.error(f"unknown key {arguments.key!r}")
    except runner.RotationError as error:
        print(json.dumps({"error": str(error)}, ensure_ascii=False), file=sys.stderr)
        return 2
    finished = outcome.get("phase") == "done"
    print(
        json.dumps(
            {"finished": finished, **{k: v for k, v in outcome.items() if k not in ("pk", "sk")}},
            ensure_ascii=False,
            default=str,
        )
    )
    return 0 if finished else 3


if __name__ == "__main__":
    sys.exit(main())
