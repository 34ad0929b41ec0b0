"""A simulated library system (ILS, over SIP2 and Koha's REST API) that the in-process functions are configured to
use, as the local stack does: its host, ports and URL in their environment, its SIP account and REST client in the
template's secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ils_simulator import IlsSimulator

if TYPE_CHECKING:
    from onecard.infra.koha_patrons import KohaPatronRecords
    from onecard.infra.sip2_library import Sip2LibrarySystem


def library_environment(simulator: IlsSimulator) -> dict[str, str]:
    return {
        "ILS_HOST": "127.0.0.1",
        "ILS_PORT": str(simulator.port),
        "ILS_INSTITUTION_ID": simulator.institution_id,
        # The service's own default: a shorter bound made a loaded machine's slow round trip look like an outage
        # (a test of a slow library system sets its own, shorter, bound).
        "ILS_TIMEOUT_SECONDS": "3",
        "ILS_REST_BASE_URL": simulator.rest.url,
    }


def use_library_system(aws, setenv: Callable[[str, str], None], simulator: IlsSimulator) -> None:
    from onecard import wiring

    for name, value in library_environment(simulator).items():
        setenv(name, value)
    aws.client("secretsmanager").put_secret_value(
        SecretId=aws.resources.secret_ids["IlsSipAccountSecret"],
        SecretString=json.dumps({"login": simulator.account.login, "password": simulator.account.password}),
    )
    client = simulator.rest.clients[0]
    aws.client("secretsmanager").put_secret_value(
        SecretId=aws.resources.secret_ids["IlsRestClientSecret"],
        SecretString=json.dumps({"client_id": client.client_id, "client_secret": client.client_secret}),
    )
    wiring.reset()


def rest_door(simulator: IlsSimulator, **overrides: Any) -> KohaPatronRecords:
    """The Koha REST adapter as the stack configures it for the simulated library system (its library, patron
    categories and attributes), signed in with its first REST client; ``url`` and any setting may be overridden."""
    from ils_simulator import FULL_CATEGORY, ID_NUMBER_ATTRIBUTE, LIBRARY_ID, PROVISIONAL_CATEGORY, READER_ID_ATTRIBUTE
    from onecard.infra.koha_patrons import KohaPatronRecords

    client = simulator.rest.clients[0]
    settings: dict[str, Any] = {
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "library_id": LIBRARY_ID,
        "provisional_category": PROVISIONAL_CATEGORY,
        "full_category": FULL_CATEGORY,
        "id_number_attribute": ID_NUMBER_ATTRIBUTE,
        "reader_id_attribute": READER_ID_ATTRIBUTE,
    }
    url = overrides.pop("url", simulator.rest.url)
    return KohaPatronRecords(url, **{**settings, **overrides})


def sip2_door(simulator: IlsSimulator, **overrides: Any) -> Sip2LibrarySystem:
    """The SIP2 adapter logged in to the simulated library system with its SIP account; any setting may be
    overridden (its extension fields are the caller's to pass)."""
    from onecard.infra.sip2_library import Sip2LibrarySystem

    settings: dict[str, Any] = {
        "institution_id": simulator.institution_id,
        "login_user": simulator.account.login,
        "login_password": simulator.account.password,
    }
    return Sip2LibrarySystem("127.0.0.1", simulator.port, **{**settings, **overrides})
