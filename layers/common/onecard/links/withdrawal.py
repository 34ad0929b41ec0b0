"""Ending every open link of a reader whose data goes (erasure or expiry) or whose application was rejected: a
withdraw receipt each. Partners that heard of the link are told by an unlink request that outlives the reader's
own items; a link still waiting for the counter's identity check ends without any partner hearing of it."""

from __future__ import annotations

import datetime as dt

from onecard import wiring
from onecard.config import settings
from onecard.consent.documents import default_library
from onecard.consent.receipts import Channel, Decision
from onecard.domain.moments import iso_millis
from onecard.links.requests import SENT_STATUSES, WAITING, withdraw_waiting_actions, withdrawal_actions


def withdraw_open_links(reader_id: str, at: str, *, channel: Channel, decided_by: str) -> list[str]:
    """The partners told."""
    links = wiring.link_status().links(reader_id)
    sent = [link["partner"] for link in links if link.get("status") in SENT_STATUSES]
    waiting = [link["partner"] for link in links if link.get("status") == WAITING]
    if not sent and not waiting:
        return []
    library, today = default_library(), dt.date.today()
    decisions = []
    for partner in sent + waiting:
        document = library.current(partner, today)
        decisions.append(
            {
                "partner": partner,
                "document_version": document.version,
                "document_sha256": document.sha256,
                "decision": Decision.WITHDRAW,
                "channel": channel,
                "decided_by": decided_by,
            }
        )
    now = dt.datetime.now(dt.UTC)
    now_epoch, table = int(now.timestamp()), settings().readers_table

    def actions(_: object) -> list[dict]:
        ending = withdrawal_actions(table, reader_id, sent, now_epoch)
        for partner in waiting:
            ending += withdraw_waiting_actions(table, reader_id, partner, iso_millis(now), now_epoch)
        return ending

    wiring.consent().record(reader_id, decisions, recorded_at=at, extra_actions=actions)
    return sent
