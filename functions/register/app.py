"""網路辦證: the captcha, 讀者證號是否辦過, and applying for a card."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from onecard import captcha, wiring
from onecard.config import settings
from onecard.domain.identity import IdType, id_number_issue, normalise_id_number
from onecard.links.requests import new_request_id, waiting_link_actions
from onecard.models.readers import (
    Availability,
    CaptchaChallenge,
    Health,
    RegistrationAccepted,
    RegistrationRequest,
    registration_rules,
)
from onecard.openapi import committed_document
from onecard.readers.library_access import ask_library
from onecard.registration import service
from onecard.web import problems
from onecard.web.language import response_headers
from onecard.web.resolver import create_resolver, http_handler, request_language
from register import email_routes, page_routes, password_reset_routes, reader_routes, session_routes

app = create_resolver({"POST /v1/readers": registration_rules})
app.include_router(session_routes.router)
app.include_router(reader_routes.router)
app.include_router(email_routes.router)
app.include_router(password_reset_routes.router)
app.include_router(page_routes.router)


def _dependencies() -> service.RegistrationDependencies:
    keys = wiring.keyring()
    return service.RegistrationDependencies(
        readers=wiring.readers(),
        cipher=wiring.cipher(),
        indexes=keys.identity_indexes,
        captcha_key=keys.captcha_verification_keys,
        consent=wiring.consent(),
        link_requests=_link_requests,
        lifecycle=wiring.lifecycle(),
        expiry_days=settings().application_expiry_days,
        attempt_allowed=functools.partial(_draw_attempt, _client_address()),
        holds_card_elsewhere=_holds_card_at_the_library,
        language=request_language(app),
        library_card_actions=_library_card_actions if wiring.library_cards_enabled() else None,
    )


def _library_card_actions(profile: dict, password: str) -> list:
    from onecard.library_cards import outbox

    now = dt.datetime.now(dt.UTC)
    return outbox.at_registration(
        wiring.library_cards(), wiring.cipher(), profile, password, service.iso_millis(now), int(now.timestamp())
    )


def _holds_card_at_the_library(id_number: str) -> bool:
    """Asks the library system (when the stack has one); 503 when it cannot answer, since an existing reader must
    not get a second card by applying while it is down."""
    return bool(ask_library(lambda library: library.find_patron(id_number) is not None))


def _draw_attempt(address: str):
    """讀者證號是否辦過 and 網路辦證 share one budget per client address: both can tell whether a number is taken."""
    return wiring.rate_limiter().hit(
        "availability", address, limit=settings().availability_limit_per_minute, window_seconds=60
    )


def _link_requests(reader_id: str, partner: str, version: int, receipt_id: str, now_iso: str, now_epoch: int) -> list:
    # An application's identity is checked at the counter first: its links wait for the activation.
    return waiting_link_actions(
        settings().readers_table, reader_id, partner, version, receipt_id, new_request_id(), now_iso, now_epoch
    )


@app.get("/v1/health", summary="Health check", tags=["Service"])
def health() -> Health:
    return Health(status="ok")


@app.get("/v1/openapi.json", summary="This API's OpenAPI 3.1 document", tags=["Service"], include_in_schema=False)
def openapi_document():
    return Response(200, "application/json", committed_document(), headers={"Cache-Control": "public, max-age=300"})


@app.get("/v1/captcha", summary="A proof-of-work challenge (ALTCHA v1) to solve before applying", tags=["網路辦證"])
def new_captcha() -> CaptchaChallenge:
    s = settings()
    challenge = captcha.create_challenge(
        wiring.keyring().captcha_hmac_key(),
        max_number=s.captcha_max_number,
        ttl_seconds=s.captcha_ttl_seconds,
        now=dt.datetime.now(dt.UTC),
    )
    return CaptchaChallenge(**challenge)


@app.get(
    "/v1/readers/availability",
    summary="讀者證號是否辦過: whether an ID number already holds a card, here or at the library system "
    "(rate-limited per address)",
    tags=["網路辦證"],
    responses={
        429: {"description": "Too many checks from this address; see Retry-After"},
        503: {"description": "The library system cannot be reached; see Retry-After"},
    },
)
def availability(
    id_type: Annotated[IdType, Query(description="證件種類")],
    id_number: Annotated[str, Query(min_length=1, max_length=40, description="證號")],
) -> Availability:
    number = normalise_id_number(id_number)
    issue = id_number_issue(id_type, number)
    if issue:
        raise problems.InvalidFields([issue])
    verdict = _draw_attempt(_client_address())
    if not verdict.allowed:
        raise problems.TooManyRequests("查詢次數過多，請稍後再試", retry_after_seconds=verdict.retry_after_seconds)
    return Availability(registered=service.is_registered(_dependencies(), number))


@app.post(
    "/v1/readers",
    summary="網路辦證: apply for a library card",
    tags=["網路辦證"],
    responses={
        201: {"description": "Application accepted", "content": {"application/json": {"model": RegistrationAccepted}}},
        409: {"description": "This identity already holds a card (here or at the library system)"},
        422: {"description": "Invalid fields (every failing one is listed), or a captcha that was already used"},
        429: {"description": "Too many attempts from this address (shared with the availability check)"},
        503: {"description": "The library system cannot be reached to check for an existing card; see Retry-After"},
    },
)
def apply(request: Annotated[RegistrationRequest, Body()]) -> Response[RegistrationAccepted]:
    accepted = service.apply(request, _dependencies())
    return Response(
        status_code=201,
        content_type="application/json",
        body=accepted,
        headers={"Location": f"/v1/readers/{accepted.reader_id}", **response_headers(request_language(app))},
    )


def _client_address() -> str:
    return app.current_event.request_context.identity.source_ip or "unknown"


lambda_handler = http_handler(app)
