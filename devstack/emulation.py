"""Embedded AWS emulation: moto's server on a free loopback port, answering one call at a time.

One at a time on purpose: moto's backends take no locks, so concurrent calls could interleave the condition check
and the write of a DynamoDB transaction, which the real service never does. Each call takes milliseconds.
"""

from __future__ import annotations

import threading

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


class Emulation:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        from devstack import partition_queries, transaction_rollback

        transaction_rollback.install()
        partition_queries.install()
        self._server = make_server(
            host, port, DomainDispatcherApplication(create_backend_app), threaded=False, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-emulation", daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "Emulation":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    import sys

    emulation = Emulation(port=int(sys.argv[1]))
    emulation._thread.run()  # in the foreground, until the process is ended
