"""The resolver every function uses, with its one exception-to-problem mapping and the response headers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ResponseValidationError,
)
from botocore.exceptions import ClientError

from onecard.domain.issues import FieldIssue
from onecard.infra.dynamo import WritesUnfinished
from onecard.observability import logger, start_tracing
from onecard.web import problems
from onecard.web.language import language_of_headers, localise_problem, response_headers
from onecard.web.validation import is_body_shape_error, issues_from_errors

READER_ROUTES_PREFIX = "/v1/readers/me"
# What AWS answers when it throttles a call; botocore has retried it by the time it reaches the resolver.
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "TransactionInProgressException",
        "LimitExceededException",
        "SlowDown",
    }
)
# A cancelled DynamoDB transaction names each item's reason; these mean "too busy now", not "refused".
THROTTLED_TRANSACTION_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})
THROTTLED_RETRY_AFTER_SECONDS = 2


def is_throttling(error: BaseException) -> bool:
    """An AWS call refused for its rate even after the SDK's retries (or a batch left unfinished for that reason)."""
    if isinstance(error, WritesUnfinished):
        return True
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        reasons = {r.get("Code") for r in error.response.get("CancellationReasons", []) or []}
        return code in THROTTLING_CODES or (
            code == "TransactionCanceledException"
            and bool(reasons & (THROTTLING_CODES | THROTTLED_TRANSACTION_REASONS))
            and "ConditionalCheckFailed" not in reasons
        )
    return False


CrossFieldRules = Callable[[Mapping[str, Any]], list[FieldIssue]]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


def problem_response(problem: problems.Problem, language: str | None = None) -> Response:
    """The one mapping of a problem to its answer, in the language the request asked for (None: as written)."""
    return Response(
        status_code=problem.status,
        content_type=problems.PROBLEM_CONTENT_TYPE,
        body=json.dumps(localise_problem(problem.body(), language), ensure_ascii=False),
        headers={**response_headers(language), **problem.headers},
    )


def request_language(app: APIGatewayRestResolver) -> str | None:
    """The language the current request asks for with Accept-Language (zh-TW or en), or None."""
    try:
        return language_of_headers(app.current_event.headers)
    except (AttributeError, KeyError):
        return None


def create_resolver(cross_field_rules: Mapping[str, CrossFieldRules] | None = None) -> APIGatewayRestResolver:
    """A REST (v1 proxy) resolver with validation on and every error answered as problem+json.

    ``cross_field_rules`` maps ``"METHOD /resource"`` to the rules that span several fields of that route's body,
    so they are reported together with single-field errors.
    """
    app = APIGatewayRestResolver(enable_validation=True)
    rules = dict(cross_field_rules or {})

    def answer(problem: problems.Problem) -> Response:
        return problem_response(problem, request_language(app))

    @app.exception_handler(problems.Problem)
    def _problem(error: problems.Problem) -> Response:
        return answer(error)

    @app.exception_handler(RequestUnsupportedContentType)
    def _media_type(_: RequestUnsupportedContentType) -> Response:
        return answer(problems.UnsupportedMediaType("請以 application/json 送出資料"))

    @app.exception_handler(ResponseValidationError)
    def _broken_contract(error: ResponseValidationError | RequestValidationError) -> Response:
        logger.error("response does not match its model", extra={"errors": [e.get("type") for e in error.errors()]})
        return answer(problems.Problem("系統暫時無法處理，請稍後再試 (Please try again later)"))

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        errors = list(error.errors())
        if any(tuple(e.get("loc", ()))[:1] == ("response",) for e in errors):
            return _broken_contract(error)  # our answer broke its own contract: a server error, not the client's
        if any(is_body_shape_error(e) for e in errors):
            return answer(problems.MalformedRequest("請求內容必須是 JSON 物件 (The body must be a JSON object)"))
        event = app.current_event
        if event.resource.startswith(READER_ROUTES_PREFIX):
            # Who is asking comes before what they sent: a stranger learns nothing from our validation errors.
            from onecard.web.auth import current_session

            try:
                current_session(app)
            except problems.Problem as refused:
                return answer(refused)
        route_rules = rules.get(f"{event.http_method} {event.resource}")
        raw = _json_body_or_none(event)
        return answer(problems.InvalidFields(issues_from_errors(errors, raw, route_rules)))

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        return answer(problems.NotFound("找不到此網址 (No such route)"))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        if is_throttling(error):  # the one place a throttled AWS call becomes an answer: 503, try again shortly
            logger.warning("AWS throttled a call after the SDK's retries", extra={"error_type": type(error).__name__})
            return answer(
                problems.ServiceUnavailable(
                    "系統忙碌中，請稍後再試 (We are busy; please try again shortly)",
                    headers={"Retry-After": str(THROTTLED_RETRY_AFTER_SECONDS)},
                )
            )
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return answer(problems.Problem("系統暫時無法處理，請稍後再試 (Please try again later)"))

    return app


def _json_body_or_none(event: Any) -> Any:
    try:
        return event.json_body
    except (ValueError, TypeError):
        return None


def with_standard_headers(response: dict[str, Any], request_id: str) -> dict[str, Any]:
    """Adds X-Request-Id and the security headers to a proxy response, whichever header map it uses."""
    extra = {"X-Request-Id": request_id, **SECURITY_HEADERS}
    multi = response.get("multiValueHeaders")
    if multi is not None:
        for name, value in extra.items():
            multi.setdefault(name, [value])
    else:
        headers = response.setdefault("headers", {}) or {}
        for name, value in extra.items():
            headers.setdefault(name, value)
        response["headers"] = headers
    return response


def _has_non_json_body(event: Mapping[str, Any]) -> bool:
    """Every body this API takes is JSON; forms and multipart are refused before any parser sees them."""
    if not event.get("body"):
        return False
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    return not (content_type == "application/json" or content_type.endswith("+json"))


def _proxy_result(response: Response) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": response.content_type, **response.headers},
        "body": response.body,
        "isBase64Encoded": False,
    }


def as_get(event: Mapping[str, Any]) -> dict[str, Any]:
    """A HEAD request as the GET it asks about: every GET route answers HEAD (template.yaml routes both)."""
    request_context = {**(event.get("requestContext") or {}), "httpMethod": "GET"}
    return {**event, "httpMethod": "GET", "requestContext": request_context}


def without_body(response: dict[str, Any]) -> dict[str, Any]:
    """The answer to HEAD: the GET's status and headers, no body (the gateway sets the framing)."""
    return {**response, "body": "", "isBase64Encoded": False}


def is_head(event: Mapping[str, Any]) -> bool:
    return str(event.get("httpMethod") or "").upper() == "HEAD"


def request_id_of(event: Mapping[str, Any], context: Any) -> str:
    request_context = event.get("requestContext") or {}
    return str(request_context.get("requestId") or getattr(context, "aws_request_id", "") or "unknown")


def http_handler(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point of an API function: log context, resolve, standard headers."""

    @logger.inject_lambda_context(clear_state=True)
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        start_tracing()
        request_id = request_id_of(event, context)
        logger.append_keys(request_id=request_id, route=f"{event.get('httpMethod')} {event.get('resource')}")
        if is_head(event):
            return without_body(with_standard_headers(app.resolve(as_get(event), context), request_id))
        if _has_non_json_body(event):
            refused = problem_response(
                problems.UnsupportedMediaType("請以 application/json 送出資料"),
                language_of_headers(event.get("headers")),
            )
            return with_standard_headers(_proxy_result(refused), request_id)
        return with_standard_headers(app.resolve(event, context), request_id)

    return lambda_handler
