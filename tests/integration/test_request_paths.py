"""Every request path reaches its data by key: no route, relay or worker scans a table as the library grows."""

from __future__ import annotations

import pytest

from bench.request_counts import count_requests


@pytest.fixture(scope="module")
def counts():
    return count_requests()


def test_no_route_relay_or_worker_scans_a_table(counts):
    assert counts.scans() == {}
    assert counts.per_call("POST /v1/readers")["TransactWriteItems"] == 1  # the hook really counts


def test_the_walk_covers_every_api_route_of_the_template(counts):
    from devstack.functions import api_routes
    from devstack.stack import prepare_for_import

    # HEAD is answered as its GET (onecard.web.resolver.as_get), so walking the GET covers it.
    routes = {f"{r.method} {r.path}" for r in api_routes(prepare_for_import()) if r.method != "HEAD"}
    assert routes - set(counts.per_route) == set()
    assert {"LinkOutboxRelayFunction", "LinkWorkerFunction", "ExpiryFunction"} <= set(counts.per_route)
