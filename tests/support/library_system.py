"""A simulated library system (ILS, over SIP2 and Koha's REST API) that the in-process functions are configured to
use, as the local stack does: its host, ports and URL in their environment, its SIP account and REST client in the
template's secrets."""

from __future__ import annotations

import json
from collections.abc import Callable

from ils_simulator import IlsSimulator


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
