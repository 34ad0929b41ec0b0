"""Counter staff: find an application, activate the card, give an active reader another card, review possible
duplicates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from onecard import wiring
from onecard.config import settings
from onecard.consent.receipts import Channel
from onecard.domain.identity import IdType
from onecard.domain.moments import iso_millis
from onecard.library_cards import LIBRARY_SYSTEM_PARTNER as LIBRARY_SYSTEM
from onecard.library_cards import outbox as library_outbox
from onecard.library_cards.status import status_of
from onecard.lifecycle import card_replacement, counter
from onecard.links.requests import WAITING, release_actions
from onecard.links.retry_policy import PartnerHealth
from onecard.links.withdrawal import withdraw_open_links
from onecard.models.lifecycle import (
    Activated,
    ActivationRequest,
    AuditEntry,
    AuditTrail,
    CardReplaced,
    CardReplacementRequest,
    GuardianCheck,
    GuardianCheckResult,
    LibrarySystemStatus,
    LookupPurpose,
    Review,
    ReviewDecided,
    ReviewDecisionRequest,
    ReviewList,
    StaffApplication,
)
from onecard.models.links import PartnerState, PartnerStateList
from onecard.readers.library_access import ask_library
from onecard.web import problems
from onecard.web.staff import DECIDE_REVIEWS, LOOK_UP_AND_ACTIVATE, SUPERVISE, StaffMember, staff_member

router = Router()
READER_ID = r"^R[0-9A-F]{20}$"
STAFF_RESPONSES: dict[int, OpenAPIResponse] = {
    401: {"description": "Not signed in as staff (no, expired or forged token)"},
    403: {"description": "The staff member's groups do not allow this"},
}


def _acting(member: StaffMember) -> counter.Staff:
    return counter.Staff(principal=member.subject, staff_id=member.username, branch=member.branch)


def _release_waiting_links(reader_id: str, now: dt.datetime) -> list[dict]:
    waiting = [link for link in wiring.link_status().links(reader_id) if link.get("status") == WAITING]
    return release_actions(settings().readers_table, reader_id, waiting, iso_millis(now), int(now.timestamp()))


def _deps() -> counter.CounterDependencies:
    cipher = wiring.cipher()
    return counter.CounterDependencies(
        readers=wiring.readers(),
        lifecycle=wiring.lifecycle(),
        indexes=wiring.identity_indexes,
        decrypt_id_number=lambda profile: cipher.decrypt(
            profile["id_number_encrypted"], associated_data=f"{profile['reader_id']}:id_number"
        ),
        decrypt_register_number=lambda profile: cipher.decrypt(
            profile["household"]["register_number_encrypted"], associated_data=f"{profile['reader_id']}:register_number"
        ),
        decrypt_guardian_id_number=lambda profile: cipher.decrypt(
            profile["guardian"]["id_number_encrypted"], associated_data=f"{profile['reader_id']}:guardian_id_number"
        ),
        release_waiting_links=_release_waiting_links,
        withdraw_waiting_links=lambda reader_id, at: withdraw_open_links(
            reader_id, at, channel=Channel.SYSTEM, decided_by="library"
        ),
        library_holder=_library_holder,
        **(_library_card_steps() if wiring.library_cards_enabled() else {}),
    )


def _library_holder(barcode: str):
    """Who the library system knows by this barcode. Where new cards are written there, a library system that cannot
    answer does not stop the counter (issue 27): the card's upgrade is a write of its own, which the library system
    refuses for a barcode it holds already, and the counter is shown that refusal; without that door the counter
    waits for the answer (503)."""
    try:
        return ask_library(lambda library: library.find_patron(barcode))
    except problems.ServiceUnavailable:
        if not wiring.library_cards_enabled():
            raise
        return None


def _library_card_steps() -> dict:
    """What the activation, a card's replacement and a review decision tell the library system (where the stack has its REST door)."""
    return {
        "library_card_actions": lambda reader_id, now: library_outbox.at_activation(
            wiring.library_cards(), reader_id, iso_millis(now), int(now.timestamp())
        ),
        "library_card_replacement": lambda reader_id, now: library_outbox.at_card_replacement(
            wiring.library_cards(), reader_id, iso_millis(now), int(now.timestamp())
        ),
        "after_review": lambda reader_id, decision, at: library_outbox.after_review(
            wiring.library_cards(), reader_id, decision, at, int(dt.datetime.now(dt.UTC).timestamp())
        ),
    }


def _library_system(reader_id: str) -> LibrarySystemStatus | None:
    """Whether the library system has the application (None where new cards are not written there)."""
    from onecard.infra.partner_health import PartnerBreakers

    if not wiring.library_cards_enabled():
        return None

    item, health_items = wiring.library_cards().state_with_health(
        reader_id, settings().sessions_table, PartnerBreakers.key(LIBRARY_SYSTEM)
    )
    health = PartnerBreakers.health_of([LIBRARY_SYSTEM], health_items)[LIBRARY_SYSTEM]
    return LibrarySystemStatus(**vars(status_of(item, health)))


@router.get(
    "/v1/staff/applications",
    summary="Counter: an applicant's or card holder's record, ID number in clear (the read is audited)",
    tags=["館員"],
    responses={**STAFF_RESPONSES, 404: {"description": "No application for this ID number"}},
)
def find_application(
    id_type: Annotated[IdType, Query(description="證件種類")],
    id_number: Annotated[str, Query(min_length=1, max_length=40, description="證號")],
    purpose: Annotated[
        LookupPurpose,
        Query(description="查詢目的，記入讀者的稽核紀錄：identity_check 核對證件並啟用，reader_enquiry 臨櫃讀者查詢"),
    ] = "identity_check",
) -> StaffApplication:
    staff = _acting(staff_member(router, LOOK_UP_AND_ACTIVATE))
    record = counter.find_application(id_type, id_number, purpose, staff, _deps())
    record["library_system"] = _library_system(record["reader_id"])
    return StaffApplication(**{k: v for k, v in record.items() if k in StaffApplication.model_fields})


@router.post(
    "/v1/staff/readers/<reader_id>/activation",
    summary="Counter: identity checked, card handed over",
    tags=["館員"],
    responses={
        **STAFF_RESPONSES,
        404: {"description": "No such reader"},
        409: {"description": "Not pending, or the barcode belongs to another reader (here or in the library system)"},
        503: {"description": "The library system cannot say whether it holds the barcode; see Retry-After"},
    },
)
def activate(
    reader_id: Annotated[str, Path(pattern=READER_ID)], request: Annotated[ActivationRequest, Body()]
) -> Activated:
    staff = _acting(staff_member(router, LOOK_UP_AND_ACTIVATE))
    done = counter.activate(
        reader_id,
        request.card_barcode,
        request.document_checked,
        staff.branch,
        staff,
        _deps(),
        guardian_id_number=request.guardian_id_number,
    )
    # The upgrade left with the activation: it waits until the library-card worker has written it.
    if not wiring.library_cards_enabled():
        return Activated(**done)
    waiting = status_of({"pending": "upgrade", "waiting_since": done["activated_at"]}, PartnerHealth())
    return Activated(**done, library_system=LibrarySystemStatus(**vars(waiting)))


@router.post(
    "/v1/staff/readers/<reader_id>/card-replacement",
    summary="Counter: an active reader given another card barcode (lost, damaged, or held by the library system for "
    "someone else); the old barcode stops finding them at once",
    tags=["館員"],
    responses={
        **STAFF_RESPONSES,
        404: {"description": "No such reader"},
        409: {
            "description": "Not active, the barcode belongs to another reader (here or in the library system), or "
            "the reader's card changed meanwhile"
        },
        503: {"description": "The library system cannot say whether it holds the barcode; see Retry-After"},
    },
)
def replace_card(
    reader_id: Annotated[str, Path(pattern=READER_ID)], request: Annotated[CardReplacementRequest, Body()]
) -> CardReplaced:
    staff = _acting(staff_member(router, LOOK_UP_AND_ACTIVATE))
    done = card_replacement.replace_card(reader_id, request.card_barcode, request.reason, staff, _deps())
    if not wiring.library_cards_enabled():
        return CardReplaced(**done)
    waiting = status_of({"pending": library_outbox.CARD, "waiting_since": done["replaced_at"]}, PartnerHealth())
    return CardReplaced(**done, library_system=LibrarySystemStatus(**vars(waiting)))


@router.post(
    "/v1/staff/readers/<reader_id>/guardian-check",
    summary="Counter: is the adult present a minor applicant's guardian (the ID number on their document)",
    tags=["館員"],
    responses={
        **STAFF_RESPONSES,
        404: {"description": "No such reader"},
        409: {"description": "The application names no guardian"},
    },
)
def check_guardian(
    reader_id: Annotated[str, Path(pattern=READER_ID)], request: Annotated[GuardianCheck, Body()]
) -> GuardianCheckResult:
    staff_member(router, LOOK_UP_AND_ACTIVATE)
    return GuardianCheckResult(matches=counter.guardian_matches(reader_id, request.id_number, _deps()))


@router.get(
    "/v1/staff/reviews", summary="Applications flagged as possible duplicates", tags=["館員"], responses=STAFF_RESPONSES
)
def reviews() -> ReviewList:
    staff = _acting(staff_member(router, DECIDE_REVIEWS))
    return ReviewList(reviews=[Review.model_validate(review) for review in counter.open_reviews(staff, _deps())])


@router.post(
    "/v1/staff/reviews/<reader_id>",
    summary="Decide on a possible duplicate",
    tags=["館員"],
    responses={**STAFF_RESPONSES, 404: {"description": "No open review for this reader"}},
)
def decide(
    reader_id: Annotated[str, Path(pattern=READER_ID)], request: Annotated[ReviewDecisionRequest, Body()]
) -> ReviewDecided:
    staff = _acting(staff_member(router, DECIDE_REVIEWS))
    return ReviewDecided(**counter.decide_review(reader_id, request.decision, staff, _deps()))


@router.get(
    "/v1/staff/partners",
    summary="Each partner: up or down since when, its agreed rate, its backlog",
    tags=["館員"],
    responses=STAFF_RESPONSES,
)
def partners() -> PartnerStateList:
    staff_member(router, SUPERVISE)
    names, rates = list(settings().partner_base_urls()), settings().partner_rates()
    health = wiring.partner_breakers().read_many(names)
    return PartnerStateList(
        partners=[
            PartnerState(
                partner=name,
                state="down" if health[name].down else "up",
                down_since=_iso(health[name].down_since) if health[name].down else None,
                failures_in_a_row=health[name].failures,
                rate_per_second=rates.get(name),
                backlog=health[name].backlog,
            )
            for name in names
        ]
    )


@router.get(
    "/v1/staff/audit",
    summary="Supervisor: a reader's audit trail (who did what or read what, where, when, why)",
    tags=["館員"],
    responses=STAFF_RESPONSES,
)
def audit_trail(reader_id: Annotated[str, Query(pattern=READER_ID, description="讀者編號")]) -> AuditTrail:
    staff = _acting(staff_member(router, SUPERVISE))
    readers = wiring.readers()
    items = readers.partition(reader_id, "AUDIT#")
    if items:  # the supervisor's read is in the trail too (never written for a reader who is not, or no longer, here)
        at = iso_millis(dt.datetime.now(dt.UTC))
        readers.append_audit([counter.staff_read_audit(reader_id, "audit_trail", "supervision", at, staff)])
    return AuditTrail(
        reader_id=reader_id,
        entries=[
            AuditEntry(**{name: item[name] for name in AuditEntry.model_fields if item.get(name) not in (None, "")})
            for item in sorted(items, key=lambda i: i["sk"])
        ],
    )


def _iso(epoch: float | None) -> str | None:
    import datetime as dt

    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
