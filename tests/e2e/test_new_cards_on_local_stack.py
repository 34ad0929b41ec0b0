"""New cards reach the library system on the running local stack: its simulated library system (SIP2 and Koha's
REST API, one patron store), the outbox relay and the library-card worker as the stack runs them."""

from __future__ import annotations

import json
import re
import secrets

import requests

from tests.support.applications import apply_on_stack, new_national_id
from tests.support.running_stack import emulation_client, eventually, first_group


def patron_of(stack, id_number: str, **wanted) -> dict:
    """The library system's patron with this ID number once it has ``wanted``, as its control API shows it."""

    def found() -> dict | None:
        patrons = requests.get(f"{stack.simulator_url}/_control/ils/patrons", timeout=10).json()["patrons"]
        mine = [p for p in patrons if p["id_number"] == id_number]
        assert len(mine) <= 1, f"{len(mine)} patrons with one ID number"
        return mine[0] if mine and all(mine[0].get(k) == v for k, v in wanted.items()) else None

    return eventually(found, seconds=60, what=f"the library system's patron with {wanted}")


def sip2(stack):
    """The library system over SIP2, with the service's own SIP account (as a self-checkout would log in)."""
    from onecard.infra.sip2_library import Sip2LibrarySystem

    endpoint = first_group(r"AWS emulation on (http://\S+)", stack.output())
    manager = emulation_client(endpoint, "secretsmanager")
    secret = next(s["ARN"] for s in manager.list_secrets()["SecretList"] if "IlsSipAccount" in s["Name"])
    account = json.loads(manager.get_secret_value(SecretId=secret)["SecretString"])
    port = int(first_group(r"library system \(SIP2\) simulator on 127\.0\.0\.1:(\d+)", stack.output()))
    return Sip2LibrarySystem(
        "127.0.0.1",
        port,
        institution_id="TPML",
        login_user=account["login"],
        login_password=account["password"],
        timeout=3,
        birth_date_field="PB",
        expiry_field="PA",
        id_number_field="XI",
    )


def staff(stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.staff_token('staff-counter')}"}


def activate(stack, reader_id: str, barcode: str) -> requests.Response:
    return requests.post(
        f"{stack.url}/v1/staff/readers/{reader_id}/activation",
        json={"card_barcode": barcode, "document_checked": "national_id_card"},
        headers=staff(stack),
        timeout=30,
    )


def counter_view(stack, id_number: str) -> dict:
    answer = requests.get(
        f"{stack.url}/v1/staff/applications",
        params={"id_type": "national_id", "id_number": id_number},
        headers=staff(stack),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["library_system"]


def test_apply_verify_activate_and_the_new_barcode_logs_in_over_sip2_with_the_registered_password(stack):
    from onecard.ils import CardStatus

    number = new_national_id()
    address = f"card.{number}@example.com"
    _, accepted = apply_on_stack(
        stack,
        id_number=number,
        name=f"新證{number[-5:]}",
        email=address,
        password="Loans2026",
        password_confirm="Loans2026",
    )

    def link() -> str | None:
        mail = [m for m in requests.get(f"{stack.url}/_local/mail", timeout=10).json() if m["to"] == address]
        found = re.search(r"token=([A-Za-z0-9_-]+)", mail[0]["text"]) if mail else None
        return found.group(1) if found else None

    token = eventually(link, what="the verification mail")
    assert requests.post(f"{stack.url}/v1/email-verifications", json={"token": token}, timeout=10).status_code == 200
    provisional = patron_of(stack, number, category_id="WEBREG")
    assert provisional["has_password"] and not provisional["barcode"]

    barcode = f"TP{secrets.randbelow(10**8):08d}"
    assert activate(stack, accepted["reader_id"], barcode).status_code == 200
    full = patron_of(stack, number, category_id="PT", barcode=barcode)
    assert full["card_expires"]

    check = sip2(stack).check_password(barcode, "Loans2026")
    assert check.patron_valid and check.password_valid
    assert check.patron.card_status is CardStatus.VALID  # charge privileges allowed
    assert counter_view(stack, number)["state"] == "held"


def test_the_library_system_down_during_the_activation_the_counter_shows_it_waiting_and_it_arrives_when_back(stack):
    number = new_national_id()
    _, accepted = apply_on_stack(stack, id_number=number, name=f"等候{number[-5:]}", email=None)
    patron_of(stack, number, category_id="WEBREG")
    requests.post(f"{stack.simulator_url}/_control/ils", json={"down": True}, timeout=5).raise_for_status()
    try:
        barcode = f"TP{secrets.randbelow(10**8):08d}"
        activated = activate(stack, accepted["reader_id"], barcode)
        assert activated.status_code == 200
        assert activated.json()["library_system"]["state"] == "waiting"

        waiting = eventually(
            lambda: (v := counter_view(stack, number))["state"] == "waiting" and v.get("reason") != "queued" and v,
            seconds=30,
            what="the counter showing the write waiting for the library system",
        )
        assert "圖書館系統" in waiting["words"] and waiting["since"]
    finally:
        requests.post(f"{stack.simulator_url}/_control/ils", json={}, timeout=5).raise_for_status()

    patron_of(stack, number, category_id="PT", barcode=barcode)
    assert eventually(lambda: counter_view(stack, number)["state"] == "held", seconds=30, what="held")
