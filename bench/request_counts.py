"""DynamoDB requests issued by each route (and by the relay and worker), counted with botocore's event hooks.

The flows of tests/support/flows.py go through every Api route of template.yaml, the relay, the worker and the
daily expiry, in-process on the emulation; each DynamoDB call is counted against the route or function that made it. A Scan on any of these paths is a bug:
its cost grows with every reader the library has.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RequestCounts:
    per_route: dict[str, Counter] = field(default_factory=dict)
    calls: Counter = field(default_factory=Counter)
    current: str = "setup"

    def hook(self, event_name: str, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.per_route.setdefault(self.current, Counter())[operation] += 1

    def per_call(self, route: str) -> dict[str, float]:
        return {operation: n / max(1, self.calls[route]) for operation, n in sorted(self.per_route[route].items())}

    def scans(self) -> dict[str, int]:
        return {route: ops["Scan"] for route, ops in self.per_route.items() if ops.get("Scan")}


def count_requests() -> RequestCounts:
    """Walks the flows of every route, the relay, the worker and the expiry, counting DynamoDB requests per step."""
    import functools
    import tempfile
    from unittest import mock

    import boto3

    from devstack.functions import api_routes
    from devstack.in_process import emulated_aws

    counts = RequestCounts()
    with emulated_aws() as aws, tempfile.TemporaryDirectory() as mail_folder:
        from ils_simulator import IlsSimulator
        from onecard import wiring
        from onecard.config import settings
        from onecard.mail.local_sink import read_messages
        from onecard.partners.client import HttpPartnerClient
        from tests.support.api import ApiClient
        from tests.support.flows import card_holder_flow, every_flow, lifecycle_flow, relay_outbox
        from tests.support.library_system import library_environment, use_library_system
        from tests.support.lifecycle import OPERATOR_TOKEN
        from tests.support.recording_http import RecordingHttp

        boto3.setup_default_session()
        events = boto3.DEFAULT_SESSION.events
        events.register("before-call.dynamodb", counts.hook)
        os.environ[wiring.MAIL_SINK_VARIABLE] = mail_folder
        wiring.reset()  # clients made from now on carry the hook
        wiring.mailer.cache_clear()
        partners = HttpPartnerClient(settings().partner_base_urls(), wiring.partner_secret)
        partners._http = http = RecordingHttp()  # the partners answer at once; their network is not measured
        original_partner_client = wiring.partner_client
        wiring.partner_client = functools.cache(lambda: partners)

        invoke_function = aws.invoke

        def invoke(function: str, event: dict[str, Any]) -> Any:
            before = counts.current
            counts.current = f"{event['httpMethod']} {event['resource']}" if "httpMethod" in event else function
            counts.per_route.setdefault(counts.current, Counter())
            counts.calls[counts.current] += 1
            try:
                return invoke_function(function, event)
            finally:
                counts.current = before

        counting = mock.patch.object(aws, "invoke", invoke)  # the flows' own invocations (relay, worker, …) too
        counting.start()
        routes = api_routes(aws.specs)
        api, staff = ApiClient(routes, invoke), ApiClient(routes, invoke, operator_token=OPERATOR_TOKEN)
        try:
            for page in (
                "/",
                "/register",
                "/login",
                "/me",
                "/card",
                "/me/data",
                "/email-verification",
                "/assets/site.css",
            ):
                assert api.get(page).status == 200
            assert api.get("/v1/health").status == 200
            assert api.get("/v1/openapi.json").status == 200
            assert api.get("/v1/consent-documents").status == 200
            assert api.get("/v1/consent-documents/ntpc/versions/1").status == 200
            every_flow(api, aws, http)
            with IlsSimulator().running() as library:
                use_library_system(aws, os.environ.__setitem__, library)
                card_holder_flow(api, aws)
            for name in library_environment(library):
                os.environ.pop(name, None)
            wiring.reset()

            def read_mail() -> list[dict[str, Any]]:
                relay_outbox(aws, only_mail=True)
                return read_messages(Path(mail_folder))

            lifecycle_flow(api, staff, aws, read_mail)
        finally:
            counting.stop()
            events.unregister("before-call.dynamodb", counts.hook)
            wiring.partner_client = original_partner_client
            os.environ.pop(wiring.MAIL_SINK_VARIABLE, None)
            wiring.reset()
            wiring.mailer.cache_clear()
    return counts


def run() -> list[tuple[str, str]]:
    """Rows for the benchmark table: each route's DynamoDB requests per call."""
    counts = count_requests()
    rows = []
    for route in counts.per_route:
        if route == "setup":
            continue
        per_call = counts.per_call(route)
        described = ", ".join(f"{op} {n:g}" for op, n in per_call.items()) or "none"
        rows.append((route, f"{sum(per_call.values()):g} ({described})"))
    scans = counts.scans()
    if scans:
        raise AssertionError(f"a request path scans a table: {scans}")
    return rows
