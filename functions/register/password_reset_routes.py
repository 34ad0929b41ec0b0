"""忘記密碼: asking for a one-time link by mail (the same answer for everyone), and setting a new password with it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from onecard import wiring
from onecard.domain.identity import normalise_barcode
from onecard.domain.issues import FieldIssue
from onecard.lifecycle import password_reset
from onecard.models.lifecycle import (
    PasswordResetAccepted,
    PasswordResetCompletion,
    PasswordResetDone,
    PasswordResetRequest,
)
from onecard.readers.library_access import patron_records_or_503
from onecard.readers.library_password import sealed_for_library
from onecard.web import problems

router = APIGatewayRouter()  # its current_event is typed as the REST API's event


def _decrypt(profile: dict) -> str:
    return wiring.cipher().decrypt(profile["id_number_encrypted"], associated_data=f"{profile['reader_id']}:id_number")


def reset_dependencies() -> password_reset.ResetDependencies:
    return password_reset.ResetDependencies(
        readers=wiring.readers(),
        lifecycle=wiring.lifecycle(),
        indexes=wiring.keyring().identity_indexes,
        rate_limit=lambda bucket, client, limit: wiring.rate_limiter().hit(
            bucket, client, limit=limit, window_seconds=3600
        ),
        sessions=wiring.session_store(),
        lockout=wiring.lockout(),
        decrypt_id_number=_decrypt,
        clock=password_reset.now,
        records=patron_records_or_503,
        barcode_index=wiring.card_barcode_account,
        password_for_library=sealed_for_library,
    )


@router.post(
    "/v1/password-resets",
    summary="忘記密碼: mail a one-time link to the reader's verified address",
    tags=["個人書房"],
    responses={
        202: {
            "description": "Accepted (the same answer whether or not a mail was sent)",
            "content": {"application/json": {"model": PasswordResetAccepted}},
        },
        429: {"description": "Too many requests from this address or for this reader; see Retry-After"},
    },
)
def ask_for_reset(request: Annotated[PasswordResetRequest, Body()]) -> Response[PasswordResetAccepted]:
    if (request.id_number is None) == (request.card_barcode is None):
        raise problems.InvalidFields(
            [
                FieldIssue(
                    "id_number",
                    "identifier_required",
                    "請輸入證號或借閱證條碼其中之一 (Give your ID number or your card barcode)",
                )
            ]
        )
    address = router.current_event.request_context.identity.source_ip or "unknown"
    barcode = normalise_barcode(request.card_barcode) if request.card_barcode else None
    password_reset.request_reset(address, request.id_number, barcode, reset_dependencies())
    body = PasswordResetAccepted(accepted=True, valid_minutes=password_reset.VALID_MINUTES)
    return Response(202, "application/json", body)


@router.post(
    "/v1/password-resets/<token>",
    summary="Set a new password with the reset link's token",
    tags=["個人書房"],
    responses={
        409: {
            "description": "The library system was handed the password during the reset (`password_moved_meanwhile`): "
            "nothing changed and the link is still good; set it again"
        },
        422: {"description": "Unknown, used or expired link (the code says which), or the new password breaks a rule"},
        503: {"description": "The library system, which holds a card holder's password, cannot be reached"},
    },
)
def complete_reset(
    token: Annotated[str, Path(min_length=1, max_length=200)], request: Annotated[PasswordResetCompletion, Body()]
) -> PasswordResetDone:
    password_reset.complete_reset(token, request.password, request.password_confirm, reset_dependencies())
    return PasswordResetDone(password_reset=True, sessions_ended=True)
