"""E-mail verification: the link from the mail, and a logged-in reader asking for a new one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from onecard import wiring
from onecard.lifecycle import email_verification
from onecard.models.lifecycle import EmailVerificationRequest, EmailVerified, VerificationSent
from onecard.registration.service import iso_millis
from onecard.web.auth import current_session

router = Router()


def verification_mail_budget(reader_id: str):
    """One budget for every verification mail a reader causes: a new link on request, or a changed address."""
    return wiring.rate_limiter().hit(
        "email-verification", reader_id, limit=email_verification.RESEND_LIMIT_PER_HOUR, window_seconds=3600
    )


def verification_dependencies() -> email_verification.VerificationDependencies:
    return email_verification.VerificationDependencies(
        lifecycle=wiring.lifecycle(),
        readers=wiring.readers(),
        mailer=wiring.mailer(),
        link_for=wiring.verification_link,
        rate_limit=verification_mail_budget,
        on_verified=_provisional_patron,
    )


def _provisional_patron(reader_id: str, now: dt.datetime) -> list:
    from onecard.library_cards import outbox

    if not wiring.library_cards_enabled():
        return []
    return outbox.at_verification(wiring.library_cards(), reader_id, iso_millis(now), int(now.timestamp()))


@router.post(
    "/v1/email-verifications",
    summary="Verify an e-mail address with the one-time link's token",
    tags=["網路辦證"],
    responses={422: {"description": "Unknown, used, expired or superseded token (code says which)"}},
)
def verify_email(request: Annotated[EmailVerificationRequest, Body()]) -> EmailVerified:
    email_verification.verify(request.token, verification_dependencies())
    return EmailVerified(email_verified=True)


@router.post(
    "/v1/readers/me/email-verification",
    summary="Send a new verification link (rate-limited)",
    tags=["個人書房"],
    responses={
        202: {"description": "Sent", "content": {"application/json": {"model": VerificationSent}}},
        409: {"description": "No address, or already verified"},
        429: {"description": "Too many requests; see Retry-After"},
    },
)
def resend_verification() -> Response[VerificationSent]:
    session = current_session(router)
    sent_to = email_verification.resend(session.reader_id, verification_dependencies())
    return Response(
        202, "application/json", VerificationSent(sent_to=sent_to, valid_hours=email_verification.VALID_HOURS)
    )
