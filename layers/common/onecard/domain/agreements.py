"""Agreements given with an application: each must name the current version of that partner's document."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from onecard.domain.issues import FieldIssue

CurrentHash = Callable[[str], str | None]


def agreement_issues(partners: Any, current_sha256: CurrentHash) -> list[FieldIssue]:
    if not isinstance(partners, Sequence) or isinstance(partners, str):
        return []
    issues: list[FieldIssue] = []
    seen: set[str] = set()
    for index, entry in enumerate(partners):
        if not isinstance(entry, Mapping):
            continue
        partner = entry.get("partner")
        if not isinstance(partner, str):
            continue
        if partner in seen:
            issues.append(FieldIssue(f"partners[{index}].partner", "partner_repeated", "同一合作館只能同意一次"))
        seen.add(partner)
        current = current_sha256(partner)
        if current is not None and entry.get("document_sha256") != current:
            issues.append(
                FieldIssue(
                    f"partners[{index}].document_sha256",
                    "consent_document_outdated",
                    "個資同意書已更新或不正確，請重新閱讀最新版本後再同意",
                )
            )
    return issues
