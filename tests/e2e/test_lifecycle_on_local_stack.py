"""An application's life on the running local stack: its mail at GET /_local/mail, and the counter's staff API
behind the operator token the stack printed at start."""

from __future__ import annotations

import os
import re
import time

import requests

from onecard.captcha import solve
from tests.support.applications import new_national_id, personal_application


def operator_token(stack) -> str:
    printed = re.search(r"operator token for /v1/staff/\S* \(Authorization: Bearer …\): (\S+)", stack.output())
    return os.environ.get("ONECARD_OPERATOR_TOKEN") or printed.group(1)


def apply(stack, **changes) -> tuple[dict, dict]:
    captcha = solve(requests.get(f"{stack.url}/v1/captcha", timeout=10).json())
    body = personal_application(captcha, **changes)
    answer = requests.post(f"{stack.url}/v1/readers", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return body, answer.json()


def test_local_mail_lists_what_the_service_sent_newest_first_and_the_link_verifies(stack):
    number = new_national_id()
    apply(stack, id_number=number, name=f"郵件{number[-5:]}", email=f"first.{number}@example.com")
    time.sleep(0.01)
    apply(stack, id_number=new_national_id(), name=f"郵件{number[-4:]}", email=f"second.{number}@example.com")

    mail = requests.get(f"{stack.url}/_local/mail", timeout=10)

    assert mail.status_code == 200
    ours = [m for m in mail.json() if number in m["to"]]
    assert [m["to"] for m in ours] == [f"second.{number}@example.com", f"first.{number}@example.com"]
    assert set(ours[0]) == {"to", "subject", "text", "sent_at"}
    token = re.search(r"token=([A-Za-z0-9_-]+)", ours[1]["text"]).group(1)
    assert f"{stack.url}/email-verification?token=" in ours[1]["text"]
    verified = requests.post(f"{stack.url}/v1/email-verifications", json={"token": token}, timeout=10)
    assert verified.status_code == 200 and verified.json() == {"email_verified": True}


def test_the_staff_api_takes_the_operator_token_and_refuses_anything_else(stack):
    body, accepted = apply(stack, id_number=new_national_id(), name="臨櫃測試")
    query = {"id_type": "national_id", "id_number": body["id_number"]}
    login = requests.post(f"{stack.url}/v1/sessions", json={"id_number": body["id_number"],
                                                             "password": body["password"]}, timeout=10)
    assert login.status_code == 201

    unsigned = requests.get(f"{stack.url}/v1/staff/applications", params=query, timeout=10)
    as_reader = requests.get(f"{stack.url}/v1/staff/applications", params=query, timeout=10,
                             headers={"Authorization": f"Bearer {login.cookies['onecard_session']}"})
    wrong = requests.get(f"{stack.url}/v1/staff/applications", params=query,
                         headers={"Authorization": "Bearer not-the-token"}, timeout=10)
    staff = {"Authorization": f"Bearer {operator_token(stack)}"}
    found = requests.get(f"{stack.url}/v1/staff/applications", params=query, headers=staff, timeout=10)
    activated = requests.post(f"{stack.url}/v1/staff/readers/{accepted['reader_id']}/activation", headers=staff,
                              json={"card_barcode": f"TP{body['id_number'][1:]}", "document_checked": "national_id_card",
                                    "branch": "ZH01", "staff_id": "S0001"}, timeout=10)

    assert (unsigned.status_code, as_reader.status_code, wrong.status_code) == (403, 403, 403)
    assert body["id_number"] not in unsigned.text + as_reader.text + wrong.text
    assert found.status_code == 200 and found.json()["id_number"] == body["id_number"]
    assert activated.status_code == 200 and activated.json()["status"] == "active"
