"""The counter gives an active reader another card barcode (換證): a lost or damaged card, or a barcode the library
system holds for someone else (its refusal ``cardnumber``). The same barcode checks as the activation; the old
barcode stops finding the reader here in the same write that records the new one; the library system gets the new
cardnumber through the outbox. No AWS import here: the parts are handed in.
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal

from onecard.domain.issues import FieldIssue
from onecard.domain.moments import iso_millis
from onecard.lifecycle.counter import (
    ACTIVE,
    ASKED_AHEAD,
    CounterDependencies,
    Staff,
    barcode_taken,
    refuse_a_card_the_library_system_gave,
)
from onecard.lifecycle.records import ActivationRefused
from onecard.readers.personal_data import audit_item
from onecard.web import problems

ReplacementReason = Literal["lost", "damaged", "refused_by_library_system"]
REASONS: tuple[str, ...] = ("lost", "damaged", "refused_by_library_system")


def replacement_issue(profile: dict[str, Any] | None, code: str) -> problems.Problem | None:
    """Why this reader cannot be given the card ``code`` now (None: they can)."""
    if profile is None:
        return problems.NotFound("查無此讀者 (No such reader)")
    if profile.get("status") != ACTIVE or not profile.get("card_barcode"):
        return problems.Conflict(
            "只有已啟用的讀者可換發借閱證 (Only an active reader's card can be replaced)",
            extra={"code": "not_active", "status": profile.get("status", "unknown")},
        )
    if profile["card_barcode"] == code:
        return problems.InvalidFields(
            [FieldIssue("card_barcode", "same_barcode", "新借閱證條碼與讀者目前的條碼相同，請掃描另一張新卡")]
        )
    return None


def replacement_audit(reader_id: str, old: str, new: str, reason: str, at: str, staff: Staff) -> dict[str, Any]:
    """The reader's audit entry of the replacement: who (user name and the sign-in's stable id), where, when, why,
    and both barcodes."""
    return {
        **audit_item(
            reader_id, "card_barcode", "replaced", at, by=staff.staff_id or staff.principal, channel="counter"
        ),
        "branch": staff.branch,
        "principal": staff.principal,
        "reason": reason,
        "card_barcode": new,
        "previous_card_barcode": old,
    }


def replace_card(reader_id: str, barcode: str, reason: str, staff: Staff, deps: CounterDependencies) -> dict[str, Any]:
    """An active reader's card barcode replaced by the newly scanned ``barcode`` (asked of the library system while
    the profile is read, as at the activation)."""
    code = barcode.upper()
    now = deps.clock()
    holder = ASKED_AHEAD.submit(deps.library_holder, code)
    try:
        profile = deps.readers.get_profile(reader_id)
        refusal = replacement_issue(profile, code)
        if refusal is not None:
            raise refusal
        assert profile is not None
        refuse_a_card_the_library_system_gave(holder.result(), profile, deps)
    finally:  # an answer not needed (a refusal came first) is waited for, unused
        with contextlib.suppress(Exception):
            holder.result()
    at, old = iso_millis(now), profile["card_barcode"]
    library_write = deps.library_card_replacement(reader_id, now)
    try:
        deps.lifecycle.replace_card(
            reader_id,
            old,
            code,
            at,
            replacement_audit(reader_id, old, code, reason, at, staff),
            library_write,
            library_waits=bool(library_write),
        )
    except ActivationRefused as refused:
        if refused.code == "barcode_taken":
            raise barcode_taken() from None
        raise problems.Conflict(
            "讀者的借閱證剛有變更，請重新查詢後再試 (The reader's card changed meanwhile; look them up again)",
            extra={"code": "card_changed"},
        ) from None
    return {
        "reader_id": reader_id,
        "card_barcode": code,
        "previous_card_barcode": old,
        "reason": reason,
        "replaced_at": at,
    }
