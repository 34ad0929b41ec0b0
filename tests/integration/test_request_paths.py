"""Every request path reaches its data by key: no route, relay or worker scans a table as the library grows."""

from __future__ import annotations

import pytest

from bench.request_counts import count_requests

# On one worker: each worker would otherwise walk every route for the module's counts (about 12 s).
pytestmark = pytest.mark.xdist_group("request_walk")


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


# DynamoDB requests per call of each route along the walk (its average, failures included): none may grow, so a
# change that adds a request to a path fails here. Issue #19 asks less of some (a successful login 3, the 個人書房
# reads 2); these are what the code does now, the goals are in bench/RESULTS.md.
MAXIMA = {
    "POST /v1/sessions": 6.3,
    "GET /v1/readers/me": 4,
    "GET /v1/readers/me/links": 3,
    "GET /v1/readers/me/consents": 2,
    "GET /v1/readers/me/consents/{receipt_id}": 2,
    "GET /v1/readers/me/export": 3,
    "DELETE /v1/sessions/current": 2,
    "POST /v1/readers": 4,
    "GET /v1/readers/availability": 2,
}


def test_no_route_makes_more_requests_than_its_maximum(counts):
    over = {
        route: round(sum(counts.per_call(route).values()), 2)
        for route, most in MAXIMA.items()
        if sum(counts.per_call(route).values()) > most + 1e-9
    }
    assert over == {}, f"more DynamoDB requests per call than allowed {MAXIMA}"


def test_a_successful_login_of_a_reader_who_applied_here_makes_three_requests(api, aws):
    from onecard.infra.aws import client
    from tests.support.applications import personal_application
    from tests.support.captcha import solved_captcha

    body = personal_application(solved_captcha(api), password="Read2026", password_confirm="Read2026")
    registered = api.post("/v1/readers", body)
    assert registered.status == 201
    made: list[str] = []

    def count(event_name: str, **_: object) -> None:
        made.append(event_name.rsplit(".", 1)[-1])

    def log_in(password: str = "Read2026") -> list[str]:
        made.clear()
        answer = api.post("/v1/sessions", {"id_number": body["id_number"], "password": password})
        assert answer.status == (201 if password == "Read2026" else 401), answer.body
        return list(made)

    events = client("dynamodb").meta.events  # every part of the function shares this one client
    events.register("before-call.dynamodb", count)
    try:
        # identity guard (with the hash's copy) + lockout items + the address's counter; the attempt counted with the
        # address's hit before the password is checked (so a burst of guesses is checked at most five times: the
        # one request more than before, issue #26); then the session, giving the attempt back
        assert log_in() == ["BatchGetItem", "TransactWriteItems", "TransactWriteItems"]
        # a wrong password stays counted; the profile is read in case the guard's copy is out of date
        assert log_in("Wrong999") == ["BatchGetItem", "TransactWriteItems", "BatchGetItem"]
        # with a failure on record the same: the session's write gives back the failure too
        assert log_in() == ["BatchGetItem", "TransactWriteItems", "TransactWriteItems"]
        # a reader stored before guards carried the copy: the profile is read once, and the copy put on the guard
        readers = aws.resources.table_names["ReadersTable"]
        guard = next(
            item
            for item in aws.client("dynamodb").scan(TableName=readers)["Items"]
            if item["pk"]["S"].startswith("IDENTITY#") and item["reader_id"]["S"] == registered.json()["reader_id"]
        )
        assert "password_hash" in guard
        aws.client("dynamodb").update_item(
            TableName=readers, Key={"pk": guard["pk"], "sk": guard["sk"]}, UpdateExpression="REMOVE password_hash"
        )
        assert log_in() == ["BatchGetItem", "BatchGetItem", "TransactWriteItems", "TransactWriteItems"]
        assert log_in() == ["BatchGetItem", "TransactWriteItems", "TransactWriteItems"]
    finally:
        events.unregister("before-call.dynamodb", count)
