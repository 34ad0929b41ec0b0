"""What counter staff do with an application: find it, activate the card, decide on a possible duplicate.

No AWS import here: the parts are handed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onecard.domain import people
from onecard.domain.identity import IdType, id_number_issue, normalise_id_number
from onecard.lifecycle.records import ActivationRefused
from onecard.mail import notices
from onecard.readers.personal_data import audit_item
from onecard.registration.service import iso_millis
from onecard.web import problems

PENDING = "pending_verification"


@dataclass
class CounterDependencies:
    readers: Any
    lifecycle: Any
    decrypt_id_number: Callable[[dict[str, Any]], str]
    decrypt_register_number: Callable[[dict[str, Any]], str]
    """A family card's household register number (戶號), which the counter compares with the 戶口名簿."""
    indexes: Callable[[], Any]
    """onecard.security.identity_indexes.IdentityIndexes: every live version of the blind-index key."""
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    release_waiting_links: Callable[[str, dt.datetime], list[dict[str, Any]]] = lambda reader_id, now: []
    """Actions that send the reader's waiting links, written with the activation (the identity is checked now)."""
    withdraw_waiting_links: Callable[[str, str], Any] = lambda reader_id, at: None
    """Ends the links of an application rejected as a duplicate: it will never be activated, so they never leave."""
    library_card_actions: Callable[[str, dt.datetime], list[dict[str, Any]]] = lambda reader_id, now: []
    """The upgrade of the reader's patron in the library system, written with the activation."""
    after_review: Callable[[str, str, str], None] = lambda reader_id, decision, at: None
    """What a review decision means for the library system (onecard.library_cards.outbox.after_review)."""


@dataclass(frozen=True)
class Staff:
    """Who acts, as the verified sign-in says: the person's stable id, their user name and their branch."""

    principal: str
    staff_id: str = ""
    branch: str = ""


def find_application(id_type: IdType, id_number: str, deps: CounterDependencies) -> dict[str, Any]:
    number = normalise_id_number(id_number)
    issue = id_number_issue(id_type, number)
    if issue:
        raise problems.InvalidFields([issue])
    reader_id = deps.readers.reader_id_for_identity(deps.indexes().identity(number))
    profile = deps.readers.get_profile(reader_id) if reader_id else None
    if profile is None or profile.get("id_type") != id_type.value:
        raise problems.NotFound("查無此證號之申請或讀者 (No application for this ID number)")
    record = {**profile, "id_number": deps.decrypt_id_number(profile)}
    if isinstance(profile.get("guardian"), dict):  # who must come along with a minor; their number stays sealed
        record["guardian"] = {k: v for k, v in profile["guardian"].items() if not k.endswith("_encrypted")}
    if isinstance(profile.get("household"), dict):  # a family card: the register's number and head; the head's
        # own ID number stays sealed (the 戶口名簿 shows the head by name)
        record["household"] = {
            "register_number": deps.decrypt_register_number(profile),
            "head_name": profile["household"].get("head_name", ""),
        }
    return record


def activate(
    reader_id: str, barcode: str, document_checked: str, branch: str, staff: Staff, deps: CounterDependencies
) -> dict[str, Any]:
    """pending_verification → active, with the card's barcode, recorded in the reader's audit trail."""
    profile = deps.readers.get_profile(reader_id)
    if profile is None:
        if deps.lifecycle.expired(reader_id):
            raise _not_pending("expired")
        raise problems.NotFound("查無此讀者 (No such reader)")
    if profile.get("status") != PENDING:
        raise _not_pending(profile.get("status", "unknown"))
    if (profile.get("review") or {}).get("status") == "duplicate":
        raise problems.Conflict(
            "此申請經審核為重複申請，不予啟用 (Rejected as a duplicate application)",
            extra={"code": "rejected_as_duplicate"},
        )
    now = deps.clock()
    if profile.get("verify_by", "9999-12-31") < people.today_in_taipei(now).isoformat():
        # Its deadline has passed: the daily expiry deletes it on its next run, so the counter must not revive it.
        raise _not_pending("expired")
    at = iso_millis(now)
    code = barcode.upper()
    audit = {
        **audit_item(reader_id, "status", "activated", at, by=staff.staff_id, channel="counter"),
        "branch": branch,
        "document_checked": document_checked,
        "principal": staff.principal,
        "card_barcode": code,
    }
    try:
        welcome = notices.notice_for(profile, "card_activated", int(now.timestamp()), card_barcode=code)
        deps.lifecycle.activate(
            reader_id,
            code,
            at,
            audit,
            deps.release_waiting_links(reader_id, now)
            + deps.library_card_actions(reader_id, now)
            + ([notices.put_action(deps.lifecycle.table, welcome)] if welcome else []),
        )
    except ActivationRefused as refused:
        if refused.code == "links_changed":  # the reader ended a waiting link while the counter was busy
            raise problems.Conflict(
                "讀者的一證通用申請剛有變更，請再按一次啟用 (The reader's links changed; activate again)",
                extra={"code": "links_changed"},
            ) from None
        if refused.code == "barcode_taken":
            raise problems.Conflict(
                "此借閱證條碼已屬於其他讀者 (This barcode belongs to another reader)", extra={"code": "barcode_taken"}
            ) from None
        current = deps.readers.get_profile(reader_id)
        raise _not_pending(current.get("status", "unknown") if current else "expired") from None
    return {"reader_id": reader_id, "status": "active", "card_barcode": code, "activated_at": at}


def _not_pending(status: str) -> problems.Conflict:
    return problems.Conflict(
        f"此申請目前狀態為 {status}，無法啟用 (Only a pending application can be activated)",
        extra={"code": f"already_{status}" if status in ("active", "expired") else "not_pending", "status": status},
    )


def _record(profile: dict[str, Any] | None, reader_id: str) -> dict[str, Any]:
    if profile is None:  # erased or expired since it was flagged
        return {
            "reader_id": reader_id,
            "status": "removed",
            "name": "",
            "birth_date": "",
            "id_type": "",
            "id_number_masked": "",
            "created_at": "",
        }
    return {
        name: profile.get(name, "")
        for name in ("reader_id", "status", "name", "birth_date", "id_type", "id_number_masked", "created_at")
    }


def open_reviews(deps: CounterDependencies) -> list[dict[str, Any]]:
    """Each flagged application beside the records it resembles, oldest flag first."""
    reviews = []
    for flag in sorted(deps.lifecycle.open_reviews(), key=lambda f: f.get("flagged_at", "")):
        reader_id = flag["reader_id"]
        reviews.append(
            {
                "reader_id": reader_id,
                "flagged_at": flag.get("flagged_at", ""),
                "source": flag.get("source"),
                "application": _record(deps.readers.get_profile(reader_id), reader_id),
                "resembles": [_record(deps.readers.get_profile(other), other) for other in flag.get("resembles", [])],
            }
        )
    return reviews


def decide_review(reader_id: str, decision: str, staff: Staff, deps: CounterDependencies) -> dict[str, Any]:
    at = iso_millis(deps.clock())
    audit = {
        **audit_item(reader_id, "review", decision, at, by=staff.staff_id or staff.principal, channel="counter"),
        "branch": staff.branch,
        "principal": staff.principal,
    }
    if not deps.lifecycle.decide_review(reader_id, decision, at, audit):
        raise problems.NotFound("此讀者沒有待審核的重複申請標記 (No open review for this reader)")
    if decision == "duplicate":
        deps.withdraw_waiting_links(reader_id, at)
    deps.after_review(reader_id, decision, at)
    return {"reader_id": reader_id, "decision": decision, "decided_at": at}
