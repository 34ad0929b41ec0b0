"""Asking for, ending and listing links; applying partners' callbacks."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Literal

from botocore.exceptions import ClientError

from onecard import wiring
from onecard.config import settings
from onecard.consent.documents import default_library
from onecard.consent.receipts import Channel, Decision
from onecard.domain.issues import FieldIssue
from onecard.domain.moments import iso_millis
from onecard.domain.people import TAIPEI
from onecard.infra.aws import client
from onecard.infra.dynamo import to_item
from onecard.links.requests import (
    WAITING,
    link_request_actions,
    new_request_id,
    unlink_request_actions,
    waiting_link_actions,
    withdraw_waiting_actions,
)
from onecard.observability import logger
from onecard.partners import protocol
from onecard.readers import library_patrons, library_refresh
from onecard.web import problems


def _now() -> tuple[dt.datetime, str, int]:
    now = dt.datetime.now(dt.UTC)
    return now, iso_millis(now), int(now.timestamp())


def _document_in_force(partner: str, document_sha256: str, now: dt.datetime) -> Any:
    """The partner's current document, which the reader must have read: an older one is a 409 naming the current."""
    current = default_library().current(partner, now.astimezone(TAIPEI).date())
    if document_sha256 != current.sha256:
        raise problems.Conflict(
            "個資同意書已更新，請閱讀最新版本後再同意 (The consent document was revised)",
            extra={
                "current": {
                    "partner": partner,
                    "version": current.version,
                    "sha256": current.sha256,
                    "title": current.title,
                }
            },
        )
    return current


PENDING_VERIFICATION = "pending_verification"


def request_link(
    reader_id: str, partner: str, document_sha256: str
) -> tuple[str, Literal["pending", "waiting_for_verification"]]:
    """The request's id and its status: ``pending`` (sent to the partner now), or ``waiting_for_verification`` for
    a reader whose identity no counter has checked yet (sent with the activation: a partner never hears of an
    identity that nobody checked)."""
    profile = wiring.readers().get_profile(reader_id)
    if profile is None:
        raise problems.Unauthenticated("請重新登入")
    if profile.get("card_type") == "family":
        raise problems.InvalidFields(
            [FieldIssue("partner", "family_card_cannot_link", "家庭證無法結合一證通用服務，請以個人證申辦")]
        )
    waiting = profile.get("status") == PENDING_VERIFICATION
    if waiting and (profile.get("review") or {}).get("status") == "duplicate":
        raise problems.Conflict(
            "此申請經審核為重複申請，無法結合合作館 (Rejected as a duplicate application)",
            extra={"code": "rejected_as_duplicate"},
        )
    if not waiting and profile.get("status") != "active":
        raise problems.Conflict(
            "借閱證目前無法結合合作館，請洽櫃檯 (This card cannot be linked now)", extra={"code": "card_not_active"}
        )
    if library_patrons.holds_password(profile):
        _card_holders_card_is_usable(profile)
    request_actions = waiting_link_actions if waiting else link_request_actions
    now, now_iso, now_epoch = _now()
    current = _document_in_force(partner, document_sha256, now)
    request_id = new_request_id()
    minor = profile.get("guardian") is not None
    table = settings().readers_table
    decision = {
        "partner": partner,
        "document_version": current.version,
        "document_sha256": current.sha256,
        "decision": Decision.AGREE,
        "channel": Channel.PERSONAL_STUDY,
        "decided_by": "guardian" if minor else "reader",
    }
    try:
        wiring.consent().record(
            reader_id,
            [decision],
            recorded_at=now_iso,
            extra_actions=lambda receipts: request_actions(
                table, reader_id, partner, current.version, receipts[0].receipt_id, request_id, now_iso, now_epoch
            ),
        )
    except ClientError as error:
        reasons = [str(r.get("Code")) for r in error.response.get("CancellationReasons") or []]
        # Actions: the receipt, the chain head, then the link item whose condition says "not pending or active".
        if len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed":
            raise problems.Conflict("已啟用或申請中，無須重複申請 (Already linked or pending)") from None
        logger.error("link request not recorded", extra={"cancellation_reasons": reasons})
        raise
    return request_id, WAITING if waiting else "pending"


def _card_holders_card_is_usable(profile: dict[str, Any]) -> None:
    """An existing card holder's card, as the library system reports it now: an expired or blocked card is not
    linked (nothing is sent); the partner gets the patron record as it is today."""
    from onecard.readers.library_access import ask_library

    patron = ask_library(lambda library: library.find_patron(profile["card_barcode"]))
    if patron is None:
        raise problems.Conflict(
            "圖書館系統查無您的借閱證，請洽各分館櫃檯 (The library system does not know this card)",
            extra={"code": "card_unknown"},
        )
    library_patrons.refuse_unusable_card(patron)
    wiring.readers().refresh_patron(profile, library_refresh.refresh_with(patron, dt.datetime.now(dt.UTC)))


def request_unlink(reader_id: str, partner: str) -> tuple[str, Literal["unlinking", "withdrawn"]]:
    """The request's id and the link's status: ``unlinking`` (the partner is told), or ``withdrawn`` for a link
    that was still waiting for the counter (no partner heard of it, so none is told)."""
    links = {link["partner"]: link for link in wiring.link_status().links(reader_id)}
    link = links.get(partner)
    if link is None or link.get("status") not in ("pending", "active", WAITING):
        raise problems.NotFound("尚未結合此合作館 (No link with this partner)")
    now, now_iso, now_epoch = _now()
    waiting = link.get("status") == WAITING
    document = default_library().current(partner, now.astimezone(TAIPEI).date())
    request_id = new_request_id()
    table = settings().readers_table
    decision = {
        "partner": partner,
        "document_version": document.version,
        "document_sha256": document.sha256,
        "decision": Decision.WITHDRAW,
        "channel": Channel.PERSONAL_STUDY,
        "decided_by": "reader",
    }
    try:
        wiring.consent().record(
            reader_id,
            [decision],
            recorded_at=now_iso,
            extra_actions=lambda _: (
                withdraw_waiting_actions(table, reader_id, partner, now_iso, now_epoch)
                if waiting
                else unlink_request_actions(table, reader_id, partner, request_id, now_iso, now_epoch)
            ),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
            raise problems.Conflict("此結合狀態已變更，請重新整理 (The link changed meanwhile)") from None
        raise
    return (link["request_id"], "withdrawn") if waiting else (request_id, "unlinking")


def apply_callback(partner: str, headers: dict[str, str], body: bytes, callback: Any) -> None:
    if partner not in settings().partner_secret_ids():
        raise problems.NotFound("沒有這個合作館 (Unknown partner)")
    try:
        secrets = wiring.partner_secrets(partner).live_keys()  # both while a rotation's window is open
    except protocol.PartnerSecretNotSet as error:
        # Verifying with the stack's placeholder would accept callbacks forged by anyone who read the template.
        logger.error(
            "partner callback refused: partner secret not set", extra={"partner": partner, "reason": str(error)}
        )
        raise problems.ServiceUnavailable("此合作館尚未完成設定 (This partner is not configured yet)") from None
    signed_at = protocol.verify_any(secrets, headers, body, time.time())
    if signed_at is None:
        raise problems.Unauthenticated("簽章錯誤或逾時 (Bad or stale signature)")
    request = wiring.link_status().request(callback.request_id)
    if request is None or request["partner"] != partner:
        raise problems.NotFound("沒有這個請求 (Unknown request)")
    try:
        client("dynamodb").put_item(
            TableName=settings().sessions_table,
            Item=to_item(
                {"pk": f"CALLBACK#{partner}#{callback.event_id}", "expires_at": int(time.time()) + 30 * 86400}
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return  # the same event again: already applied
        raise
    wiring.link_status().set(
        request["reader_id"],
        partner,
        callback.request_id,
        callback.status,
        signed_at * 1000,
        partner_card_number=callback.partner_card_number,
        reason=callback.reason,
    )


def decide_on_revision(reader_id: str, partner: str, document_sha256: str, decision: str) -> str:
    """同意 keeps the link under the revised document; 不同意 records the decline and ends the link."""
    now, now_iso, now_epoch = _now()
    current = _document_in_force(partner, document_sha256, now)
    profile = wiring.readers().get_profile(reader_id) or {}
    record = {
        "partner": partner,
        "document_version": current.version,
        "document_sha256": current.sha256,
        "decision": Decision(decision),
        "channel": Channel.PERSONAL_STUDY,
        "decided_by": "guardian" if profile.get("guardian") else "reader",
    }
    links = {link["partner"]: link for link in wiring.link_status().links(reader_id)}
    open_link = links.get(partner, {}).get("status") in ("pending", "active")
    waiting_link = links.get(partner, {}).get("status") == WAITING
    table = settings().readers_table
    request_id = new_request_id()

    def unlink(_: Any) -> list[dict[str, Any]]:
        if decision == "decline" and open_link:
            return unlink_request_actions(table, reader_id, partner, request_id, now_iso, now_epoch)
        if decision == "decline" and waiting_link:
            return withdraw_waiting_actions(table, reader_id, partner, now_iso, now_epoch)
        return []

    receipts = wiring.consent().record(reader_id, [record], recorded_at=now_iso, extra_actions=unlink)
    return receipts[0].receipt_id
