"""The committed OpenAPI document is what the resolvers generate, and it is what the API serves."""

from __future__ import annotations

import json

from devstack.openapi_document import DOCUMENT_PATH, generate


def test_the_committed_openapi_document_matches_the_resolvers():
    committed = DOCUMENT_PATH.read_text("utf-8")

    assert generate() == committed, "The API changed: run `make openapi` and commit the document"


def test_the_api_serves_the_committed_openapi_3_1_document(api):
    answer = api.get("/v1/openapi.json")

    document = answer.json()
    assert answer.status == 200
    assert document["openapi"].startswith("3.1")
    assert "/v1/readers" in document["paths"]
    assert document == json.loads(DOCUMENT_PATH.read_text("utf-8"))
