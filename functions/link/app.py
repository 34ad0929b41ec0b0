"""一證通用: a reader's links with partners, and partners' signed callbacks."""

from __future__ import annotations

from typing import Annotated

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path

from onecard import wiring
from onecard.config import settings
from onecard.consent.documents import default_library
from onecard.links import service
from onecard.links.requests import link_key
from onecard.models.links import LinkAccepted, LinkList, LinkRequest, LinkView, PartnerCallback
from onecard.models.readers import PartnerCode
from onecard.partners import protocol
from onecard.web.auth import current_session, current_session_reading
from onecard.web.resolver import create_resolver, http_handler

app = create_resolver()


@app.post(
    "/v1/readers/me/links",
    summary="啟用一證通用服務: agree to the partner's document and ask it to link",
    tags=["一證通用"],
    responses={
        202: {
            "description": "Requested: `pending` (sent to the partner), or "
            "`waiting_for_verification` (sent once the card is "
            "collected at a counter)",
            "content": {"application/json": {"model": LinkAccepted}},
        },
        409: {
            "description": "Already open, the document was revised, or the card "
            "is expired or blocked at the library system"
        },
        503: {"description": "The library system cannot be reached; see Retry-After"},
    },
)
def request_link(request: Annotated[LinkRequest, Body()]) -> Response[LinkAccepted]:
    session = current_session(app)
    request_id, status = service.request_link(session.reader_id, request.partner, request.document_sha256)
    return Response(
        202, "application/json", LinkAccepted(partner=request.partner, status=status, request_id=request_id)
    )


@app.get("/v1/readers/me/links", summary="Each partner's link status", tags=["一證通用"])
def my_links() -> LinkList:
    # One request: the session, the reader's link with each partner and each partner's health, read together.
    partners, breakers, table = default_library().partners(), wiring.partner_breakers(), settings().readers_table
    _, found = current_session_reading(
        app,
        lambda reader_id: {
            table: [link_key(reader_id, partner) for partner in partners],
            breakers.table: [breakers.key(partner) for partner in partners],
        },
    )
    links = sorted((item for item in found[table] if item["sk"].startswith("LINK#")), key=lambda link: link["sk"])
    health = breakers.health_of(partners, found[breakers.table])
    return LinkList(
        links=[
            LinkView(
                **{k: v for k, v in link.items() if k in LinkView.model_fields},
                partner_available=not health[link["partner"]].down,
            )
            for link in links
        ]
    )


@app.delete(
    "/v1/readers/me/links/<partner>",
    summary="End a link: withdraws the consent and tells the partner",
    tags=["一證通用"],
    responses={
        202: {"description": "Unlink requested", "content": {"application/json": {"model": LinkAccepted}}},
        404: {"description": "No link with this partner to end"},
    },
)
def end_link(partner: Annotated[PartnerCode, Path()]) -> Response[LinkAccepted]:
    session = current_session(app)
    request_id, status = service.request_unlink(session.reader_id, partner)
    return Response(202, "application/json", LinkAccepted(partner=partner, status=status, request_id=request_id))


@app.post(
    "/v1/partners/<partner>/callbacks",
    summary="A partner's signed answer to a link request",
    tags=["Partners"],
    responses={
        204: {"description": "Recorded (or already recorded)"},
        401: {"description": "Bad, missing or stale signature"},
        404: {"description": "Unknown partner or request"},
    },
)
def callback(
    partner: Annotated[str, Path(max_length=20)],
    event: Annotated[PartnerCallback, Body()],
    # Declared so that the document (and the fuzzing that reads it) shows them; verified from the raw headers,
    # where anything malformed is a 401.
    signed_at: Annotated[
        str | None, Header(alias=protocol.TIMESTAMP_HEADER, description="Unix seconds of the signature")
    ] = None,
    signature: Annotated[
        str | None, Header(alias=protocol.SIGNATURE_HEADER, description='hex HMAC-SHA256 of "timestamp.body"')
    ] = None,
) -> Response[None]:
    raw = app.current_event.raw_event
    body = (app.current_event.body or "").encode("utf-8")
    service.apply_callback(partner, dict(raw.get("headers") or {}), body, event)
    return Response(204)


lambda_handler = http_handler(app)
