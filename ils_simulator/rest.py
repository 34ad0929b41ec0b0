"""The simulated library system's REST side: the subset of Koha's ``/api/v1`` the service writes with.

It serves, from the patrons its SIP2 side answers with (``IlsSimulator.locked_store``):

- ``POST /api/v1/oauth/token`` (client credentials, in the form or as HTTP Basic): a Bearer token;
- ``GET /api/v1/patrons`` (field filters with ``_match`` ``contains`` by default, as Koha; ``q`` as a JSON object,
  ``extended_attributes.code`` / ``extended_attributes.attribute`` among its keys), ``GET /api/v1/patrons/{id}``;
- ``POST /api/v1/patrons`` (201 with ``Location``), ``PUT /api/v1/patrons/{id}``,
  ``POST /api/v1/patrons/{id}/password``, ``DELETE /api/v1/patrons/{id}``;

and refuses as Koha does: 401 without a token or with an expired one, 403 naming the permission a client lacks, 400
``{"errors": [{message, path}]}`` for a body its patron definition does not allow (an unknown or read-only
property, a wrong type, a missing required one), 400 for an unknown category, library or attribute type and for a
taken unique attribute, 409 ``conflict`` for a taken card number, 409 for a likely duplicate person unless
``x-confirm-not-duplicate: 1``, 409 ``has_checkouts`` / ``has_debt`` on a delete, and its password policy
(``min_password_length``, letters and digits both, no trailing whitespace). The SIP2 side's faults (down, latency,
drop mid-answer) apply here too.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import secrets
import socket
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from ils_simulator.server import (
    FULL_CATEGORY,
    ID_NUMBER_ATTRIBUTE,
    LIBRARY_ID,
    PROVISIONAL_CATEGORY,
    READER_ID_ATTRIBUTE,
    SimulatedPatron,
    display_name,
)

if TYPE_CHECKING:
    from ils_simulator.server import IlsSimulator

ALL_PERMISSIONS = frozenset({"list_borrowers", "edit_borrowers", "delete_borrowers"})
API = "/api/v1"

# Koha's patron definition: the properties a request may carry (string or null unless said), read-only ones refused.
_DATES = {"date_of_birth", "date_enrolled", "expiry_date", "date_renewed"}
_DATE_TIMES = {"updated_on", "last_seen"}
_BOOLEANS = {"incorrect_address", "patron_card_lost", "autorenew_checkouts", "privacy_guarantor_fines", "protected"}
_INTEGERS = {"sms_provider_id", "privacy", "privacy_guarantor_checkouts", "login_attempts"}
_NOT_NULL_STRINGS = {"library_id", "category_id", "lang", "check_previous_checkout"}
_READ_ONLY = {"patron_id", "restricted", "anonymized", "expired"}
_OTHER = {"extended_attributes", "checkouts_count", "overdues_count", "account_balance", "library", "_strings"}
_STRINGS = {
    "cardnumber", "surname", "firstname", "preferred_name", "middle_name", "title", "other_name", "initials",
    "pronouns", "street_number", "street_type", "address", "address2", "city", "state", "postal_code", "country",
    "email", "phone", "mobile", "fax", "secondary_email", "secondary_phone", "altaddress_street_number",
    "altaddress_street_type", "altaddress_address", "altaddress_address2", "altaddress_city", "altaddress_state",
    "altaddress_postal_code", "altaddress_country", "altaddress_email", "altaddress_phone", "staff_notes",
    "relationship_type", "gender", "userid", "opac_notes", "altaddress_notes", "statistics_1", "statistics_2",
    "altcontact_firstname", "altcontact_surname", "altcontact_address", "altcontact_address2", "altcontact_city",
    "altcontact_state", "altcontact_postal_code", "altcontact_country", "altcontact_phone", "sms_number",
    "overdrive_auth_token",
}  # fmt: skip
_PROPERTIES = _DATES | _DATE_TIMES | _BOOLEANS | _INTEGERS | _NOT_NULL_STRINGS | _READ_ONLY | _OTHER | _STRINGS
_REQUIRED = ("surname", "library_id", "category_id")
# What the simulator keeps of a patron, by the definition's name.
_KEPT = (
    "cardnumber", "surname", "firstname", "date_of_birth", "email", "phone", "mobile", "address", "address2", "city",
    "postal_code", "country", "gender", "library_id", "category_id", "expiry_date", "lang", "staff_notes",
)  # fmt: skip
_ATTRIBUTE_OF = {"cardnumber": "barcode", "date_of_birth": "birth_date", "expiry_date": "card_expires"}


@dataclass(frozen=True)
class RestClient:
    """An API client (client id and secret) of a staff account with these permissions."""

    client_id: str
    client_secret: str = field(repr=False)
    permissions: frozenset[str] = ALL_PERMISSIONS


@dataclass(frozen=True)
class AttributeType:
    code: str
    unique: bool = True
    repeatable: bool = False


class _Refusal(Exception):
    def __init__(self, status: int, body: Any):
        super().__init__(status)
        self.status, self.body = status, body


class KohaRestApi:
    def __init__(self, simulator: IlsSimulator, host: str, port: int, clients: list[RestClient]):
        self._simulator = simulator
        self.clients = list(clients)
        self.token_seconds = 3600
        self.min_password_length = 6
        self.categories = {PROVISIONAL_CATEGORY, FULL_CATEGORY}
        self.libraries = {LIBRARY_ID}
        self.attribute_types = {
            code: AttributeType(code) for code in (ID_NUMBER_ATTRIBUTE, READER_ID_ATTRIBUTE)
        }  # the ID number is SIP2's XI
        self.received: list[tuple[str, str, Any]] = []
        """(method, path with query, JSON body) of every patron request, in order: what the service sent."""
        self.tokens_issued = 0
        self.statuses: list[int] = []
        """The status of every answer, in order."""
        self._tokens: dict[str, tuple[RestClient, float]] = {}
        self._lock = threading.Lock()
        self._serving = threading.Event()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"

    # Control ---------------------------------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (as after an hour, or a restart of the library system)."""
        with self._lock:
            self._tokens.clear()

    def serve_forever(self) -> None:
        self._serving.set()
        self._server.serve_forever(poll_interval=0.1)

    def shutdown(self) -> None:
        if self._serving.is_set():
            self._server.shutdown()
        self._server.server_close()

    # Answers ---------------------------------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        """(status, headers, JSON body or None) of one request; ``headers`` with lower-case names."""
        status, headers_out, document = self._answer(method, target, headers, body)
        with self._lock:
            self.statuses.append(status)
        return status, headers_out, document

    def _answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        url = urllib.parse.urlsplit(target)
        path = url.path.rstrip("/")
        try:
            if path == f"{API}/oauth/token" and method == "POST":
                return 200, {}, self._token(headers, body)
            if not path.startswith(f"{API}/patrons"):
                raise _Refusal(404, {"error": "Endpoint not found."})
            client = self._client(headers)
            document = _json(body) if method in ("POST", "PUT") else None
            with self._lock:
                self.received.append((method, target, document))
            parts = path.removeprefix(f"{API}/patrons").strip("/").split("/")
            embed = {item.strip() for item in headers.get("x-koha-embed", "").split(",")}
            return self._patrons(client, method, [p for p in parts if p], url.query, headers, document, embed)
        except _Refusal as refusal:
            return refusal.status, {}, refusal.body

    def _token(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            with contextlib.suppress(ValueError):
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            raise _Refusal(400, {"error": "Unimplemented grant type"})
        client = next((c for c in self.clients if c.client_id == client_id), None)
        if client is None or not secrets.compare_digest((secret or "").encode(), client.client_secret.encode()):
            raise _Refusal(403, {"error": "unauthorized_client"})
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (client, time.monotonic() + self.token_seconds)
            self.tokens_issued += 1
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.token_seconds}

    def _client(self, headers: dict[str, str]) -> RestClient:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        with self._lock:
            held = self._tokens.get(token) if scheme.lower() == "bearer" else None
        if held is None or held[1] <= time.monotonic():
            raise _Refusal(401, {"error": "Authentication failure."})
        return held[0]

    def _patrons(
        self,
        client: RestClient,
        method: str,
        parts: list[str],
        query: str,
        headers: dict[str, str],
        body: Any,
        embed: set[str],
    ) -> tuple[int, dict[str, str], Any]:
        needed = {"GET": "list_borrowers", "DELETE": "delete_borrowers"}.get(method, "edit_borrowers")
        if needed not in client.permissions:
            raise _Refusal(
                403,
                {
                    "error": "Authorization failure. Missing required permission(s).",
                    "required_permissions": {"borrowers": needed},
                },
            )
        if not parts and method == "GET":
            found = self._search(urllib.parse.parse_qs(query))
            return 200, {"X-Total-Count": str(len(found))}, [self._to_api(p, embed) for p in found]
        if not parts and method == "POST":
            return self._create(body, headers, embed)
        if len(parts) == 1 and parts[0].isdigit() and method in ("GET", "PUT", "DELETE"):
            patron_id = int(parts[0])
            if method == "PUT":
                _check_patron_body(body)
            with self._simulator.locked_store() as store:
                patron = store.get(patron_id)
                if patron is None:
                    raise _Refusal(404, {"error": "Patron not found"})
                if method == "GET":
                    return 200, {}, self._to_api(patron, embed)
                if method == "DELETE":
                    return self._delete(store, patron)
                return 200, {}, self._to_api(self._update(store, patron, body), embed)
        if len(parts) == 2 and parts[0].isdigit() and parts[1] == "password" and method == "POST":
            return self._set_password(int(parts[0]), body)
        raise _Refusal(404, {"error": "Endpoint not found."})

    def _search(self, query: dict[str, list[str]]) -> list[SimulatedPatron]:
        match = (query.pop("_match", ["contains"]) or ["contains"])[0]
        for reserved in ("_order_by", "_page", "_per_page"):
            query.pop(reserved, None)
        wanted: dict[str, Any] = {name: values[0] for name, values in query.items() if name != "q"}
        if "q" in query:
            try:
                q = json.loads(query["q"][0])
            except ValueError:
                raise _Refusal(400, {"error": "q is not valid JSON"}) from None
            if not isinstance(q, dict):
                raise _Refusal(400, {"error": "q must be a JSON object"})
            wanted.update(q)
        code, value = wanted.pop("extended_attributes.code", None), wanted.pop("extended_attributes.attribute", None)
        with self._simulator.locked_store() as store:
            found = []
            for patron in store.values():
                api = self._to_api(patron, {"extended_attributes"})
                if code is not None and not any(
                    a["type"] == code and (value is None or a["value"] == value) for a in api["extended_attributes"]
                ):
                    continue
                if all(_matches(api.get(name), str(expected), match) for name, expected in wanted.items()):
                    found.append(replace(patron, attributes=dict(patron.attributes)))
            return found

    def _create(self, body: Any, headers: dict[str, str], embed: set[str]) -> tuple[int, dict[str, str], Any]:
        _check_patron_body(body)
        self._check_codes(body)
        with self._simulator.locked_store() as store:
            if headers.get("x-confirm-not-duplicate") != "1" and any(
                _same_person(patron, body) for patron in store.values()
            ):
                raise _Refusal(409, {"error": "A patron record matching these details already exists"})
            self._check_card(store, body, None)
            attributes = self._attributes(store, body.get("extended_attributes") or [], None)
            patron = SimulatedPatron(None, None, None, "", None, None)
            _apply(patron, body, attributes)
            patron.updated_on = _now()
            self._simulator._store(patron)
            location = f"{API}/patrons/{patron.patron_id}"
            return 201, {"Location": location}, self._to_api(patron, embed)

    def _update(self, store: dict[int, SimulatedPatron], patron: SimulatedPatron, body: Any) -> SimulatedPatron:
        self._check_codes(body)
        self._check_card(store, body, patron.patron_id)
        attributes = None
        if "extended_attributes" in body:
            attributes = self._attributes(store, body["extended_attributes"] or [], patron.patron_id)
        _apply(patron, body, attributes)
        patron.updated_on = _now()
        return patron

    def _delete(self, store: dict[int, SimulatedPatron], patron: SimulatedPatron) -> tuple[int, dict[str, str], Any]:
        if patron.checkouts:
            raise _Refusal(409, {"error": "Pending checkouts prevent deletion", "error_code": "has_checkouts"})
        if patron.debt:
            raise _Refusal(409, {"error": "Pending debts prevent deletion", "error_code": "has_debt"})
        del store[patron.patron_id]
        return 204, {}, None

    def _set_password(self, patron_id: int, body: Any) -> tuple[int, dict[str, str], Any]:
        if not isinstance(body, dict) or set(body) - {"password", "password_2"}:
            extra = sorted(set(body) - {"password", "password_2"}) if isinstance(body, dict) else []
            raise _Refusal(400, _errors(f"Properties not allowed: {', '.join(extra)}.", "/body"))
        for name in ("password", "password_2"):
            if name not in body:
                raise _Refusal(400, _errors("Missing property.", f"/body/{name}"))
            if not isinstance(body[name], str):
                raise _Refusal(400, _errors(f"Expected string - got {_kind(body[name])}.", f"/body/{name}"))
        with self._simulator.locked_store() as store:
            patron = store.get(patron_id)
            if patron is None:
                raise _Refusal(404, {"error": "Patron not found."})
            password = body["password"]
            if password != body["password_2"]:
                raise _Refusal(400, {"error": "Passwords don't match"})
            if len(password) < self.min_password_length:
                raise _Refusal(
                    400,
                    {
                        "error": f"Password length ({len(password)}) is shorter than required ({self.min_password_length})"
                    },
                )
            if password != password.rstrip():
                raise _Refusal(400, {"error": "Password contains trailing whitespace(s)"})
            if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
                raise _Refusal(400, {"error": "Password is too weak"})
            patron.password = password
        return 200, {}, ""

    def _check_codes(self, body: dict[str, Any]) -> None:
        if body["category_id"] not in self.categories:
            raise _Refusal(400, {"error": "Given category_id does not exist"})
        if body["library_id"] not in self.libraries:
            raise _Refusal(400, {"error": "Given library_id does not exist"})

    @staticmethod
    def _check_card(store: dict[int, SimulatedPatron], body: dict[str, Any], own_id: int | None) -> None:
        card = body.get("cardnumber")
        if card and any((p.barcode or "").upper() == card.upper() and p.patron_id != own_id for p in store.values()):
            raise _Refusal(409, {"error": "Duplicate ID", "conflict": "cardnumber"})

    def _attributes(
        self, store: dict[int, SimulatedPatron], given: list[dict[str, str]], own_id: int | None
    ) -> dict[str, str]:
        kept: dict[str, str] = {}
        for attribute in given:
            kind, value = attribute["type"], attribute["value"]
            known = self.attribute_types.get(kind)
            if known is None:
                raise _Refusal(400, {"error": f"Tried to use an invalid attribute type. type={kind}"})
            if kind in kept and not known.repeatable:
                raise _Refusal(
                    400, {"error": f"Tried to add more than one non-repeatable attributes. type={kind} value={value}"}
                )
            if known.unique and any(_attribute(p, kind) == value and p.patron_id != own_id for p in store.values()):
                raise _Refusal(
                    400,
                    {"error": f"Your action breaks a unique constraint on the attribute. type={kind} value={value}"},
                )
            kept[kind] = value
        return kept

    def _to_api(self, patron: SimulatedPatron, embed: set[str]) -> dict[str, Any]:
        api: dict[str, Any] = {"patron_id": patron.patron_id}
        for name in _KEPT:
            value = getattr(patron, _ATTRIBUTE_OF.get(name, name))
            api[name] = value.isoformat() if isinstance(value, dt.date) else value
        today = dt.date.today()
        api.update(
            userid=None,
            date_enrolled=patron.date_enrolled.isoformat() if patron.date_enrolled else None,
            updated_on=patron.updated_on.isoformat(),
            expired=bool(patron.card_expires and patron.card_expires < today),
            restricted=False,
            anonymized=False,
        )
        if "extended_attributes" in embed:
            values = dict(patron.attributes)
            if patron.id_number:
                values[ID_NUMBER_ATTRIBUTE] = patron.id_number
            api["extended_attributes"] = [
                {"extended_attribute_id": index + 1, "type": kind, "value": value}
                for index, (kind, value) in enumerate(sorted(values.items()))
            ]
        return api

    # The HTTP server -------------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self
        simulator = self._simulator

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PUT(self) -> None:
                self._serve("PUT")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                faults = simulator.faults
                if faults.down:
                    self._abort()
                    return
                if faults.latency_ms:
                    time.sleep(faults.latency_ms / 1000)
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, extra, document = api.answer(method, self.path, headers, body)
                data = b"" if document is None else json.dumps(document, ensure_ascii=False).encode()
                head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
                if document is not None:
                    head.append("Content-Type: application/json;charset=UTF-8")
                head += [f"Content-Length: {len(data)}", *(f"{k}: {v}" for k, v in extra.items()), "", ""]
                raw = "\r\n".join(head).encode() + data
                if simulator.faults.drop_mid_answer:
                    # Cut inside the body (or the status line when there is none): a client reading headers to
                    # the end of the stream would otherwise take a header cut short for a whole answer.
                    cut = len(raw) - len(data) // 2 if data else 7
                    self.wfile.write(raw[:cut])
                    self.wfile.flush()
                    self._abort()
                    return
                self.wfile.write(raw)

            def _abort(self) -> None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

        return Handler


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise _Refusal(400, _errors("Expected object - got invalid JSON.", "/body")) from None


def _errors(message: str, path: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "path": path}], "status": 400}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number" if isinstance(value, float) else "integer"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "unknown")


def _check_patron_body(body: Any) -> None:
    """As Koha's OpenAPI validation of the patron definition: the first problem, naming its path."""
    if not isinstance(body, dict):
        raise _Refusal(400, _errors(f"Expected object - got {_kind(body)}.", "/body"))
    unknown = sorted(set(body) - _PROPERTIES)
    if unknown:
        raise _Refusal(400, _errors(f"Properties not allowed: {', '.join(unknown)}.", "/body"))
    for name in _REQUIRED:
        if name not in body:
            raise _Refusal(400, _errors("Missing property.", f"/body/{name}"))
    for name, value in body.items():
        where = f"/body/{name}"
        if name in _READ_ONLY:
            raise _Refusal(400, _errors("Read-only.", where))
        if name in _STRINGS or name in _DATES or name in _DATE_TIMES:
            if value is not None and not isinstance(value, str):
                raise _Refusal(400, _errors(f"Expected string/null - got {_kind(value)}.", where))
            if name in _DATES and value is not None and not _is_date(value):
                raise _Refusal(400, _errors("Does not match date format.", where))
        elif name in _NOT_NULL_STRINGS and not isinstance(value, str):
            raise _Refusal(400, _errors(f"Expected string - got {_kind(value)}.", where))
        elif name in _BOOLEANS and value is not None and not isinstance(value, bool):
            raise _Refusal(400, _errors(f"Expected boolean/null - got {_kind(value)}.", where))
        elif name in _INTEGERS and value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _Refusal(400, _errors(f"Expected integer/null - got {_kind(value)}.", where))
        elif name == "extended_attributes":
            _check_attributes(value, where)


def _check_attributes(value: Any, where: str) -> None:
    if not isinstance(value, list):
        raise _Refusal(400, _errors(f"Expected array - got {_kind(value)}.", where))
    for index, item in enumerate(value):
        at = f"{where}/{index}"
        if not isinstance(item, dict):
            raise _Refusal(400, _errors(f"Expected object - got {_kind(item)}.", at))
        extra = sorted(set(item) - {"extended_attribute_id", "type", "value"})
        if extra:
            raise _Refusal(400, _errors(f"Properties not allowed: {', '.join(extra)}.", at))
        for name in ("type", "value"):
            if name not in item:
                raise _Refusal(400, _errors("Missing property.", f"{at}/{name}"))
            if not isinstance(item[name], str):
                raise _Refusal(400, _errors(f"Expected string - got {_kind(item[name])}.", f"{at}/{name}"))


def _is_date(value: str) -> bool:
    if len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _apply(patron: SimulatedPatron, body: dict[str, Any], attributes: dict[str, str] | None) -> None:
    for name in _KEPT:
        if name in body:
            value = body[name]
            if name in _DATES and value is not None:
                value = dt.date.fromisoformat(value)
            setattr(patron, _ATTRIBUTE_OF.get(name, name), value)
    if attributes is not None:
        patron.id_number = attributes.pop(ID_NUMBER_ATTRIBUTE, None)
        patron.attributes = attributes
    patron.name = display_name(patron.surname, patron.firstname)


def _attribute(patron: SimulatedPatron, kind: str) -> str | None:
    return patron.id_number if kind == ID_NUMBER_ATTRIBUTE else patron.attributes.get(kind)


def _same_person(patron: SimulatedPatron, body: dict[str, Any]) -> bool:
    """Koha's duplicate check (surname, first name and date of birth alike)."""

    def same(a: Any, b: Any) -> bool:
        return (str(a).casefold() if a else None) == (str(b).casefold() if b else None)

    birth = patron.birth_date.isoformat() if patron.birth_date else None
    return (
        same(patron.surname, body.get("surname"))
        and same(patron.firstname, body.get("firstname"))
        and same(birth, body.get("date_of_birth"))
    )


def _matches(actual: Any, expected: str, match: str) -> bool:
    if actual is None:
        return False
    have, want = str(actual).casefold(), expected.casefold()
    if match == "exact":
        return have == want
    if match == "starts_with":
        return have.startswith(want)
    if match == "ends_with":
        return have.endswith(want)
    return want in have


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
