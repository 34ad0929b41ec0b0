"""`python -m devstack` (what `make run` starts): the whole system on http://127.0.0.1:PORT until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from devstack.stack import LocalStack
from devstack.template import ROOT

DEFAULT_STATE_DIR = ROOT / ".local-state"


def main() -> int:
    port = int(os.environ.get("PORT", "3000"))
    state_dir = Path(os.environ.get("ONECARD_STATE_DIR", DEFAULT_STATE_DIR))
    # Like `sam deploy --parameter-overrides`: "LoginLimitPerMinute=600 LinkRetryBaseSeconds=0".
    overrides = dict(pair.split("=", 1) for pair in os.environ.get("PARAMETER_OVERRIDES", "").split() if "=" in pair)
    stack = LocalStack(port=port, state_dir=state_dir, parameters=overrides)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stack.start()
    print(f"data kept in {state_dir} (delete it to start afresh)", flush=True)
    print(
        f"partner simulator on http://127.0.0.1:{stack.simulator.port} (faults: POST /_control/<partner>)", flush=True
    )
    account = stack.ils_simulator.account
    print(
        f"library system (SIP2) simulator on 127.0.0.1:{stack.ils_simulator.port} "
        f"(sample service account: login {account.login}, password {account.password}; "
        "faults: POST /_control/ils on the partner simulator)",
        flush=True,
    )
    rest_client = stack.ils_simulator.rest.clients[0]
    print(
        f"library system (Koha REST) simulator on {stack.ils_simulator.rest.url}/api/v1 (sample service client: "
        f"client_id {rest_client.client_id}, client_secret {rest_client.client_secret}; same patrons and faults)",
        flush=True,
    )
    for username, password in stack.first_time_passwords.items():
        print(
            f"staff account {username}: first-time password {password} "
            f"(sign in at {stack.url}/staff: a new password, then MFA set-up)",
            flush=True,
        )
    if stack.staff_token_seconds:
        print(f"staff tokens last {stack.staff_token_seconds} s (STAFF_TOKEN_SECONDS)", flush=True)
    print(f"mail the service sends: GET {stack.url}/_local/mail", flush=True)
    print(
        f"AWS emulation on {stack.aws_endpoint} (scripts/rotate_key.py --local {stack.aws_endpoint}; "
        "AWS_EMULATION_PORT chooses its port)",
        flush=True,
    )
    print(f"listening on {stack.url}", flush=True)
    try:
        stop.wait()
    finally:
        print("stopping: saving local data…", flush=True)
        stack.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
