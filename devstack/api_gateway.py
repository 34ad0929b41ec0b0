"""An HTTP server that does what API Gateway (REST, v1 proxy integration) does with template.yaml's Api events."""

from __future__ import annotations

import base64
import json
import re
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from devstack.authorizers import CognitoAuthorizer, unauthorized
from devstack.functions import ApiRoute

Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]
LocalRoute = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes] | None]

_TEXT_TYPES = ("text/", "application/json", "application/problem+json", "application/javascript", "image/svg+xml")


@dataclass(frozen=True)
class CompiledRoute:
    route: ApiRoute
    pattern: re.Pattern[str]
    specificity: tuple[int, int]


def compile_routes(routes: list[ApiRoute]) -> list[CompiledRoute]:
    compiled = []
    for route in routes:
        regex, literal_segments = "", 0
        for segment in route.path.strip("/").split("/"):
            if segment.startswith("{") and segment.endswith("+}"):
                regex += f"/(?P<{segment[1:-2]}>.+)"
            elif segment.startswith("{") and segment.endswith("}"):
                regex += f"/(?P<{segment[1:-1]}>[^/]+)"
            elif segment:
                regex += "/" + re.escape(segment)
                literal_segments += 1
        compiled.append(
            CompiledRoute(route, re.compile(f"^{regex or '/'}$"), (literal_segments, -route.path.count("{")))
        )
    # API Gateway prefers literal path segments over parameters, and parameters over greedy ones.
    return sorted(compiled, key=lambda c: c.specificity, reverse=True)


def match(routes: list[CompiledRoute], method: str, path: str) -> tuple[CompiledRoute | None, dict[str, str], bool]:
    """The route, its path parameters, and whether the path exists under another method."""
    path_exists = False
    for compiled in routes:
        found = compiled.pattern.match(path)
        if not found:
            continue
        if compiled.route.method in (method, "ANY"):
            return compiled, {k: unquote(v) for k, v in found.groupdict().items()}, True
        path_exists = True
    return None, {}, path_exists


def authorize(
    route: ApiRoute, headers: list[tuple[str, str]], authorizers: Mapping[str, CognitoAuthorizer]
) -> dict[str, Any] | None:
    """requestContext.authorizer for a route with an authorizer ({} for a route without), or None when API Gateway
    answers 401 itself (no, expired or forged token; an authorizer the local stack does not know)."""
    if not route.authorizer:
        return {}
    authorizer = authorizers.get(route.authorizer)
    return authorizer.authorize(headers) if authorizer else None


def proxy_event(
    route: ApiRoute,
    method: str,
    raw_path: str,
    path_parameters: dict[str, str],
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    stage: str,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    split = urlsplit(raw_path)
    query = parse_qs(split.query, keep_blank_values=True)
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        single_headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    is_text = not body or _is_text(single_headers)
    request_id = str(uuid.uuid4())
    now = time.time()
    return {
        "resource": route.path,
        "path": split.path,
        "httpMethod": method,
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": method,
            "path": f"/{stage}{split.path}",
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "protocol": "HTTP/1.1",
            "accountId": "123456789012",
            "apiId": "local",
            "identity": {
                "sourceIp": source_ip,
                "userAgent": single_headers.get("User-Agent") or single_headers.get("user-agent"),
            },
            **({"authorizer": authorizer} if authorizer else {}),
        },
        "body": (body.decode("utf-8", errors="replace") if is_text else base64.b64encode(body).decode())
        if body
        else None,
        "isBase64Encoded": bool(body) and not is_text,
    }


def _is_text(headers: dict[str, str]) -> bool:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return not content_type or content_type.startswith(_TEXT_TYPES) or "form-urlencoded" in content_type


def response_parts(result: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    status = int(result.get("statusCode", 502))
    headers: list[tuple[str, str]] = []
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    seen = {name.lower() for name, _ in headers}
    headers += [(n, str(v)) for n, v in (result.get("headers") or {}).items() if n.lower() not in seen]
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    return status, headers, payload


def make_server(
    host: str,
    port: int,
    routes: list[ApiRoute],
    invoke: Invoke,
    stage: str,
    local_routes: LocalRoute | None = None,
    authorizers: Mapping[str, CognitoAuthorizer] | None = None,
) -> ThreadingHTTPServer:
    compiled = compile_routes(routes)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "onecard-local"
        # Headers and body leave in separate writes; with Nagle's algorithm each keep-alive answer waited ~40 ms.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            if local_routes:
                local = local_routes(self.command, path, dict(self.headers.items()), body)
                if local is not None:
                    self._send(*local[:1], list(local[1].items()), local[2])
                    return
            compiled_route, parameters, path_exists = match(compiled, self.command, path)
            if compiled_route is None:
                # API Gateway answers unknown routes itself, before any function runs (template.yaml's
                # GatewayResponses give them the problem+json shape).
                status = 405 if path_exists else 404
                problem = {
                    "type": "about:blank",
                    "title": "Not Found" if status == 404 else "Method Not Allowed",
                    "status": status,
                    "detail": "No such route",
                }
                headers = [("Content-Type", "application/problem+json")]
                if status == 405:
                    allowed = sorted({c.route.method for c in compiled if c.pattern.match(path)})
                    headers.append(("Allow", ", ".join(allowed)))
                self._send(status, headers, json.dumps(problem).encode())
                return
            context = authorize(compiled_route.route, list(self.headers.items()), authorizers or {})
            if context is None:
                self._send(*unauthorized())
                return
            event = proxy_event(
                compiled_route.route,
                self.command,
                self.path,
                parameters,
                list(self.headers.items()),
                body,
                self.client_address[0],
                stage,
                context,
            )
            try:
                result = invoke(compiled_route.route.function, event)
                status, headers, payload = response_parts(result)
            except Exception:
                # CloudWatch would hold the crash; here it goes to the stack's own output.
                traceback.print_exc()
                status, headers, payload = (
                    502,
                    [("Content-Type", "application/json")],
                    b'{"message": "Internal server error"}',
                )
            self._send(status, headers, payload)

        def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            # A HEAD answer carries no body, and a Content-Length only if it were the GET's (RFC 9110 §8.6).
            if self.command != "HEAD":
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def __getattr__(self, name: str) -> Any:
            # Every method reaches the routing, as at API Gateway: an unknown one is a 405, not the server's 501.
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

    server = _ApiServer((host, port), Handler)
    server.daemon_threads = True
    return server


class _ApiServer(ThreadingHTTPServer):
    # The standard backlog of 5 resets connections when a burst of clients (a class at a branch, a test) arrives
    # while the machine is busy; API Gateway queues them.
    request_queue_size = 128
