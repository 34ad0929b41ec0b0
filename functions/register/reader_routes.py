"""個人書房: the reader's own data — correct it, copy it, change the password, erase it (PDPA Art. 3)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from onecard import wiring
from onecard.config import settings
from onecard.consent.documents import default_library
from onecard.consent.receipts import ERASURE_SUBJECT, Channel
from onecard.infra.aws import client
from onecard.infra.dynamo import WritesUnfinished
from onecard.infra.lifecycle_repository import index_keys_of
from onecard.infra.readers_repository import erase_reader, reader_key
from onecard.lifecycle import email_verification
from onecard.links.requests import update_request_actions
from onecard.links.withdrawal import withdraw_open_links
from onecard.mail import notices
from onecard.models.sessions import CorrectionRequest, ErasureAccepted, ErasureRequest, PasswordChange, ReaderProfile
from onecard.observability import logger
from onecard.readers import personal_data
from onecard.readers.library_access import library_system_or_503, patron_records_or_503
from onecard.readers.library_password import sealed_for_library
from onecard.web import problems
from onecard.web.auth import current_session, current_session_reading, current_session_with_partition
from register.email_routes import verification_dependencies, verification_mail_budget

router = APIGatewayRouter()  # its current_event is typed as the REST API's event


def _decrypt(profile: dict) -> str:
    return wiring.cipher().decrypt(profile["id_number_encrypted"], associated_data=f"{profile['reader_id']}:id_number")


def _delete_everything(reader_id: str, profile: dict, request_id: str, at: str) -> None:
    # The security notice's address is taken now, before the data goes; the notice is written with the erasure's
    # completion record, outside the reader's partition (which the erasure empties).
    notice = notices.notice_for(profile, "erasure_requested", int(dt.datetime.now(dt.UTC).timestamp()))
    if notice:
        notice = {**notice, "pk": f"NOTICE#{request_id}"}
    withdraw_open_links(reader_id, at, channel=Channel.PERSONAL_STUDY, decided_by="reader")
    s = settings()
    try:
        erase_reader(
            client("dynamodb"),
            readers_table=s.readers_table,
            sessions_table=s.sessions_table,
            reader_id=reader_id,
            identity_index=profile["identity_index"],
            request_id=request_id,
            at=at,
            extra_keys=index_keys_of(profile),
            notice=notice,
        )
    except WritesUnfinished:
        logger.warning("erasure cut short by throttling; the reader may ask again", extra={"request_id": request_id})
        raise problems.ServiceUnavailable(
            "資料刪除尚未完成，請稍後再按一次「刪除我的資料」(The erasure could not finish; please ask again shortly)",
            headers={"Retry-After": "30"},
        ) from None


def _partner_updates(reader_id: str, now_epoch: int) -> list[dict]:
    """A linked reader's correction is passed on to each partner the link is active with."""
    active = [link for link in wiring.link_status().links(reader_id) if link.get("status") == "active"]
    library, today = default_library(), dt.date.today()
    versions = {link["partner"]: library.current(link["partner"], today).version for link in active}
    return update_request_actions(settings().readers_table, reader_id, active, versions, now_epoch)


def _record_erasure(reader_id: str, decision: str, at: str) -> None:
    """An erasure request's receipt in the reader's chain (receipts outlive the erasure and prove the request)."""
    decided = {
        "partner": ERASURE_SUBJECT,
        "document_version": 0,
        "document_sha256": "0" * 64,
        "decision": decision,
        "channel": Channel.PERSONAL_STUDY,
        "decided_by": "reader",
    }
    wiring.consent().record(reader_id, [decided], recorded_at=at)


def _deps() -> personal_data.PersonalDataDependencies:
    return personal_data.PersonalDataDependencies(
        readers=wiring.readers(),
        consent=wiring.consent(),
        sessions=wiring.session_store(),
        partner_updates=_partner_updates,
        email_changed=lambda reader_id, address: email_verification.issue_and_send(
            reader_id, address, verification_dependencies()
        ),
        verification_mail_budget=verification_mail_budget,
        decrypt_id_number=_decrypt,
        lockout=wiring.lockout(),
        library=library_system_or_503,
        records=patron_records_or_503,
        record_erasure=_record_erasure,
        card_barcode_account=wiring.card_barcode_account,
        decrypt_field=lambda envelope, aad: wiring.cipher().decrypt(envelope, associated_data=aad),
        delete_everything=_delete_everything,
        password_for_library=sealed_for_library,
        table=settings().readers_table,
    )


def _profile_view(profile: dict) -> ReaderProfile:
    return ReaderProfile(**{k: v for k, v in profile.items() if k in ReaderProfile.model_fields})


@router.patch(
    "/v1/readers/me",
    summary="補充或更正: correct the reader's own data (all errors at once)",
    tags=["個人書房"],
    responses={
        200: {"description": "The corrected profile", "content": {"application/json": {"model": ReaderProfile}}},
        422: {"description": "Invalid fields, or fields only a counter may change"},
        429: {"description": "A changed e-mail address over the budget of verification mails (3 an hour)"},
    },
)
def correct(request: Annotated[CorrectionRequest, Body()]) -> ReaderProfile:
    session = current_session(router)
    changes = request.model_dump(mode="json", exclude_unset=True)
    return _profile_view(personal_data.correct(session.reader_id, changes, _deps()))


_LOCKED: dict[int, OpenAPIResponse] = {
    429: {"description": "Locked after too many wrong passwords (shared with the login's lockout); see Retry-After"}
}


@router.put(
    "/v1/readers/me/password",
    summary="Change the password; other sessions are logged out",
    tags=["個人書房"],
    responses={
        204: {"description": "Changed"},
        409: {
            "description": "The library system holds this reader's password and cannot be written to here, or was "
            "handed it during the change (`password_moved_meanwhile`: nothing changed, change it again)"
        },
        422: {"description": "Wrong current password, or the new one refused (by the library system's policy too)"},
        503: {"description": "The library system cannot be reached; nothing changed; see Retry-After"},
        **_LOCKED,
    },
)
def change_password(request: Annotated[PasswordChange, Body()]) -> Response[None]:
    table = settings().readers_table
    session, found = current_session_reading(router, lambda reader_id: {table: [reader_key(reader_id)]})
    profile = next((item for item in found[table] if item["sk"] == "PROFILE"), None)
    if profile is None:
        raise problems.Unauthenticated("請重新登入")
    personal_data.change_password(
        session.reader_id,
        request.current_password,
        request.password,
        request.password_confirm,
        session.token_hash,
        _deps(),
        profile,
    )
    return Response(204)


@router.get(
    "/v1/readers/me/export", summary="查詢、閱覽、製給複製本: a complete copy of the reader's data", tags=["個人書房"]
)
def export() -> Response[dict]:
    session, partition = current_session_with_partition(router)  # one Query: the session is in the partition
    copy = personal_data.export(session.reader_id, _deps(), partition)
    name = f"tpml-reader-data-{dt.date.today().isoformat()}.json"
    return Response(200, "application/json", copy, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post(
    "/v1/readers/me/erasure",
    summary="停止蒐集、處理或利用及刪除: erase the reader's personal data",
    tags=["個人書房"],
    responses={
        202: {"description": "Erased", "content": {"application/json": {"model": ErasureAccepted}}},
        409: {"description": "The library system keeps the card holder's record (loans, fees): nothing erased"},
        503: {
            "description": "Not finished (throttled, or the library system unreachable): ask again after Retry-After"
        },
        **_LOCKED,
    },
)
def erase(request: Annotated[ErasureRequest, Body()]) -> Response[ErasureAccepted]:
    session = current_session(router)
    request_id = router.current_event.request_context.request_id
    done = personal_data.erase(session.reader_id, request.password, request_id, _deps())
    return Response(202, "application/json", ErasureAccepted(**done), cookies=[])
