"""Ending every open link of a reader whose data goes (erasure or expiry): a withdraw receipt each, recorded with
an unlink request per partner that outlives the reader's own items, so each partner is told."""

from __future__ import annotations

import datetime as dt

from onecard import wiring
from onecard.config import settings
from onecard.consent.documents import default_library
from onecard.consent.receipts import Channel, Decision
from onecard.links.requests import withdrawal_actions


def withdraw_open_links(reader_id: str, at: str, *, channel: Channel, decided_by: str) -> list[str]:
    """The partners told."""
    open_links = [link["partner"] for link in wiring.link_status().links(reader_id)
                  if link.get("status") in ("pending", "active")]
    if not open_links:
        return []
    library, today = default_library(), dt.date.today()
    decisions = []
    for partner in open_links:
        document = library.current(partner, today)
        decisions.append({"partner": partner, "document_version": document.version, "document_sha256": document.sha256,
                          "decision": Decision.WITHDRAW, "channel": channel, "decided_by": decided_by})
    now_epoch = int(dt.datetime.now(dt.UTC).timestamp())
    wiring.consent().record(reader_id, decisions, recorded_at=at, extra_actions=lambda _: withdrawal_actions(
        settings().readers_table, reader_id, open_links, now_epoch))
    return open_links
