"""The parts each function is built from, created once per container on first use."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from onecard.config import settings
from onecard.domain.identity import normalise_barcode
from onecard.infra.aws import client
from onecard.infra.consent_repository import ConsentRepository
from onecard.infra.login_records import LoginRecords
from onecard.infra.rate_limit import RateLimiter
from onecard.infra.readers_repository import ReaderRepository
from onecard.keys import KeyRing
from onecard.security.blind_index import blind_index
from onecard.security.envelope import EnvelopeCipher
from onecard.sessions.lockout import Lockout
from onecard.sessions.store import SessionStore

if TYPE_CHECKING:
    from onecard.ils import LibrarySystem
    from onecard.ils.records import PatronRecords
    from onecard.infra.library_card_repository import LibraryCardRepository
    from onecard.infra.lifecycle_repository import LifecycleRepository
    from onecard.infra.partner_health import PartnerBreakers, PartnerRateCounter
    from onecard.links.status import LinkStatus
    from onecard.mail.mailer import Mailer
    from onecard.partners.client import PartnerClient
    from onecard.security.identity_indexes import IdentityIndexes
    from onecard.security.key_versions import VersionedKeys


@functools.cache
def keyring() -> KeyRing:
    return KeyRing(settings())


@functools.cache
def readers() -> ReaderRepository:
    s = settings()
    return ReaderRepository(
        client("dynamodb"),
        readers_table=s.readers_table,
        sessions_table=s.sessions_table,
        consent_table=s.consent_table,
    )


@functools.cache
def consent() -> ConsentRepository:
    return ConsentRepository(client("dynamodb"), settings().consent_table)


@functools.cache
def cipher() -> EnvelopeCipher:
    return EnvelopeCipher(client("kms"), settings().data_key_id)


@functools.cache
def session_store() -> SessionStore:
    s = settings()
    return SessionStore(client("dynamodb"), sessions_table=s.sessions_table, readers_table=s.readers_table)


@functools.cache
def login_records() -> LoginRecords:
    s = settings()
    return LoginRecords(client("dynamodb"), readers_table=s.readers_table, sessions_table=s.sessions_table)


@functools.cache
def lockout() -> Lockout:
    return Lockout(client("dynamodb"), settings().sessions_table)


@functools.cache
def link_status() -> LinkStatus:
    from onecard.links.status import LinkStatus

    return LinkStatus(client("dynamodb"), settings().readers_table)


def identity_indexes() -> IdentityIndexes:
    """The blind indexes under every live version of the blind-index key (read from the cached secret each time,
    so a rotation is seen within the cache's age)."""
    return keyring().identity_indexes()


def partner_secrets(partner: str) -> VersionedKeys:
    """The secret(s) shared with ``partner``, as operators set them (cached like every secret, so a rotation is seen
    within minutes): during a rotation window both versions, with the time the new one starts signing.
    PartnerSecretNotSet while it is missing, unreadable or (any version of it) still the stack's placeholder."""
    from aws_lambda_powertools.utilities.parameters import GetParameterError

    from onecard.infra.secrets import secret_text
    from onecard.partners.protocol import PartnerSecretNotSet, usable_secret
    from onecard.security.key_versions import KeyVersionsInvalid, VersionedKeys

    secret_id = settings().partner_secret_ids()[partner]
    try:
        versions = VersionedKeys.parse(secret_text(secret_id))
    except GetParameterError as error:
        raise PartnerSecretNotSet(partner, secret_id, f"it cannot be read ({error})") from None
    except KeyVersionsInvalid as error:
        raise PartnerSecretNotSet(partner, secret_id, str(error)) from None
    for value in versions.keys.values():
        usable_secret(partner, secret_id, value)
    return versions


def partner_secret(partner: str) -> bytes:
    """The secret that signs a request to ``partner`` now: the new one from the switch time agreed with them."""
    import time

    versions = partner_secrets(partner)
    return versions.key(versions.signing_version(time.time()))


@functools.cache
def partner_client() -> PartnerClient:
    from onecard.partners.client import HttpPartnerClient

    return HttpPartnerClient(settings().partner_base_urls(), partner_secret)


@functools.cache
def lifecycle() -> LifecycleRepository:
    from onecard.infra.lifecycle_repository import LifecycleRepository

    return LifecycleRepository(client("dynamodb"), settings().readers_table)


def library_cards_enabled() -> bool:
    """Whether new cards are written to the library system: only where the stack has its REST door
    (IlsRestBaseUrl); elsewhere an application's password stays here, as before."""
    return bool(settings().ils_rest_base_url)


@functools.cache
def library_cards() -> LibraryCardRepository:
    from onecard.infra.library_card_repository import LibraryCardRepository

    return LibraryCardRepository(client("dynamodb"), settings().readers_table)


MAIL_SINK_VARIABLE = "ONECARD_MAIL_SINK_DIR"


@functools.cache
def mailer() -> Mailer:
    """Amazon SES, except where the local stack has set its mail folder (template.yaml never sets it)."""
    sink = os.environ.get(MAIL_SINK_VARIABLE)
    if sink:
        from onecard.mail.local_sink import LocalMailSink

        return LocalMailSink(sink)
    from onecard.mail.mailer import SesMailer

    return SesMailer(client("ses"), settings().mail_sender)


def verification_link(token: str) -> str:
    return f"{settings().public_base_url.rstrip('/')}/email-verification?token={token}"


def card_barcode_account(barcode: str) -> str:
    """The lockout's account of a card barcode (its blind index; the barcode normalised first)."""
    return blind_index(keyring().blind_index_key(), "barcode", normalise_barcode(barcode))


@functools.cache
def rate_limiter() -> RateLimiter:
    return RateLimiter(client("dynamodb"), settings().sessions_table)


@functools.cache
def partner_breakers() -> PartnerBreakers:
    from onecard.infra.partner_health import PartnerBreakers

    return PartnerBreakers(client("dynamodb"), settings().sessions_table)


@functools.cache
def partner_rate_counter() -> PartnerRateCounter:
    from onecard.infra.partner_health import PartnerRateCounter

    return PartnerRateCounter(client("dynamodb"), settings().sessions_table)


def library_system() -> LibrarySystem | None:
    """The library's own system (ILS) over SIP2, or None where the stack has none (IlsHost empty). One connection
    per warm container; LibrarySystemUnavailable (not cached) while its SIP account is still the placeholder."""
    if not settings().ils_host:
        return None
    return _sip2_library_system()


@functools.cache
def _sip2_library_system() -> LibrarySystem:
    import json

    from aws_lambda_powertools.utilities.parameters import GetParameterError

    from onecard.ils import LibrarySystemUnavailable
    from onecard.infra.secrets import secret_bytes
    from onecard.infra.sip2_library import Sip2LibrarySystem

    s = settings()
    try:
        account = json.loads(secret_bytes(s.ils_account_secret_id))
        login, password = str(account["login"]), str(account["password"])
    except (GetParameterError, ValueError, TypeError, KeyError):
        raise LibrarySystemUnavailable(
            "the service's SIP account at the library system is not set "
            f"({s.ils_account_secret_id}; docs/operations.md)"
        ) from None
    fields = s.ils_fields()
    return Sip2LibrarySystem(
        s.ils_host,
        s.ils_port,
        institution_id=s.ils_institution_id,
        login_user=login,
        login_password=password,
        tls=s.ils_use_tls,
        timeout=s.ils_timeout_seconds,
        birth_date_field=fields.get("birth_date"),
        expiry_field=fields.get("card_expires"),
        id_number_field=fields.get("id_number"),
        mobile_field=fields.get("mobile"),
    )


def patron_records() -> PatronRecords | None:
    """The library system's write-capable door (Koha's REST API), or None where the stack has none (IlsRestBaseUrl
    empty). One instance per warm container, so its service token is reused until it nears its expiry;
    LibrarySystemUnavailable (not cached) while its API client is still the placeholder."""
    if not settings().ils_rest_base_url:
        return None
    return _koha_patron_records()


@functools.cache
def _koha_patron_records() -> PatronRecords:
    import json

    from aws_lambda_powertools.utilities.parameters import GetParameterError

    from onecard.ils import LibrarySystemUnavailable
    from onecard.infra.koha_patrons import KohaPatronRecords
    from onecard.infra.secrets import secret_bytes

    s = settings()
    try:
        client = json.loads(secret_bytes(s.ils_rest_secret_id))
        client_id, client_secret = str(client["client_id"]), str(client["client_secret"])
    except (GetParameterError, ValueError, TypeError, KeyError):
        raise LibrarySystemUnavailable(
            f"the service's REST client at the library system is not set ({s.ils_rest_secret_id}; docs/operations.md)"
        ) from None
    return KohaPatronRecords(
        s.ils_rest_base_url,
        client_id=client_id,
        client_secret=client_secret,
        library_id=s.ils_library_id,
        provisional_category=s.ils_provisional_category,
        full_category=s.ils_full_category,
        id_number_attribute=s.ils_id_number_attribute,
        reader_id_attribute=s.ils_reader_id_attribute,
        timeout=s.ils_timeout_seconds,
    )


def reset() -> None:
    """Forgets every cached part and the settings (tests change the environment between cases)."""
    from onecard import config
    from onecard.infra import aws, secrets

    for cached in (
        keyring,
        readers,
        consent,
        cipher,
        rate_limiter,
        session_store,
        login_records,
        lockout,
        link_status,
        partner_client,
        lifecycle,
        library_cards,
        mailer,
        partner_breakers,
        partner_rate_counter,
        config.settings,
        aws.client,
        _sip2_library_system,
        _koha_patron_records,
    ):
        cached.cache_clear()
    secrets.forget()


def password_reset_link(token: str) -> str:
    """The page that sets a new password; the token is in the fragment, which is never sent to a server."""
    return f"{settings().public_base_url.rstrip('/')}/password-reset/new#token={token}"


def personal_study_link() -> str:
    return f"{settings().public_base_url.rstrip('/')}/me"
