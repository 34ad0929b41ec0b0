"""The local stack runs several containers of a function as threads of one process; each answers its own request,
as each Lambda container (a process of its own) does."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from devstack.api_gateway import proxy_event
from devstack.functions import ApiRoute, FunctionPool

ASSETS = ApiRoute("RegisterFunction", "GET", "/assets/{name}")


def asset_request(name: str) -> dict:
    return proxy_event(
        ASSETS, "GET", f"/assets/{name}", {"name": name}, [("Accept", "application/json")], b"", "", "v1"
    )


def test_two_containers_answering_at_the_same_moment_each_answer_their_own_request(aws, monkeypatch):
    pool = FunctionPool(aws.specs["RegisterFunction"], size=2)
    # Each container has taken its event and neither has chosen its route yet: the moment a busy machine may
    # switch threads (the register page asks for the postal codes and the countries in quick succession).
    both_have_their_event = threading.Barrier(2, timeout=30)
    choose_route = APIGatewayRestResolver._resolve

    def resolve_when_both_began(self):
        both_have_their_event.wait()
        return choose_route(self)

    monkeypatch.setattr(APIGatewayRestResolver, "_resolve", resolve_when_both_began)

    with ThreadPoolExecutor(max_workers=2) as threads:
        countries, postal_codes = threads.map(
            lambda name: pool.invoke(asset_request(name)), ["countries.json", "postal-codes.json"]
        )

    assert countries["statusCode"] == 200 and "TW" in json.loads(countries["body"])["countries"]
    assert postal_codes["statusCode"] == 200 and json.loads(postal_codes["body"])["cities"]
