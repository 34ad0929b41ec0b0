"""What counter staff do with an application: find it, activate the card, decide on a possible duplicate.

No AWS import here: the parts are handed in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from onecard.domain import people
from onecard.domain.identity import IdType, id_number_issue, mask_id_number, normalise_id_number
from onecard.domain.issues import FieldIssue
from onecard.domain.moments import iso_millis
from onecard.lifecycle.records import ActivationRefused
from onecard.mail import notices
from onecard.readers.personal_data import audit_item
from onecard.web import problems

PENDING = "pending_verification"
ACTIVE = "active"


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
    decrypt_guardian_id_number: Callable[[dict[str, Any]], str] | None = None
    """A minor's guardian's ID number, which the counter sees masked and checks by typing the one on their card."""
    library_card_actions: Callable[[str, dt.datetime], list[dict[str, Any]]] = lambda reader_id, now: []
    """The upgrade of the reader's patron in the library system, written with the activation."""
    library_card_replacement: Callable[[str, dt.datetime], list[dict[str, Any]]] = lambda reader_id, now: []
    """The new card barcode's write to the library system, written with a card's replacement (the old refusal
    cleared: the status shows it waiting, then held)."""
    after_review: Callable[[str, str, str], None] = lambda reader_id, decision, at: None
    """What a review decision means for the library system (onecard.library_cards.outbox.after_review)."""
    library_holder: Callable[[str], Any] = lambda barcode: None
    """The card holder the library system knows by this barcode (a Patron), or None: none, or a stack without a
    library system. Raises the 503 problem when the library system cannot answer."""


@dataclass(frozen=True)
class Staff:
    """Who acts, as the verified sign-in says: the person's stable id, their user name and their branch."""

    principal: str
    staff_id: str = ""
    branch: str = ""


def staff_read_audit(reader_id: str, what: str, purpose: str, at: str, staff: Staff) -> dict[str, Any]:
    """The reader's audit entry of a staff member's read of their personal data: who (user name, and the sign-in's
    stable id), where, when, what was shown and why."""
    return {
        **audit_item(reader_id, what, "viewed_by_staff", at, by=staff.staff_id or staff.principal, channel="counter"),
        "branch": staff.branch,
        "principal": staff.principal,
        "purpose": purpose,
    }


def find_application(
    id_type: IdType, id_number: str, purpose: str, staff: Staff, deps: CounterDependencies
) -> dict[str, Any]:
    """The record the counter compares with the identity document, its ID number (and a family card's household
    register number) in clear. The read is in the reader's audit trail before anything is shown: no entry, no data."""
    number = normalise_id_number(id_number)
    issue = id_number_issue(id_type, number)
    if issue:
        raise problems.InvalidFields([issue])
    reader_id = deps.readers.reader_id_for_identity(deps.indexes().identity(number))
    profile = deps.readers.get_profile(reader_id) if reader_id else None
    if profile is None or profile.get("id_type") != id_type.value:
        raise problems.NotFound("查無此證號之申請或讀者 (No application for this ID number)")
    record = {**profile, "id_number": deps.decrypt_id_number(profile)}
    if isinstance(profile.get("guardian"), dict):  # who must come along with a minor: their number only masked
        record["guardian"] = {k: v for k, v in profile["guardian"].items() if not k.endswith("_encrypted")}
        guardian_number = _guardian_id_number(profile, deps)
        if guardian_number:
            record["guardian"]["id_number_masked"] = mask_id_number(guardian_number)
    if isinstance(profile.get("household"), dict):  # a family card: the register's number and head; the head's
        # own ID number stays sealed (the 戶口名簿 shows the head by name)
        record["household"] = {
            "register_number": deps.decrypt_register_number(profile),
            "head_name": profile["household"].get("head_name", ""),
        }
    at = iso_millis(deps.clock())
    deps.readers.append_audit([staff_read_audit(profile["reader_id"], "personal_data", purpose, at, staff)])
    return record


def _guardian_id_number(profile: dict[str, Any], deps: CounterDependencies) -> str | None:
    guardian = profile.get("guardian")
    if (
        deps.decrypt_guardian_id_number is None
        or not isinstance(guardian, dict)
        or "id_number_encrypted" not in guardian
    ):
        return None
    return deps.decrypt_guardian_id_number(profile)


def guardian_matches(reader_id: str, typed: str, deps: CounterDependencies) -> bool:
    """Whether the ID number on the card of the adult at the counter is the guardian's of this minor's application
    (compared in constant time; a malformed number simply does not match)."""
    profile = deps.readers.get_profile(reader_id)
    if profile is None:
        raise problems.NotFound("查無此讀者 (No such reader)")
    expected = _guardian_id_number(profile, deps)
    if expected is None:
        raise problems.Conflict(
            "此申請沒有法定代理人資料 (This application names no guardian)", extra={"code": "no_guardian"}
        )
    return _same_id_number(typed, expected)


def _same_id_number(typed: str, expected: str) -> bool:
    return hmac.compare_digest(normalise_id_number(typed).encode(), expected.encode())


def _refuse_without_the_guardian(profile: dict[str, Any], typed: str | None, deps: CounterDependencies) -> bool:
    """A minor's card is handed over only with the guardian present: the number on the adult's document must be
    the application's guardian's. True when a guardian was checked (for the audit trail)."""
    expected = _guardian_id_number(profile, deps)
    if expected is None:
        return False
    if not typed:
        issue = FieldIssue(
            "guardian_id_number",
            "guardian_not_checked",
            "申請人未滿 18 歲：請輸入到場法定代理人證件上的證號",
        )
        raise problems.InvalidFields([issue])
    if not _same_id_number(typed, expected):
        issue = FieldIssue(
            "guardian_id_number",
            "guardian_differs",
            "此證號不是申請書所填法定代理人的證號",
        )
        raise problems.InvalidFields([issue])
    return True


def activate(
    reader_id: str,
    barcode: str,
    document_checked: str,
    branch: str,
    staff: Staff,
    deps: CounterDependencies,
    guardian_id_number: str | None = None,
) -> dict[str, Any]:
    """pending_verification → active, with the card's barcode, recorded in the reader's audit trail. The library
    system's answer about the barcode and the reader's waiting links are asked while the profile is read: the
    counter waits for one round trip and the activation's transaction."""
    code = barcode.upper()
    now = deps.clock()
    holder = ASKED_AHEAD.submit(deps.library_holder, code)
    waiting_links = ASKED_AHEAD.submit(deps.release_waiting_links, reader_id, now)
    try:
        return _activate(
            reader_id, code, document_checked, branch, staff, deps, now, holder, waiting_links, guardian_id_number
        )
    finally:
        for asked in (holder, waiting_links):  # an answer not needed (a refusal came first) is waited for, unused
            with contextlib.suppress(Exception):
                asked.result()


# The questions an activation asks while its profile is read wait on the network.
ASKED_AHEAD = ThreadPoolExecutor(max_workers=4, thread_name_prefix="activation")


def _activate(
    reader_id: str,
    code: str,
    document_checked: str,
    branch: str,
    staff: Staff,
    deps: CounterDependencies,
    now: dt.datetime,
    holder: Future,
    waiting_links: Future,
    guardian_id_number: str | None,
) -> dict[str, Any]:
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
    if profile.get("verify_by", "9999-12-31") < people.today_in_taipei(now).isoformat():
        # Its deadline has passed: the daily expiry deletes it on its next run, so the counter must not revive it.
        raise _not_pending("expired")
    at = iso_millis(now)
    guardian_checked = _refuse_without_the_guardian(profile, guardian_id_number, deps)
    refuse_a_card_the_library_system_gave(holder.result(), profile, deps)
    audit = {
        **audit_item(reader_id, "status", "activated", at, by=staff.staff_id, channel="counter"),
        "branch": branch,
        "document_checked": document_checked,
        **({"guardian_checked": True} if guardian_checked else {}),
        "principal": staff.principal,
        "card_barcode": code,
    }
    try:
        welcome = notices.notice_for(profile, "card_activated", int(now.timestamp()), card_barcode=code)
        library_write = deps.library_card_actions(reader_id, now)
        deps.lifecycle.activate(
            reader_id,
            code,
            at,
            audit,
            waiting_links.result()
            + library_write
            + ([notices.put_action(deps.lifecycle.table, welcome)] if welcome else []),
            library_waits=bool(library_write),
        )
    except ActivationRefused as refused:
        if refused.code == "links_changed":  # the reader ended a waiting link while the counter was busy
            raise problems.Conflict(
                "讀者的一證通用申請剛有變更，請再按一次啟用 (The reader's links changed; activate again)",
                extra={"code": "links_changed"},
            ) from None
        if refused.code == "barcode_taken":
            raise barcode_taken() from None
        current = deps.readers.get_profile(reader_id)
        raise _not_pending(current.get("status", "unknown") if current else "expired") from None
    return {"reader_id": reader_id, "status": "active", "card_barcode": code, "activated_at": at}


def barcode_taken() -> problems.Conflict:
    return problems.Conflict(
        "此借閱證條碼已屬於其他讀者 (This barcode belongs to another reader)", extra={"code": "barcode_taken"}
    )


def refuse_a_card_the_library_system_gave(holder: Any, profile: dict[str, Any], deps: CounterDependencies) -> None:
    """The library system is the one record of every card: a barcode it already holds (``holder``, its card holder)
    is someone's card, whether or not they ever came here, so handing it over would give the applicant that card
    holder's login (and lock them out). Only the applicant's own card there (the same ID number) may be the one
    handed over."""
    if holder is None:
        return
    own = holder.id_number and normalise_id_number(holder.id_number) == deps.decrypt_id_number(profile)
    if not own:
        raise problems.Conflict(
            "此借閱證條碼在圖書館系統中已屬於其他讀者，請改用另一張新借閱證 "
            "(The library system already holds this barcode as another card holder's card: use another new card)",
            extra={"code": "barcode_held_by_library_system"},
        )


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
        name: profile.get(name) or ""  # a card holder taken over from the library system may have no birth date
        for name in ("reader_id", "status", "name", "birth_date", "id_type", "id_number_masked", "created_at")
    }


def open_reviews(staff: Staff, deps: CounterDependencies) -> list[dict[str, Any]]:
    """Each flagged application beside the records it resembles, oldest flag first. Every reader shown has the
    reviewer's read in their audit trail (written before the list is shown)."""
    reviews, shown = [], set()
    for flag in sorted(deps.lifecycle.open_reviews(), key=lambda f: f.get("flagged_at", "")):
        reader_id = flag["reader_id"]
        profiles = {one: deps.readers.get_profile(one) for one in [reader_id, *flag.get("resembles", [])]}
        shown |= {one for one, profile in profiles.items() if profile is not None}  # an erased one shows nothing
        reviews.append(
            {
                "reader_id": reader_id,
                "flagged_at": flag.get("flagged_at", ""),
                "source": flag.get("source"),
                "application": _record(profiles[reader_id], reader_id),
                "resembles": [_record(profiles[other], other) for other in flag.get("resembles", [])],
            }
        )
    at = iso_millis(deps.clock())
    deps.readers.append_audit(
        [staff_read_audit(one, "personal_data", "duplicate_review", at, staff) for one in sorted(shown)]
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
