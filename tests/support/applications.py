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
