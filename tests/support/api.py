"""Calling the API functions as API Gateway would, without a server: the same events the local stack sends."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode

from devstack.api_gateway import compile_routes, iam_caller, iam_refusal, match, proxy_event, response_parts
from devstack.functions import ApiRoute


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str] | None = None

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class ApiClient:
    def __init__(self, routes: list[ApiRoute], invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
                 source_ip: str = "203.0.113.10", operator_token: str | None = None):
        self._routes = compile_routes(routes)
        self._invoke = invoke
        self.source_ip = source_ip
        self.cookies: dict[str, str] = {}
        # What the gateway accepts in place of a SigV4 signature on AWS_IAM routes, as in the local stack.
        self.operator_token = operator_token

    def as_staff(self, operator_token: str) -> "ApiClient":
        """The same API as counter staff (no reader's cookies)."""
        staff = copy.copy(self)
        staff.cookies, staff.operator_token = {}, operator_token
        return staff

    def request(self, method: str, path: str, *, json_body: Any = None, raw_body: bytes | None = None,
                query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> ApiResponse:
        raw_path = path + (f"?{urlencode(query)}" if query else "")
        route, parameters, _ = match(self._routes, method, path)
        assert route is not None, f"{method} {path} is not a route of template.yaml"
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = raw_body if raw_body is not None else (
            json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None else b"")
        caller = iam_caller(route.route, list(all_headers.items()), self.operator_token)
        if caller is None:
            status, header_list, payload = iam_refusal()
            return ApiResponse(status, dict(header_list), payload, [])
        event = proxy_event(route.route, method, raw_path, parameters, list(all_headers.items()), body,
                            self.source_ip, "local", caller)
        status, header_list, payload = response_parts(self._invoke(route.route.function, event))
        for name, value in header_list:
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value and "Max-Age=0" not in value:
                    self.cookies[cookie_name] = cookie_value
                else:
                    self.cookies.pop(cookie_name, None)
        return ApiResponse(status, dict(header_list), payload, [v for n, v in header_list if n.lower() == "set-cookie"])

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("PATCH", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("PUT", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("DELETE", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, json_body=body, **kwargs)
