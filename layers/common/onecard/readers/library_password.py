"""A password changed here (個人書房, 忘記密碼) while the library system is still to get one: the new password's
sealed copy for it, as actions of the change's own transaction (onecard.library_cards.outbox.at_password_change).
None of this where the stack has no REST door to the library system: there the password stays here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from onecard import wiring
from onecard.domain.moments import iso_millis
from onecard.library_cards import outbox


def sealed_for_library(profile: dict[str, Any], password: str, password_hash: str, now: dt.datetime) -> list[dict]:
    if not wiring.library_cards_enabled():
        return []
    cards, reader_id = wiring.library_cards(), profile["reader_id"]
    return outbox.at_password_change(
        cards,
        wiring.cipher(),
        reader_id,
        password,
        password_hash,
        cards.password_and_state(reader_id),
        iso_millis(now),
        int(now.timestamp()),
    )
