"""The simulated partners over HTTP, on one loopback port: /ntpc, /klcpl, /taipei-card.

They verify our signatures, answer at once or with a signed callback after a delay, and take fault settings
on POST /_control/{partner}; GET /_control/{partner}/seen lists what they received.

Given the simulated library system (``ils_simulator``), the same port also controls it: POST /_control/ils sets its
faults (``{"down": true}``, ``{"latency_ms": 500}``, ``{"drop_mid_answer": true}``; ``{}`` restores),
POST /_control/ils/patrons/{barcode} with ``{"password": "…"}`` changes a patron's password as a counter would
(``checkouts``, ``debt``, ``category_id`` and contact data ``email``, ``phone``, ``mobile``, ``address`` likewise:
a loan given or returned, a fee owed or settled, an edit at the counter; the barcode may be an ID number),
POST /_control/ils/patrons with ``{"patrons": [{barcode, id_number, password, name, birth_date, ...}]}`` issues new
cards, GET /_control/ils/patrons lists the patrons (without passwords) and GET /_control/ils the faults.

Given the AWS emulation's throttling switch, POST /_control/aws ``{"throttle_rate": 0.2, "services": ["dynamodb",
"sqs"], "for_seconds": 30}`` refuses that share of the functions' DynamoDB/SQS calls as AWS throttles them, for that
long (``{}`` turns it off); GET /_control/aws tells the settings, the seconds left and how many calls were refused.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from onecard.partners import protocol
from partner_simulator.core import Faults, SimulatedPartners

if TYPE_CHECKING:
    from ils_simulator import IlsSimulator

_ACTIONS = {path: action for action, path in protocol.PATHS.items()}


class PartnerSimulator:
    def __init__(
        self,
        secrets: dict[str, bytes],
        callback_base_url: str,
        host: str = "127.0.0.1",
        port: int = 3100,
        ils: IlsSimulator | None = None,
        aws_throttling: Any = None,
    ):
        self.secrets = secrets
        self.ils = ils
        self.aws_throttling = aws_throttling
        self.callback_base_url = callback_base_url.rstrip("/")
        self.partners = SimulatedPartners()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def serve(self, stop: threading.Event) -> None:
        thread = threading.Thread(target=self._server.serve_forever, name="partner-simulator", daemon=True)
        thread.start()
        stop.wait()
        self._server.shutdown()
        self._server.server_close()

    def _callback(
        self, partner: str, request_id: str, body: dict[str, Any], delay: float, copies: int, stale_first: bool
    ) -> None:
        def post(status_body: dict[str, Any], at: int) -> None:
            payload = json.dumps(status_body).encode()
            headers = protocol.signed_headers(self.secrets[partner], request_id, at, payload)
            request = urllib.request.Request(
                f"{self.callback_base_url}/v1/partners/{partner}/callbacks",
                data=payload,
                headers=headers,
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    status = answer.status
            except urllib.error.HTTPError as refused:
                status = refused.code
            except OSError:
                status = 0  # no answer at all
            self.partners.partners[partner].callback_answers.append(status)

        def later() -> None:
            time.sleep(delay)
            event = {
                "event_id": f"E-{request_id}",
                "request_id": request_id,
                "status": body["status"],
                **({"partner_card_number": body["partner_card_number"]} if body.get("partner_card_number") else {}),
            }
            now = int(time.time())
            for _ in range(copies):
                post(event, now)
            if stale_first:  # an older answer arriving after the newer one
                post({**event, "event_id": f"E-old-{request_id}", "status": "rejected", "reason": "stale"}, now - 60)

        threading.Thread(target=later, daemon=True).start()

    def _handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # one answer = two writes; without this each waits for a delayed ACK

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _control_ils(self, method: str, parts: list[str], body: bytes) -> None:
                ils = simulator.ils
                if ils is None:
                    self._reply(404, {"reason": "no simulated library system"})
                    return
                try:
                    settings = json.loads(body or b"{}") if method == "POST" else {}
                except ValueError:
                    self._reply(400, {"reason": "the body is not JSON"})
                    return
                if parts == ["patrons"] and method == "POST":
                    self._add_patrons(ils, settings)
                elif not isinstance(settings, dict):
                    self._reply(400, {"reason": "the body is not a JSON object"})
                elif parts == [] and method == "GET":
                    self._reply(200, ils.fault_settings())
                elif parts == [] and method == "POST":
                    try:
                        ils.set_faults(**settings)
                    except (TypeError, ValueError) as refused:
                        self._reply(400, {"reason": str(refused)})
                        return
                    self._reply(200, ils.fault_settings())
                elif parts == ["patrons"] and method == "GET":
                    self._reply(200, {"patrons": ils.patrons()})
                elif len(parts) == 2 and parts[0] == "patrons" and method == "POST":
                    password = settings.get("password", "-")
                    if not settings or not isinstance(password, str) or not password:
                        self._reply(400, {"reason": "password (a non-empty string) or another change is required"})
                        return
                    try:
                        changed = ils.change_patron(parts[1], **settings)
                    except KeyError:
                        self._reply(404, {"reason": "unknown patron"})
                        return
                    except (TypeError, ValueError) as refused:
                        self._reply(400, {"reason": str(refused)})
                        return
                    self._reply(200, {**changed, "password_changed": "password" in settings})
                else:
                    self._reply(404, {"reason": "not found"})

            def _add_patrons(self, ils: IlsSimulator, body: Any) -> None:
                """New card holders, all or none: 400 naming the wrong field, 409 naming one already held."""
                from ils_simulator import PatronRefused, patrons_from_json  # only with a library system to control

                try:
                    patrons = patrons_from_json(body)
                except PatronRefused as refused:
                    self._reply(400, {"reason": str(refused), "field": refused.field})
                    return
                try:
                    ils.add_patrons(patrons)
                except PatronRefused as refused:
                    self._reply(409, {"reason": str(refused), "field": refused.field})
                    return
                self._reply(201, {"added": [patron.barcode for patron in patrons]})

            def _control_aws(self, method: str, body: bytes) -> None:
                throttling = simulator.aws_throttling
                if throttling is None:
                    self._reply(404, {"reason": "no AWS emulation"})
                    return
                if method == "GET":
                    self._reply(200, throttling.settings())
                    return
                try:
                    settings = json.loads(body or b"{}")
                    if not isinstance(settings, dict):
                        raise TypeError("the body is not a JSON object")
                    self._reply(200, throttling.set(**settings))
                except (TypeError, ValueError) as refused:
                    self._reply(400, {"reason": str(refused)})

            def do_GET(self) -> None:
                parts = self.path.strip("/").split("/")
                if parts == ["_control", "aws"]:
                    self._control_aws("GET", b"")
                    return
                if parts[:2] == ["_control", "ils"]:
                    self._control_ils("GET", parts[2:], b"")
                    return
                if (
                    len(parts) == 3
                    and parts[0] == "_control"
                    and parts[2] == "seen"
                    and parts[1] in simulator.partners.partners
                ):
                    partner = simulator.partners.partners[parts[1]]
                    self._reply(
                        200,
                        {
                            "seen": partner.seen,
                            "refused": partner.refused,
                            "faults": asdict(partner.faults),
                            "linked": partner.linked,
                            "callback_answers": partner.callback_answers,
                        },
                    )
                else:
                    self._reply(404, {"reason": "not found"})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.strip("/").split("/") == ["_control", "aws"]:
                    self._control_aws("POST", body)
                    return
                if self.path.strip("/").split("/")[:2] == ["_control", "ils"]:
                    self._control_ils("POST", self.path.strip("/").split("/")[2:], body)
                    return
                parts = self.path.strip("/").split("/", 1)
                if parts[0] == "_control" and len(parts) == 2 and parts[1] in simulator.partners.partners:
                    settings = json.loads(body or b"{}")
                    known = {f.name for f in fields(Faults)}
                    simulator.partners.partners[parts[1]].faults = Faults(
                        **{k: v for k, v in settings.items() if k in known}
                    )
                    self._reply(200, asdict(simulator.partners.partners[parts[1]].faults))
                    return
                name, path = parts[0], "/" + (parts[1] if len(parts) > 1 else "")
                if name not in simulator.partners.partners or path not in _ACTIONS:
                    self._reply(404, {"reason": "unknown endpoint"})
                    return
                if protocol.verify(simulator.secrets[name], dict(self.headers.items()), body, time.time()) is None:
                    self._reply(401, {"reason": "bad signature"})
                    return
                partner = simulator.partners.partners[name]
                request_id = self.headers.get(protocol.REQUEST_ID_HEADER, "")
                status, answer = partner.decide(_ACTIONS[path], request_id, json.loads(body))
                if status == 0:
                    time.sleep(10)  # past the client's read timeout
                    self._reply(504, {"reason": "timeout"})
                    return
                if status == 202:
                    faults = partner.faults
                    simulator._callback(
                        name,
                        request_id,
                        answer,
                        faults.callback_delay_ms / 1000,
                        2 if faults.duplicate_callbacks else 1,
                        faults.out_of_order,
                    )
                    self._reply(202, {"status": "accepted"})
                    return
                self._reply(status, answer)

        return Handler
