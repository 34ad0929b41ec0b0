"""The expiry run assembled from the real parts: used by the daily function and the operators' command alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from onecard import wiring
from onecard.config import settings
from onecard.consent.receipts import Channel
from onecard.domain.people import TAIPEI
from onecard.infra.aws import client
from onecard.infra.lifecycle_repository import index_keys_of
from onecard.infra.readers_repository import delete_reader_items
from onecard.lifecycle import expiry
from onecard.links.withdrawal import withdraw_open_links


def _delete_reader(profile: dict[str, Any], at: str) -> None:
    from onecard.library_cards import outbox

    s = settings()
    if wiring.library_cards_enabled():
        # The provisional patron's deletion is committed first, outside the reader's partition: it outlives it.
        cards = wiring.library_cards()
        now_epoch = int(dt.datetime.now(dt.UTC).timestamp())
        cards.commit(outbox.at_deletion(cards, profile["reader_id"], cards.state(profile["reader_id"]), at, now_epoch))
    delete_reader_items(
        client("dynamodb"),
        readers_table=s.readers_table,
        sessions_table=s.sessions_table,
        reader_id=profile["reader_id"],
        identity_index=profile["identity_index"],
        extra_keys=index_keys_of(profile),
    )
    wiring.lifecycle().record_expiry(profile["reader_id"], profile.get("verify_by", ""), at)


def dependencies() -> expiry.ExpiryDependencies:
    return expiry.ExpiryDependencies(
        lifecycle=wiring.lifecycle(),
        readers=wiring.readers(),
        mailer=wiring.mailer(),
        withdraw_links=lambda reader_id, at: withdraw_open_links(
            reader_id, at, channel=Channel.SYSTEM, decided_by="library"
        ),
        delete_reader=_delete_reader,
    )


def today_in_taipei() -> dt.date:
    return dt.datetime.now(TAIPEI).date()


def run_on(day: dt.date | None = None) -> expiry.ExpiryReport:
    return expiry.run(day or today_in_taipei(), dependencies())
