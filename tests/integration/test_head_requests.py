"""HEAD wherever GET is served (RFC 9110 §9.3.2): the same status and headers, and no body."""

from __future__ import annotations

import pytest

# Headers that differ between any two answers, whatever the method.
_PER_ANSWER = {"x-request-id", "content-length"}


def _comparable(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in _PER_ANSWER}


@pytest.mark.parametrize(
    "path",
    [
        "/register",
        "/",
        "/assets/common.js",
        "/v1/health",
        "/v1/openapi.json",
        "/v1/consent-documents",
        "/v1/consent-documents/ntpc",
        "/v1/readers/me",
        "/assets/no-such-file.js",
        "/v1/consent-documents/nobody",
    ],
)
def test_head_answers_as_get_without_a_body(api, path):
    get = api.get(path)
    head = api.request("HEAD", path)

    assert head.status == get.status
    assert _comparable(head.headers) == _comparable(get.headers)
    assert head.body == b""
    assert get.body != b""


def test_head_on_a_signed_staff_route_answers_as_get_without_a_body(staff):
    from tests.support.lifecycle import STAFF

    get = staff.get("/v1/staff/reviews", headers=STAFF)
    head = staff.request("HEAD", "/v1/staff/reviews", headers=STAFF)

    assert head.status == get.status == 200
    assert _comparable(head.headers) == _comparable(get.headers)
    assert head.body == b""


def test_the_staff_functions_own_refusal_of_an_unsigned_head_has_no_body():
    from onecard.web.staff import refuse_unsigned

    refused = refuse_unsigned({"httpMethod": "HEAD", "headers": {"Accept-Language": "en"}, "requestContext": {}})

    assert refused is not None
    assert refused["statusCode"] == 401
    assert refused["body"] == ""
    assert refused["headers"]["Content-Language"] == "en"


def test_head_in_english_keeps_the_problems_headers(api):
    head = api.request("HEAD", "/v1/readers/me", headers={"Accept-Language": "en"})

    assert head.status == 401
    assert head.header("Content-Language") == "en"
    assert head.header("Content-Type") == "application/problem+json"
