"""An application's life on the running local stack: its mail at GET /_local/mail, and the counter's staff API
behind the operator token the stack printed at start."""

from __future__ import annotations

import os
import re
import time

import requests

from tests.support.applications import apply_on_stack, new_national_id
from tests.support.running_stack import eventually


def operator_token(stack) -> str:
    return stack.operator_token


def mail_for(stack, number: str, count: int) -> list[dict]:
    """The stack's mail to our addresses, newest first, once ``count`` have left the outbox."""

    def ours() -> list[dict]:
        mail = requests.get(f"{stack.url}/_local/mail", timeout=10)
        assert mail.status_code == 200
        found = [m for m in mail.json() if number in m["to"]]
        return found if len(found) >= count else []

    return eventually(ours, what=f"{count} mails to the addresses of {number}")


def test_local_mail_lists_what_the_service_sent_newest_first_and_the_link_verifies(stack):
    number = new_national_id()
    apply_on_stack(stack, id_number=number, name=f"郵件{number[-5:]}", email=f"first.{number}@example.com")
    assert len(mail_for(stack, number, 1)) == 1  # the outbox relay sends it moments after the application
    apply_on_stack(stack, id_number=new_national_id(), name=f"郵件{number[-4:]}", email=f"second.{number}@example.com")

    ours = mail_for(stack, number, 2)

    assert [m["to"] for m in ours] == [f"second.{number}@example.com", f"first.{number}@example.com"]
    assert set(ours[0]) == {"to", "subject", "text", "sent_at"}
    link = re.search(r"token=([A-Za-z0-9_-]+)", ours[1]["text"])
    assert link is not None
    token = link.group(1)
    assert f"{stack.url}/email-verification?token=" in ours[1]["text"]
    verified = requests.post(f"{stack.url}/v1/email-verifications", json={"token": token}, timeout=10)
    assert verified.status_code == 200 and verified.json() == {"email_verified": True}


def test_the_staff_api_takes_a_signed_in_staff_members_token_and_refuses_anything_else(stack):
    body, accepted = apply_on_stack(stack, id_number=new_national_id(), name="臨櫃測試")
    query = {"id_type": "national_id", "id_number": body["id_number"]}
    login = requests.post(
        f"{stack.url}/v1/sessions", json={"id_number": body["id_number"], "password": body["password"]}, timeout=10
    )
    assert login.status_code == 201

    unsigned = requests.get(f"{stack.url}/v1/staff/applications", params=query, timeout=10)
    as_reader = requests.get(
        f"{stack.url}/v1/staff/applications",
        params=query,
        timeout=10,
        headers={"Authorization": f"Bearer {login.cookies['onecard_session']}"},
    )
    wrong = requests.get(
        f"{stack.url}/v1/staff/applications", params=query, headers={"Authorization": "Bearer not.a.token"}, timeout=10
    )
    staff = {"Authorization": f"Bearer {operator_token(stack)}"}
    found = requests.get(f"{stack.url}/v1/staff/applications", params=query, headers=staff, timeout=10)
    activated = requests.post(
        f"{stack.url}/v1/staff/readers/{accepted['reader_id']}/activation",
        headers=staff,
        json={"card_barcode": f"TP{body['id_number'][1:]}", "document_checked": "national_id_card"},
        timeout=10,
    )

    assert (unsigned.status_code, as_reader.status_code, wrong.status_code) == (401, 401, 401)
    assert body["id_number"] not in unsigned.text + as_reader.text + wrong.text
    assert found.status_code == 200 and found.json()["id_number"] == body["id_number"]
    assert activated.status_code == 200 and activated.json()["status"] == "active"


def test_the_expiry_command_on_the_local_stack_ends_the_application_and_its_waiting_link_never_reaches_the_partner(
    tmp_path,
):
    import datetime as dt
    import subprocess
    import sys

    from tests.e2e.test_linking_on_local_stack import partner_view
    from tests.support.running_stack import ROOT, free_port, start_stack

    emulation_port = free_port()
    running = start_stack(tmp_path / "state", extra_env={"AWS_EMULATION_PORT": str(emulation_port)})
    try:
        http = requests.Session()
        sha = http.get(f"{running.url}/v1/consent-documents/klcpl", timeout=5).json()["sha256"]
        body, accepted = apply_on_stack(
            running, id_number=new_national_id(), partners=[{"partner": "klcpl", "document_sha256": sha}]
        )
        login = http.post(
            f"{running.url}/v1/sessions",
            json={"id_number": body["id_number"], "password": body["password"]},
            timeout=10,
        )
        assert login.status_code == 201
        [link] = http.get(f"{running.url}/v1/readers/me/links", timeout=5).json()["links"]
        assert link["status"] == "waiting_for_verification"
        day_after = dt.date.fromisoformat(accepted["verify_by"]) + dt.timedelta(days=1)
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{emulation_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "ap-northeast-1",
            "ONECARD_MAIL_SINK_DIR": str(tmp_path / "state" / "mail"),
        }

        command = subprocess.run(
            [sys.executable, "scripts/expire_applications.py", "--date", day_after.isoformat()],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert command.returncode == 0, command.stderr
        assert accepted["reader_id"] in command.stdout
        assert http.get(f"{running.url}/v1/readers/me", timeout=5).status_code == 401
        time.sleep(1)  # time for the relay and the worker, had anything been sent
        assert accepted["reader_id"] not in str(partner_view(running, "klcpl"))
    finally:
        running.stop(timeout=30)
