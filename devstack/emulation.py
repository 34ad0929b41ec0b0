"""Embedded AWS emulation: moto's server on a free loopback port, answering one call at a time.

One at a time on purpose: moto's backends take no locks, so concurrent calls could interleave the condition check
and the write of a DynamoDB transaction, which the real service never does. Each call takes milliseconds.

A fault switch, ``Throttling``, refuses a share of the DynamoDB and SQS calls for a stretch, answered as AWS answers a
throttled call (HTTP 400 ``ProvisionedThroughputExceededException``/``ThrottlingException`` for DynamoDB,
``RequestThrottled``/``ThrottlingException`` for SQS), so that botocore's retries run as they would in AWS. The
partner simulator's port sets it: ``POST /_control/aws {"throttle_rate": 0.2, "services": ["dynamodb", "sqs"],
"for_seconds": 30}``. Calls of the stack's own machinery (its event-source pollers, the set-up) are never throttled:
in AWS those are the services' own, which retry by themselves.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


def free_port() -> int:
    """A loopback port nothing listens on now (for a server started next)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


# The user agent of the stack's own AWS clients (pollers, set-up), which the throttling switch never refuses.
INTERNAL_USER_AGENT = "onecard-devstack-internal"
THROTTLED_SERVICES = ("dynamodb", "sqs")


class Throttling:
    """Refuses a share of the calls to some services until a deadline, the way AWS answers a throttled call."""

    def __init__(self, draw: Callable[[], float] = random.random, clock: Callable[[], float] = time.monotonic):
        self._draw, self._clock = draw, clock
        self._lock = threading.Lock()
        self.rate, self.services, self.until = 0.0, frozenset[str](), 0.0
        self.refused: dict[str, int] = {}

    def set(
        self, throttle_rate: float = 0.0, services: Iterable[str] = THROTTLED_SERVICES, for_seconds: float = 60.0
    ) -> dict[str, Any]:
        rate, seconds, wanted = float(throttle_rate), float(for_seconds), frozenset(services)
        if not 0.0 <= rate <= 1.0 or seconds < 0 or not wanted <= set(THROTTLED_SERVICES):
            raise ValueError(f"throttle_rate in [0, 1], for_seconds >= 0, services among {list(THROTTLED_SERVICES)}")
        with self._lock:
            self.rate, self.services, self.until = rate, wanted, self._clock() + seconds
        return self.settings()

    def settings(self) -> dict[str, Any]:
        with self._lock:
            left = max(0.0, self.until - self._clock())
            return {
                "throttle_rate": self.rate if left else 0.0,
                "services": sorted(self.services),
                "seconds_left": round(left, 1),
                "refused": dict(self.refused),
            }

    def refuses(self, service: str) -> bool:
        with self._lock:
            if service not in self.services or self._clock() >= self.until or self._draw() >= self.rate:
                return False
            self.refused[service] = self.refused.get(service, 0) + 1
            return True


def _service_of(environ: dict[str, Any]) -> str:
    """The service a SigV4-signed call is for: the credential scope names it (…/region/service/aws4_request)."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    scope = (
        authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in authorization else []
    )
    return scope[3] if len(scope) >= 5 else ""


def _throttled_answer(service: str, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if service == "dynamodb":
        kind = (
            "ProvisionedThroughputExceededException" if "Item" in target or "Query" in target else "ThrottlingException"
        )
        body = json.dumps(
            {
                "__type": f"com.amazonaws.dynamodb.v20120810#{kind}",
                "message": "Rate of requests exceeds the allowed throughput.",
            }
        ).encode()
        return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], body
    if target:  # SQS over its JSON protocol
        body = json.dumps({"__type": "com.amazonaws.sqs#ThrottlingException", "message": "Rate exceeded"}).encode()
        return (
            "400 Bad Request",
            [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", "ThrottlingException;Sender")],
            body,
        )
    body = (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>RequestThrottled</Code><Message>Rate exceeded</Message>"
        b"</Error><RequestId>throttled</RequestId></ErrorResponse>"
    )
    return "400 Bad Request", [("Content-Type", "text/xml")], body


class _ThrottledApplication:
    def __init__(self, application: Any, throttling: Throttling):
        self.application, self.throttling = application, throttling

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        service = _service_of(environ)
        if (
            service in THROTTLED_SERVICES
            and INTERNAL_USER_AGENT not in environ.get("HTTP_USER_AGENT", "")
            and self.throttling.refuses(service)
        ):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length:
                environ["wsgi.input"].read(length)  # the connection stays usable for the next call
            status, headers, body = _throttled_answer(service, environ)
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [body]
        return self.application(environ, start_response)


class Emulation:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        from devstack import partition_queries, transaction_rollback

        transaction_rollback.install()
        partition_queries.install()
        self.throttling = Throttling()
        self._server = make_server(
            host,
            port,
            _ThrottledApplication(DomainDispatcherApplication(create_backend_app), self.throttling),
            threaded=False,
            request_handler=_QuietHandler,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-emulation", daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.socket.getsockname()[:2]  # the address it bound (the port when it was 0)
        return f"http://{host}:{port}"

    def start(self) -> Emulation:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    import sys

    emulation = Emulation(port=int(sys.argv[1]))
    emulation._thread.run()  # in the foreground, until the process is ended
