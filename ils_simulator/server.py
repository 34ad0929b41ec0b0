"""The simulated library system: a SIP2 2.00 ACS on a loopback port, one thread per connection.

It answers 93 Login (only the account it was made with), 99 SC Status, 63 Patron Information (the patron looked up
by card barcode or ID number; 63 before a successful login closes the connection) and 97 (resend), with the AY
sequence of the request and an AZ checksum; a request with a wrong checksum gets 96. Beyond SIP2 2.00 its 64
answers carry the birth date in PB and the card's expiry in PA (YYYYMMDD, as Koha does) and the ID number in XI
(a local extension): ``IlsSimulator.extension_fields`` names them for the client.

Faults (``set_faults``, or ``POST /_control/ils`` on the partner simulator; each call sets them all, ``{}``
restores): ``down`` refuses new connections and drops the open ones, ``latency_ms`` delays every answer,
``drop_mid_answer`` sends half an answer and closes, ``corrupt_checksum`` sends answers with a wrong checksum.
``set_password(barcode, password)`` is how a counter password change is simulated; ``add_patrons`` (or
``POST /_control/ils/patrons`` with ``{"patrons": [...]}``, read by ``patrons_from_json``) issues new cards;
``change_patron`` gives or takes back loans and debts and edits contact data as a counter clerk would.

Beside SIP2 it serves the subset of Koha's REST API the service writes with (``ils_simulator.rest``), on a loopback
port of its own and from the same patrons: a patron created or changed over REST is what SIP2 answers at once, and
the faults above apply to both. A patron in the provisional category (``PROVISIONAL_CATEGORY``) is answered with
charge privileges denied, as a self-registered Koha patron may not borrow.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from onecard.infra import sip2_codec as codec

if TYPE_CHECKING:
    from ils_simulator.rest import RestClient

INSTITUTION_ID = "TPML"
EXTENSION_FIELDS = {"birth_date_field": "PB", "expiry_field": "PA", "id_number_field": "XI"}
_NO_STATUS = " " * 14
_CHARGE_DENIED = "Y" + " " * 13
_UNKNOWN_PATRON_STATUS = "YYYY" + " " * 10
# The simulated library's codes (operators set the real ones as template parameters).
LIBRARY_ID = "TPML"
PROVISIONAL_CATEGORY = "WEBREG"
FULL_CATEGORY = "PT"
ID_NUMBER_ATTRIBUTE = "NATIONALID"
READER_ID_ATTRIBUTE = "ONECARDID"


@dataclass(frozen=True)
class Account:
    """The SIP account the service logs in with (CN/CO of 93)."""

    login: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class IlsFaults:
    down: bool = False
    latency_ms: int = 0
    drop_mid_answer: bool = False
    corrupt_checksum: bool = False


@dataclass
class SimulatedPatron:
    """A patron of the simulated library system, as both its SIP2 and its REST side see it. Patrons created over
    REST may have no card barcode yet (a provisional patron), no ID number or no password."""

    barcode: str | None
    id_number: str | None  # the ID-number extended attribute (REST) and the XI field (SIP2)
    password: str | None = field(repr=False)
    name: str
    birth_date: dt.date | None
    card_expires: dt.date | None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    patron_id: int = 0
    surname: str | None = None
    firstname: str | None = None
    category_id: str = FULL_CATEGORY
    library_id: str = LIBRARY_ID
    mobile: str | None = None
    address2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    gender: str | None = None
    lang: str = "default"
    staff_notes: str | None = None
    date_enrolled: dt.date | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # other extended attributes: type → value
    updated_on: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    checkouts: int = 0
    debt: float = 0.0

    def __post_init__(self) -> None:
        if self.surname is None:
            self.surname = self.name

    def public(self) -> dict[str, Any]:
        """What GET /_control/ils/patrons shows: everything but the password."""
        return {
            "barcode": self.barcode,
            "id_number": self.id_number,
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "card_expires": self.card_expires.isoformat() if self.card_expires else None,
            "email": self.email,
            "phone": self.phone,
            "address": self.address,
            "patron_id": self.patron_id,
            "category_id": self.category_id,
            "mobile": self.mobile,
            "checkouts": self.checkouts,
            "debt": self.debt,
            "has_password": bool(self.password),
        }


def display_name(surname: str | None, firstname: str | None) -> str:
    """The name SIP2 answers (AE): Chinese names surname first without a space, others "first last"."""
    parts = [part for part in (surname, firstname) if part]
    if any("\u3400" <= character <= "\u9fff" for character in "".join(parts)):
        return "".join(parts)
    return " ".join(reversed(parts))


def sample_patrons(today: dt.date | None = None) -> list[SimulatedPatron]:
    """Three card holders: two valid cards (expiring two years on), one expired."""
    today = today or dt.date.today()
    later = dt.date(today.year + 2, 12, 31)
    return [
        SimulatedPatron(
            "TP90000001",
            "F131104093",
            "tpml2024",
            "陳大文",
            dt.date(1985, 3, 2),
            later,
            phone="0912345678",
            address="臺北市大安區建國南路二段1號",
            surname="陳",
            firstname="大文",
        ),
        SimulatedPatron(
            "TP90000002",
            "A234567893",
            "book5678",
            "王美玲",
            dt.date(1992, 11, 20),
            later,
            email="wang@example.com",
            surname="王",
            firstname="美玲",
        ),
        SimulatedPatron(
            "TP90000003",
            "L118159085",
            "exp12345",
            "李小華",
            dt.date(1978, 7, 15),
            dt.date(2024, 12, 31),
            surname="李",
            firstname="小華",
        ),
    ]


class PatronRefused(ValueError):
    """A patron the simulator will not add; ``field`` names the offending field (``patrons[3].birth_date``)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# What a SIP2 field may hold: no field separator (|), no message terminator or other control characters.
_SIP2_SAFE = re.compile(r"[^|\x00-\x1f\x7f]+")
_IDENTIFIER = re.compile(r"[A-Za-z0-9-]{1,32}")
_REQUIRED = ("barcode", "id_number", "password", "name", "birth_date")
_OPTIONAL = ("email", "phone", "address", "card_expires")


def patrons_from_json(body: Any, today: dt.date | None = None) -> list[SimulatedPatron]:
    """The card holders of a ``{"patrons": [{barcode, id_number, password, name, birth_date, email?, phone?,
    address?, card_expires?}, ...]}`` body. A card without ``card_expires`` is valid until the end of the year two
    years on (as the sample cards). PatronRefused names the first field that is wrong."""
    today = today or dt.date.today()
    if not isinstance(body, dict) or set(body) != {"patrons"}:
        raise PatronRefused("patrons", 'the body must be {"patrons": [...]} and nothing else')
    items = body["patrons"]
    if not isinstance(items, list) or not items:
        raise PatronRefused("patrons", "a non-empty list of patrons is required")
    patrons: list[SimulatedPatron] = []
    barcodes: dict[str, int] = {}
    id_numbers: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"patrons[{index}]"
        patron = _patron_from_json(item, where, today)
        for value, seen, name in ((patron.barcode, barcodes, "barcode"), (patron.id_number, id_numbers, "id_number")):
            if value is None:
                continue
            if value in seen:
                raise PatronRefused(f"{where}.{name}", f"{value} is also given by patrons[{seen[value]}]")
            seen[value] = index
        patrons.append(patron)
    return patrons


def _patron_from_json(item: Any, where: str, today: dt.date) -> SimulatedPatron:
    if not isinstance(item, dict):
        raise PatronRefused(where, "each patron must be a JSON object")
    unknown = sorted(set(item) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise PatronRefused(f"{where}.{unknown[0]}", "is not a field of a patron")
    for name in _REQUIRED:
        if name not in item:
            raise PatronRefused(f"{where}.{name}", "is required")

    def text(name: str, pattern: re.Pattern[str] = _SIP2_SAFE) -> str:
        value = item[name]
        if not isinstance(value, str) or not value.strip():
            raise PatronRefused(f"{where}.{name}", "must be a non-empty string")
        if not pattern.fullmatch(value):
            allowed = (
                "letters, digits and hyphens (at most 32)" if pattern is _IDENTIFIER else "no | or control characters"
            )
            raise PatronRefused(f"{where}.{name}", f"may hold {allowed}")
        return value

    def optional_text(name: str) -> str | None:
        return None if item.get(name) is None else text(name)

    def date(name: str) -> dt.date:
        value = item[name]
        if isinstance(value, str) and len(value) == 10:  # fromisoformat would also take 20240101
            with contextlib.suppress(ValueError):
                return dt.date.fromisoformat(value)
        raise PatronRefused(f"{where}.{name}", "must be a date, YYYY-MM-DD")

    birth_date = date("birth_date")
    if birth_date > today:
        raise PatronRefused(f"{where}.birth_date", "is in the future")
    return SimulatedPatron(
        barcode=text("barcode", _IDENTIFIER).upper(),
        id_number=text("id_number", _IDENTIFIER).upper(),  # looked up upper-cased, as the service sends it
        password=text("password"),
        name=text("name").strip(),
        birth_date=birth_date,
        card_expires=date("card_expires") if item.get("card_expires") is not None else dt.date(today.year + 2, 12, 31),
        email=optional_text("email"),
        phone=optional_text("phone"),
        address=optional_text("address"),
    )


class IlsSimulator:
    extension_fields = EXTENSION_FIELDS

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        account: Account | None = None,
        institution_id: str = INSTITUTION_ID,
        patrons: list[SimulatedPatron] | None = None,
        encoding: str = "utf-8",
        rest_port: int = 0,
        rest_clients: list[RestClient] | None = None,
    ):
        from ils_simulator.rest import KohaRestApi, RestClient

        self.host = host
        self.account = account or Account("onecard", secrets.token_urlsafe(12))
        self.institution_id = institution_id
        self.encoding = encoding
        self.faults = IlsFaults()
        self._patrons: dict[int, SimulatedPatron] = {}
        self._last_patron_id = 0
        for patron in patrons if patrons is not None else sample_patrons():
            self._store(patron)
        self._lock = threading.Lock()
        self.password_checks: list[str] = []
        """The identifier of each Patron Information request that carried a password, in order (a real ILS may
        block a patron after too many wrong ones)."""
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server = _Server((host, port), self._handler())
        self.port = self._server.server_address[1]
        self.rest = KohaRestApi(
            self, host, rest_port, rest_clients or [RestClient("onecard-service", secrets.token_urlsafe(18))]
        )
        """Koha's REST API on a port of its own (``rest.url``; ``rest.clients[0]`` is the service's client)."""

    # The Python control API ------------------------------------------------------------------------------------

    def set_faults(self, **settings: Any) -> IlsFaults:
        """Sets every fault at once (those not given are off); unknown names are refused."""
        known = {f.name for f in fields(IlsFaults)}
        unknown = set(settings) - known
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        self.faults = IlsFaults(
            down=bool(settings.get("down", False)),
            latency_ms=max(0, int(settings.get("latency_ms", 0))),
            drop_mid_answer=bool(settings.get("drop_mid_answer", False)),
            corrupt_checksum=bool(settings.get("corrupt_checksum", False)),
        )
        if self.faults.down:
            self.drop_connections()
        return self.faults

    def set_password(self, barcode: str, password: str) -> None:
        """A password change at the counter. KeyError for an unknown barcode."""
        self.change_patron(barcode, password=password)

    def change_patron(self, identifier: str, **changes: Any) -> dict[str, Any]:
        """What a counter clerk does in the library system to the patron with this card barcode, ID number or
        patron id: ``password``, ``checkouts`` (loans held), ``debt`` (fees owed), ``category_id`` and the contact
        data (``email``, ``phone``, ``mobile``, ``address``, ``city``, ``postal_code``). KeyError for an unknown
        patron, ValueError for a change it does not know."""
        known = {"password", "checkouts", "debt", "category_id", "email", "phone", "mobile", "address", "city"}
        unknown = set(changes) - known - {"postal_code"}
        if unknown:
            raise ValueError(f"unknown changes: {', '.join(sorted(unknown))}")
        with self._lock:
            patron = self._locate(identifier)
            if patron is None:
                raise KeyError(identifier)
            for name, value in changes.items():
                if name == "checkouts":
                    value = max(0, int(value))
                elif name == "debt":
                    value = max(0.0, float(value))
                setattr(patron, name, value)
            if set(changes) - {"password", "checkouts", "debt"}:
                patron.updated_on = _now()
            return patron.public()

    def set_contact(self, barcode: str, **contact: str | None) -> None:
        """A change of contact data at the counter (``email``, ``phone``, ``address``; None clears). KeyError for an
        unknown barcode, ValueError for another field."""
        unknown = set(contact) - {"email", "phone", "address"}
        if unknown:
            raise ValueError(f"not contact data: {', '.join(sorted(unknown))}")
        with self._lock:
            patron = self._locate(barcode)
            if patron is None:
                raise KeyError(barcode)
            for name, value in contact.items():
                setattr(patron, name, value)

    def add_patrons(self, patrons: list[SimulatedPatron]) -> None:
        """New card holders, all or none: PatronRefused when a barcode or ID number is already a patron's."""
        with self._lock:
            held_cards = {p.barcode for p in self._patrons.values() if p.barcode}
            held_ids = {p.id_number: p.barcode for p in self._patrons.values() if p.id_number}
            for index, patron in enumerate(patrons):
                if patron.barcode in held_cards:
                    raise PatronRefused(f"patrons[{index}].barcode", f"{patron.barcode} is already a patron's card")
                if patron.id_number in held_ids:
                    raise PatronRefused(
                        f"patrons[{index}].id_number", f"is already the ID number of card {held_ids[patron.id_number]}"
                    )
            for patron in patrons:
                self._store(replace(patron))

    def patrons(self) -> list[dict[str, Any]]:
        with self._lock:
            return [p.public() for p in self._patrons.values()]

    @contextlib.contextmanager
    def locked_store(self) -> Iterator[dict[int, SimulatedPatron]]:
        """The patrons by patron id, under the lock both protocols take (for the REST side)."""
        with self._lock:
            yield self._patrons

    def _store(self, patron: SimulatedPatron) -> SimulatedPatron:
        """Keeps ``patron`` under a new patron id (caller holds the lock, or is the constructor)."""
        self._last_patron_id += 1
        patron.patron_id = self._last_patron_id
        patron.date_enrolled = patron.date_enrolled or dt.date.today()
        self._patrons[patron.patron_id] = patron
        return patron

    def _locate(self, identifier: str) -> SimulatedPatron | None:
        wanted = identifier.strip().upper()
        for patron in self._patrons.values():
            if wanted in ((patron.barcode or "").upper(), patron.id_number or "", str(patron.patron_id)):
                return patron
        return None

    def drop_connections(self) -> None:
        """Closes every open connection, as a restarting library system would."""
        with self._lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            _abort(connection)

    def fault_settings(self) -> dict[str, Any]:
        return asdict(self.faults)

    # Running ---------------------------------------------------------------------------------------------------

    def serve(self, stop: threading.Event) -> None:
        """Answers (SIP2 and REST) until ``stop`` is set, then closes both ports and every connection."""
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="ils-simulator", daemon=True
        )
        thread.start()
        rest = threading.Thread(target=self.rest.serve_forever, name="ils-simulator-rest", daemon=True)
        rest.start()
        stop.wait()
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self.rest.shutdown()
        self.drop_connections()
        thread.join(timeout=2)
        rest.join(timeout=2)

    def close(self) -> None:
        """Closes both ports of a simulator that was never served (its answers were called directly)."""
        self._server.server_close()
        self.rest.shutdown()

    @contextlib.contextmanager
    def running(self) -> Iterator[IlsSimulator]:
        stop = threading.Event()
        thread = threading.Thread(target=self.serve, args=(stop,), name="ils-simulator-serve", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(timeout=5)

    # Answers ---------------------------------------------------------------------------------------------------

    def answer(self, request: codec.Message, logged_in: bool) -> tuple[codec.Message | None, bool]:
        """(answer, logged in now); None closes the connection."""
        now = dt.datetime.now()
        if request.command == "93":
            ok = (request.get("CN"), request.get("CO")) == (self.account.login, self.account.password)
            return codec.login_response(ok), ok
        if request.command == "99":
            return codec.acs_status(self.institution_id, now, library_name="臺北市立圖書館（模擬）"), logged_in
        if request.command == "63" and logged_in:
            return self._patron_information(request, now), logged_in
        return None, logged_in

    def _find(self, identifier: str) -> SimulatedPatron | None:
        """The patron with this card barcode or ID number (what SIP2's AA may carry; never the patron id)."""
        wanted = identifier.strip().upper()
        if not wanted:
            return None
        with self._lock:
            patron = next(
                (p for p in self._patrons.values() if wanted in ((p.barcode or "").upper(), p.id_number or "")), None
            )
            return replace(patron, attributes=dict(patron.attributes)) if patron else None

    def _patron_information(self, request: codec.Message, now: dt.datetime) -> codec.Message:
        identifier, password = request.get("AA") or "", request.get("AD")
        if password is not None:
            self.password_checks.append(identifier)
        patron = self._find(identifier)
        counts = "0000" * 6
        head = codec.UNKNOWN_LANGUAGE + codec.transaction_date(now) + counts
        if patron is None:
            answer = [("AO", self.institution_id), ("AA", identifier), ("AE", ""), ("BL", "N")]
            if password is not None:
                answer.append(("CQ", "N"))
            return codec.Message("64", _UNKNOWN_PATRON_STATUS + head, tuple(answer))
        expired = patron.card_expires is not None and patron.card_expires < now.date()
        # Koha answers with the card number; a provisional patron without one is answered as asked.
        answer = [("AO", self.institution_id), ("AA", patron.barcode or identifier), ("AE", patron.name), ("BL", "Y")]
        if password is not None:
            valid = bool(patron.password) and secrets.compare_digest(
                password.encode(), (patron.password or "").encode()
            )
            answer.append(("CQ", "Y" if valid else "N"))
        # Koha's BD joins the address lines, the city and the postal code.
        address = " ".join(part for part in (patron.address, patron.address2, patron.city, patron.postal_code) if part)
        answer += [
            (fid, value) for fid, value in (("BD", address), ("BE", patron.email), ("BF", patron.phone)) if value
        ]
        answer += [
            (fid, value)
            for fid, value in (
                ("PB", patron.birth_date.strftime("%Y%m%d") if patron.birth_date else None),
                ("PA", patron.card_expires.strftime("%Y%m%d") if patron.card_expires else None),
                ("XI", patron.id_number),
            )
            if value
        ]
        provisional = patron.category_id == PROVISIONAL_CATEGORY
        if expired:
            answer.append(("AF", "借閱證已逾期"))
        elif provisional:
            answer.append(("AF", "尚未臨櫃完成身分查驗，暫不能借閱"))
        return codec.Message("64", (_CHARGE_DENIED if expired or provisional else _NO_STATUS) + head, tuple(answer))

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        simulator = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                connection: socket.socket = self.request
                if simulator.faults.down or simulator._stopping.is_set():
                    _abort(connection)
                    return
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with simulator._lock:
                    simulator._open.add(connection)
                try:
                    self._converse(connection)
                except OSError:
                    pass
                finally:
                    with simulator._lock:
                        simulator._open.discard(connection)
                    _abort(connection)

            def _converse(self, connection: socket.socket) -> None:
                buffer, logged_in, last = b"", False, b""
                while True:
                    buffer = buffer.lstrip(b"\n")
                    end = buffer.find(codec.TERMINATOR)
                    if end < 0:
                        chunk = connection.recv(4096)
                        if not chunk or len(buffer) > codec.MAX_FRAME_BYTES:
                            return
                        buffer += chunk
                        continue
                    raw, buffer = buffer[: end + 1], buffer[end + 1 :]
                    if simulator.faults.down:
                        return
                    if raw.startswith(b"97"):
                        reply = last
                    else:
                        try:
                            request = codec.decode(raw, simulator.encoding)
                        except codec.Sip2ChecksumError:
                            connection.sendall(codec.encode(codec.Message("96", ""), 0, simulator.encoding))
                            continue
                        except codec.Sip2FormatError:
                            return
                        answer, logged_in = simulator.answer(request, logged_in)
                        if answer is None:
                            return
                        reply = codec.encode(answer, request.sequence, simulator.encoding)
                    last = reply
                    faults = simulator.faults
                    if faults.latency_ms and simulator._stopping.wait(faults.latency_ms / 1000):
                        return
                    if faults.corrupt_checksum and reply.endswith(b"\r") and len(reply) > 5:
                        digit = reply[-2:-1]
                        reply = reply[:-2] + (b"0" if digit != b"0" else b"1") + b"\r"
                    if faults.drop_mid_answer:
                        connection.sendall(reply[: len(reply) // 2])
                        connection.shutdown(socket.SHUT_WR)  # end of stream in the middle of the answer
                        return
                    connection.sendall(reply)

        return Handler


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


def _abort(connection: socket.socket) -> None:
    """Closes with a reset (no lingering FIN handshake): the client sees the connection fail at once."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()
