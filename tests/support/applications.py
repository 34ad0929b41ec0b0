"""Valid applications to start from; each test changes only what it is about."""

from __future__ import annotations

import random
from typing import Any

from onecard.domain.identity import generate_valid_national_id

_rng = random.Random()


def new_national_id() -> str:
    return generate_valid_national_id(_rng)


def personal_application(captcha: str = "", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "card_type": "personal",
        "nationality_type": "roc",
        "id_type": "national_id",
        "id_number": new_national_id(),
        "password": "read2026",
        "password_confirm": "read2026",
        "name": "林小明",
        "gender": "male",
        "birth_date": "1990-05-17",
        "occupation": "service",
        "education": "college",
        "mailing_address": {"city": "臺北市", "district": "中正區", "street": "中山南路 1 號"},
        "household_same_as_mailing": True,
        "mobile": "0912345678",
        "email": "reader@example.com",
        "captcha": captcha,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def apply_on_stack(stack: Any, **changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A personal application to the running local stack, its captcha solved: the body sent and the 201's answer."""
    import requests

    from onecard.captcha import solve

    captcha = solve(requests.get(f"{stack.url}/v1/captcha", timeout=10).json())
    body = personal_application(captcha, **changes)
    answer = requests.post(f"{stack.url}/v1/readers", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return body, answer.json()
