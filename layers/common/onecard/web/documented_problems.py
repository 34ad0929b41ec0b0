"""What the OpenAPI document says about errors: the answers the shared resolver gives on every route.

Routes declare their own outcomes (201, 404, 409, 429 …). The answers that come from the resolver itself — a body
that is not JSON, a form with mistakes, a reader route without a session or a CSRF token — are the same on every
route, so they are added here, once, from the same rules the resolver applies.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict

from onecard.web.problems import PROBLEM_CONTENT_TYPE
from onecard.web.resolver import READER_ROUTES_PREFIX

_SAFE_METHODS = {"get", "head", "options"}
_RESOLVER_ANSWERS = {
    400: "請求內容不是 JSON 物件 (The body is not a JSON object)",
    415: "請以 application/json 送出資料 (Send application/json)",
    422: "資料有誤，errors 列出每個欄位 (Validation failed; errors names each field)",
}
_READER_ANSWERS = {
    401: "需要登入個人書房 (Log in first)",
    403: "缺少或錯誤的 CSRF 驗證碼 (CSRF token missing or wrong)",
}


class FieldError(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    code: str
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details; `errors` lists every failing field of a 422."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    retry_after_seconds: int | None = None


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}


def with_documented_problems(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the resolver's own answers on every operation, and every error as problem+json."""
    document = copy.deepcopy(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["ProblemDetails"] = problem_schema
    # The resolver's own validation models never reach a client (every error is a ProblemDetails); a schema left
    # behind would point at one removed here, and generators stop on a dangling reference.
    for schema_name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(schema_name, None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            answers: dict[int, str] = {422: _RESOLVER_ANSWERS[422]}
            if "requestBody" in operation:
                answers.update({400: _RESOLVER_ANSWERS[400], 415: _RESOLVER_ANSWERS[415]})
            if path.startswith(READER_ROUTES_PREFIX):
                answers[401] = _READER_ANSWERS[401]
                if method not in _SAFE_METHODS:
                    answers[403] = _READER_ANSWERS[403]
            for status, description in answers.items():
                responses.setdefault(str(status), {"description": description})
            for status, response in responses.items():
                if status[:1] in ("4", "5"):
                    response["content"] = _problem_content()
                elif status in ("204", "304"):
                    response.pop("content", None)  # these answers have no body (RFC 9110 §15.3.5, §15.4.5)
    return document
