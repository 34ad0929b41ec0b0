"""個人書房 login and logout, and the logged-in reader's own profile."""

from __future__ import annotations

import datetime as dt
import time
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
from onecard.domain.moments import iso_millis
from onecard.domain.people import TAIPEI
from onecard.infra.readers_repository import reader_key
from onecard.library_cards.patron_record import without_a_provisional_card
from onecard.links.requests import link_key
from onecard.mail import notices as mail_notices
from onecard.models.sessions import LoginRequest, ReaderProfile, SessionCreated
from onecard.readers import library_patrons, library_record, library_refresh
from onecard.readers.library_access import library_system_or_503
from onecard.registration.records import BarcodeTaken
from onecard.registration.service import new_reader_id
from onecard.sessions import login, service
from onecard.sessions.store import ABSOLUTE_SECONDS, IDLE_SECONDS
from onecard.web import problems
from onecard.web.auth import current_session, current_session_reading

router = APIGatewayRouter()  # its current_event is typed as the REST API's event


def _adopt_patron(patron, id_number: str) -> dict:
    """The reader record of a card holder the library system vouched for, seen here for the first time."""
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
        return wiring.readers().adopt_patron(profile, indexes, library_refresh.refresh_with(patron, now))
    except BarcodeTaken:
        raise problems.Conflict(
            "此借閱證條碼已屬於其他讀者，請洽各分館櫃檯 (This card barcode belongs to another reader)",
            extra={"code": "barcode_taken"},
        ) from None


def _refresh_actions(profile: dict, patron) -> tuple[list[dict], dict]:
    """What the library system's answer changes in a known card holder's record, as actions for the login's write."""
    now = dt.datetime.now(dt.UTC)

    # What the library system may change: contact data only where it is newer than the reader's own correction
    # there (library_record), and no card while the application's patron is provisional (library_cards).
    def guard(profile: dict, fields: dict) -> dict:
        return without_a_provisional_card(profile, library_record.refreshed_fields(profile, fields, now, patron.mobile))

    refreshed = library_refresh.refresh_with(patron, now, guard)(profile)
    # The phones SIP2 cannot tell apart come from the patron record, read off the login's path: the login's own
    # write only adds the read's outbox item (onecard.library_cards.delivery reads it at the library's rate).
    read = (
        wiring.library_cards().record_read_actions(profile["reader_id"], iso_millis(now), int(now.timestamp()))
        if wiring.library_cards_enabled() and library_record.phones_from_record_wanted(profile, patron.mobile)
        else []
    )
    if refreshed is None:
        return read, profile
    return [*wiring.readers().refresh_actions(profile["reader_id"], refreshed), *read], {**profile, **refreshed.changes}


def _login_dependencies(address: str) -> login.LoginDependencies:
    keys, limiter, limit, now = wiring.keyring(), wiring.rate_limiter(), settings().login_limit_per_minute, time.time()
    return login.LoginDependencies(
        sessions=wiring.session_store(),
        lockout=wiring.lockout(),
        records=wiring.login_records(),
        admission=login.Admission(
            key=limiter.key("login", address, 60, now),
            verdict=lambda item: limiter.verdict(item, limit, 60, now),
            hit_action=lambda item: limiter.hit_action("login", address, known=item, window_seconds=60, now=now),
            hit=lambda: limiter.hit("login", address, limit=limit, window_seconds=60, now=now),
        ),
        identity_index=keys.identity_indexes().identity,
        barcode_index=wiring.card_barcode_account,
        clock=lambda: now,
        library=library_system_or_503,
        adopt_patron=_adopt_patron,
        refresh_actions=_refresh_actions,
        password_wanted=_password_to_the_library_system,
    )


def _password_to_the_library_system(reader_id: str, password: str, password_hash: str) -> None:
    """A reader brought into the library system by the operators' command logged in: their password goes there."""
    from onecard.library_cards.migration import password_at_first_login

    now = dt.datetime.now(dt.UTC)
    cards = wiring.library_cards()
    cards.commit(
        password_at_first_login(
            cards, wiring.cipher(), reader_id, password, password_hash, iso_millis(now), int(now.timestamp())
        )
    )


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
    # The per-address limit is read with the reader and counted in the login's own write (onecard.sessions.login).
    address = router.current_event.request_context.identity.source_ip or "unknown"
    credentials = login.Credentials(request.password, id_number=request.id_number, card_barcode=request.card_barcode)
    token, session = login.login(credentials, _login_dependencies(address))
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
    # Two requests: the session, the profile, the link with each partner and the first showing of each partner's
    # document in force, read together; then the consent receipts (their own table), for revised documents.
    table, library, today = settings().readers_table, default_library(), dt.datetime.now(TAIPEI).date()
    in_force = {partner: library.current(partner, today).version for partner in library.partners()}
    session, found = current_session_reading(
        router,
        lambda reader_id: {
            table: [
                reader_key(reader_id),
                *(link_key(reader_id, partner) for partner in in_force),
                *(_notice_key(reader_id, partner, version) for partner, version in in_force.items()),
            ]
        },
    )
    items = {item["sk"]: item for item in found[table] if item["pk"] == f"READER#{session.reader_id}"}
    profile = items.get("PROFILE")
    if profile is None:
        raise problems.Unauthenticated("請重新登入")
    fields = {k: v for k, v in profile.items() if k in ReaderProfile.model_fields}
    links = [
        {k: v for k, v in link.items() if k in ("partner", "status", "partner_card_number", "reason", "updated_at")}
        for sk, link in sorted(items.items())
        if sk.startswith("LINK#")
    ]
    shown = {sk: item["first_shown_at"] for sk, item in items.items() if sk.startswith("NOTICE#")}
    if library_patrons.holds_password(profile):
        fields["changes_in_library_system"] = bool(settings().ils_rest_base_url)
    return ReaderProfile(**fields, links=links, consent_revisions=_revision_notices(profile, shown, today))


def _notice_key(reader_id: str, partner: str, version: int) -> dict[str, str]:
    return {"pk": f"READER#{reader_id}", "sk": f"NOTICE#{partner}#{version}"}


def _revision_notices(profile: dict, shown: dict[str, str], today: dt.date) -> list[dict]:
    """Revised documents the reader agreed to an older version of; the first showing of each is recorded (``shown``:
    those recorded already, by key)."""
    reader_id = profile["reader_id"]
    notices = outdated_agreements(wiring.consent().receipts(reader_id), default_library(), today)
    now = dt.datetime.now(dt.UTC)
    for notice in notices:
        seen = shown.get(_notice_key(reader_id, notice["partner"], notice["current_version"])["sk"])
        if seen:
            notice["first_shown_at"] = seen
            continue
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
