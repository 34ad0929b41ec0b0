"""個人書房 login and logout, and the logged-in reader's own profile."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from onecard import wiring
from onecard.config import settings
from onecard.consent.documents import default_library
from onecard.consent.revisions import outdated_agreements
from onecard.domain.issues import FieldIssue
from onecard.domain.people import TAIPEI
from onecard.mail import notices as mail_notices
from onecard.models.sessions import LoginRequest, ReaderProfile, SessionCreated
from onecard.readers import library_patrons
from onecard.readers.library_access import library_system_or_503
from onecard.registration.records import BarcodeTaken
from onecard.registration.service import iso_millis, new_reader_id
from onecard.security.blind_index import blind_index
from onecard.security.identity_indexes import Indexes
from onecard.sessions import service
from onecard.sessions.store import ABSOLUTE_SECONDS, IDLE_SECONDS
from onecard.web import problems
from onecard.web.auth import current_session

router = APIGatewayRouter()  # its current_event is typed as the REST API's event


def _reader_for_identity(account: str | Indexes) -> dict | None:
    reader_id = wiring.readers().reader_id_for_identity(account)
    return wiring.readers().get_profile(reader_id) if reader_id else None


def _reader_and_locks(account) -> tuple[dict | None, dict[str, dict]]:  # account: an index or Indexes
    """The reader of an identity and the lockout items of its account(s), read in one request."""
    accounts = [account] if isinstance(account, str) else list(account)
    lockout = wiring.lockout()
    reader_id, locks = wiring.readers().reader_id_for_identity_reading(account, [lockout.key(a) for a in accounts])
    profile = wiring.readers().get_profile(reader_id) if reader_id else None
    return profile, {a: lock or {} for a, lock in zip(accounts, locks, strict=False)}


def _reader_for_barcode(barcode: str) -> dict | None:
    reader_id = wiring.readers().reader_id_for_barcode(barcode)
    return wiring.readers().get_profile(reader_id) if reader_id else None


def _adopt_patron(patron, id_number: str, known: dict | None) -> dict:
    """The reader record of a card holder the library system vouched for, kept here from their patron record:
    the record this login found, brought up to date, or a new one."""
    if known is not None:
        return wiring.readers().refresh_patron(known, library_patrons.patron_fields(patron))
    indexes = wiring.keyring().identity_indexes().identity(id_number)
    now = dt.datetime.now(dt.UTC)
    reader_id = new_reader_id()
    profile = library_patrons.patron_profile(
        patron,
        reader_id=reader_id,
        id_number=id_number,
        identity_index=indexes.current,
        now=now,
        created_at=iso_millis(now),
        encrypted_id_number=wiring.cipher().encrypt(id_number, associated_data=f"{reader_id}:id_number"),
    )
    try:
        return wiring.readers().adopt_patron(profile, indexes, library_patrons.patron_fields(patron))
    except BarcodeTaken:
        raise problems.Conflict(
            "此借閱證條碼已屬於其他讀者，請洽各分館櫃檯 (This card barcode belongs to another reader)",
            extra={"code": "barcode_taken"},
        ) from None


def _cookies(token: str, csrf: str, max_age: int) -> list[Cookie]:
    secure = settings().session_cookie_secure
    return [
        Cookie(
            name=service.SESSION_COOKIE,
            value=token,
            path="/",
            secure=secure,
            http_only=True,
            same_site=SameSite.LAX_MODE,
            max_age=max_age,
        ),
        Cookie(
            name=service.CSRF_COOKIE,
            value=csrf,
            path="/",
            secure=secure,
            http_only=False,
            same_site=SameSite.LAX_MODE,
            max_age=max_age,
        ),
    ]


@router.post(
    "/v1/sessions",
    summary="個人書房 login",
    tags=["個人書房"],
    responses={
        201: {"description": "Logged in", "content": {"application/json": {"model": SessionCreated}}},
        401: {"description": "Wrong ID number, card barcode or password"},
        429: {"description": "Locked or rate-limited; see Retry-After"},
        503: {"description": "The library system (existing card holders) cannot be reached; see Retry-After"},
    },
)
def log_in(request: Annotated[LoginRequest, Body()]) -> Response[SessionCreated]:
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
    verdict = wiring.rate_limiter().hit("login", address, limit=settings().login_limit_per_minute, window_seconds=60)
    if not verdict.allowed:
        raise problems.TooManyRequests("登入嘗試過於頻繁，請稍後再試", retry_after_seconds=verdict.retry_after_seconds)
    keys = wiring.keyring()
    credentials = service.Credentials(request.password, id_number=request.id_number, card_barcode=request.card_barcode)
    token, session = service.login(
        credentials,
        service.LoginDependencies(
            sessions=wiring.session_store(),
            lockout=wiring.lockout(),
            reader_for_identity=_reader_for_identity,
            reader_and_locks=_reader_and_locks,
            identity_index=keys.identity_indexes().identity,
            library=library_system_or_503,
            reader_for_barcode=_reader_for_barcode,
            adopt_patron=_adopt_patron,
            barcode_index=lambda barcode: blind_index(keys.blind_index_key(), "barcode", barcode),
        ),
    )
    body = SessionCreated(
        reader_id=session.reader_id,
        csrf_token=session.csrf_token,
        expires_at=session.expires_at(),
        idle_timeout_seconds=IDLE_SECONDS,
    )
    return Response(201, "application/json", body, cookies=_cookies(token, session.csrf_token, ABSOLUTE_SECONDS))


@router.delete(
    "/v1/sessions/current",
    summary="個人書房 logout: revokes this session",
    tags=["個人書房"],
    responses={204: {"description": "Logged out; the cookies are cleared"}, 401: {"description": "No live session"}},
)
def log_out() -> Response[None]:
    wiring.session_store().revoke(current_session(router))
    return Response(204, cookies=_cookies("", "", 0))


@router.get("/v1/readers/me", summary="The logged-in reader's profile (ID number masked)", tags=["個人書房"])
def my_profile() -> ReaderProfile:
    session = current_session(router)
    profile = wiring.readers().get_profile(session.reader_id)
    if profile is None:
        raise problems.Unauthenticated("請重新登入")
    fields = {k: v for k, v in profile.items() if k in ReaderProfile.model_fields}
    links = [
        {k: v for k, v in link.items() if k in ("partner", "status", "partner_card_number", "reason", "updated_at")}
        for link in wiring.link_status().links(session.reader_id)
    ]
    return ReaderProfile(**fields, links=links, consent_revisions=_revision_notices(session.reader_id))


def _revision_notices(reader_id: str) -> list[dict]:
    """Revised documents the reader agreed to an older version of; the first showing of each is recorded."""
    today = dt.datetime.now(TAIPEI).date()
    notices = outdated_agreements(wiring.consent().receipts(reader_id), default_library(), today)
    profile = wiring.readers().get_profile(reader_id) if notices else None
    now = dt.datetime.now(dt.UTC)
    for notice in notices:
        # The revision's mail is written with its first showing, once per revision per reader (README: 通知信).
        mail = mail_notices.notice_for(
            profile,
            "consent_revised",
            int(now.timestamp()),
            partner=notice["partner"],
            version=notice["current_version"],
            summary_zh=notice.get("summary_of_changes") or "",
        )
        notice["first_shown_at"] = wiring.readers().first_shown(
            reader_id, f"{notice['partner']}#{notice['current_version']}", iso_millis(now), mail
        )
    return notices
