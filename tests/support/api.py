"""Calling the API functions as API Gateway would, without a server: the same events the local stack sends."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from devstack.api_gateway import authorize, compile_routes, match, proxy_event, response_parts
from devstack.authorizers import authorizers_in_emulation, unauthorized
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
    def __init__(
        self,
        routes: list[ApiRoute],
        invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
        source_ip: str = "203.0.113.10",
        operator_token: Any = None,
        authorizers: Any = None,
    ):
        self._routes = compile_routes(routes)
        self._invoke = invoke
        self.source_ip = source_ip
        self.cookies: dict[str, str] = {}
        # A staff member's ID token (or an object whose str() is one), sent as the bearer when a request names none.
        self.operator_token = operator_token
        # The template's Cognito authorizers over the emulation's pool, found there on first use unless given.
        self._authorizers = authorizers

    @property
    def authorizers(self) -> Any:
        if self._authorizers is None:
            import boto3

            from devstack.resources import REGION

            self._authorizers = authorizers_in_emulation(boto3.Session(region_name=REGION))
        return self._authorizers

    def as_staff(self, operator_token: Any) -> ApiClient:
        """The same API as a staff member with this ID token (no reader's cookies)."""
        staff = copy.copy(self)
        staff.cookies, staff.operator_token = {}, operator_token
        return staff

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: bytes | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResponse:
        raw_path = path + (f"?{urlencode(query)}" if query else "")
        route, parameters, _ = match(self._routes, method, path)
        assert route is not None, f"{method} {path} is not a route of template.yaml"
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = (
            raw_body
            if raw_body is not None
            else (json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None else b"")
        )
        if self.operator_token is not None and not any(k.lower() == "authorization" for k in all_headers):
            all_headers["Authorization"] = f"Bearer {self.operator_token}"
        context = authorize(route.route, list(all_headers.items()), self.authorizers) if route.route.authorizer else {}
        if context is None:
            status, header_list, payload = unauthorized()
            return ApiResponse(status, dict(header_list), payload, [])
        event = proxy_event(
            route.route, method, raw_path, parameters, list(all_headers.items()), body, self.source_ip, "local", context
        )
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
