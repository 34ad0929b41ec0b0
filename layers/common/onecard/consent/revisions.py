"""Revised consent documents: which of a reader's agreements point to an older version than the one in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from onecard.consent.documents import ConsentLibrary


def outdated_agreements(
    receipts: Sequence[dict[str, Any]], library: ConsentLibrary, today: dt.date
) -> list[dict[str, Any]]:
    """For each partner whose latest decision is an agreement to an older version: what to show the reader."""
    latest: dict[str, dict[str, Any]] = {}
    for receipt in sorted(receipts, key=lambda r: int(r["sequence"])):
        latest[receipt["partner"]] = receipt
    notices = []
    for partner, receipt in latest.items():
        if receipt["decision"] != "agree":
            continue
        current = library.current(partner, today)
        if int(receipt["document_version"]) < current.version:
            notices.append(
                {
                    "partner": partner,
                    "agreed_version": int(receipt["document_version"]),
                    "current_version": current.version,
                    "current_sha256": current.sha256,
                    "title": current.title,
                    "summary_of_changes": current.summary_of_changes,
                }
            )
    return notices
