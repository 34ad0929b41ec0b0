"""Applying, reading the mail the service sent, and acting as counter staff, for the lifecycle tests."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from tests.support.applications import new_national_id, personal_application
from tests.support.captcha import solved_captcha


class _CounterToken:
    """The sample counter user's ID token in the current emulation: str() signs in (once per emulated pool)."""

    def __str__(self) -> str:
        from tests.support.staff import emulated_token

        return emulated_token()


class _StaffHeaders(Mapping[str, str]):
    """{"Authorization": "Bearer <the sample supervisor's ID token>"}, taken when the headers are read: a supervisor
    may use every staff route (look-ups, reviews, partners), as the tests that send these headers do."""

    def __getitem__(self, name: str) -> str:
        if name != "Authorization":
            raise KeyError(name)
        from tests.support.staff import SUPERVISOR_USER, emulated_token

        return f"Bearer {emulated_token(SUPERVISOR_USER)}"

    def __iter__(self) -> Iterator[str]:
        return iter(["Authorization"])

    def __len__(self) -> int:
        return 1


# Kept under their old names: the counter's credentials are now the sample counter user's sign-in.
OPERATOR_TOKEN = _CounterToken()
STAFF = _StaffHeaders()


def apply(api, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid application (a fresh ID number unless given) and the 201 answer's body."""
    body = personal_application(solved_captcha(api), **changes)
    answer = api.post("/v1/readers", body)
    assert answer.status == 201, answer.body
    return body, answer.json()


def activate(api, reader_id: str) -> dict[str, Any]:
    """Counter staff check the applicant's identity document and hand over a card (a new barcode each time)."""
    barcode = f"TP{secrets.randbelow(10**8):08d}"
    answer = api.as_staff(OPERATOR_TOKEN).post(
        f"/v1/staff/readers/{reader_id}/activation", {"card_barcode": barcode, "document_checked": "national_id_card"}
    )
    assert answer.status == 200, answer.body
    return answer.json()


def activate_with(api, reader_id: str, barcode: str) -> Any:
    """Counter staff activate with a barcode the test chose (the answer as given, refused or not)."""
    return api.as_staff(OPERATOR_TOKEN).post(
        f"/v1/staff/readers/{reader_id}/activation", {"card_barcode": barcode, "document_checked": "national_id_card"}
    )


def active_reader(api, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An application whose card was collected at a counter: a reader partners may hear of."""
    body, accepted = apply(api, **changes)
    activate(api, accepted["reader_id"])
    return body, accepted


def log_in(api, body: dict[str, Any]) -> dict[str, str]:
    api.cookies.clear()
    answer = api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]})
    assert answer.status == 201, answer.body
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def token_in(message: dict[str, Any]) -> str:
    found = re.search(r"token=([A-Za-z0-9_-]+)", message["text"])
    assert found is not None, "the mail holds no link with a token"
    return found.group(1)


def mail_to(read_mail, address: str) -> list[dict[str, Any]]:
    return [m for m in read_mail() if m["to"] == address]


def unique_person() -> dict[str, Any]:
    """A name nobody else in the test has, so that no duplicate flag is raised by accident."""
    number = new_national_id()
    return {"id_number": number, "name": f"測試{number[-6:]}"}
