"""The library system (ILS) over SIP2 2.00 on TCP (optionally TLS): a ``onecard.ils.LibrarySystem``.

One connection per instance, kept across calls (keep one instance per container, so warm invocations reuse it),
logged in with the service's SIP account (93) once per connection, re-opened once when it turns out broken.
Every message carries a sequence number (AY) and checksum (AZ); every answer's checksum and sequence are checked.
Every attempt is bounded by ``timeout`` seconds; a timeout, a refusal or a broken answer is
``LibrarySystemUnavailable``, never "wrong password". Calls are serialised by a lock (one socket).

Fields beyond SIP2 2.00 (library systems add them to the 64 Patron Information answer), configurable:

- ``birth_date_field`` (default ``PB``, the extension Koha and Envisionware use; YYYYMMDD),
- ``expiry_field`` (default ``PA``, the card's expiry date; YYYYMMDD or an 18-character SIP2 date),
- ``id_number_field`` and ``mobile_field`` (default none: most library systems do not send them).

The patron's card status: expired when the expiry date has passed (in Taipei), blocked when the patron status
says "charge privileges denied" or "card reported lost", valid otherwise. The barcode is the AA of the answer
(Koha answers with the card number whatever identifier was asked for).

Standard library only, and nothing imported that a login without the library system would pay for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import threading
import time
import zoneinfo
from typing import TYPE_CHECKING

from onecard.ils import CardStatus, LibrarySystemUnavailable, Patron, PatronCheck
from onecard.infra import sip2_codec as codec

if TYPE_CHECKING:
    import ssl

logger = logging.getLogger(__name__)
TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")
# Positions in the 14-character patron status of 64 (SIP2 2.00): "Y" denies.
CHARGE_PRIVILEGES_DENIED = 0
CARD_REPORTED_LOST = 4


class _Broken(Exception):
    """The connection failed in a way a fresh connection may not (reset, closed, EOF): worth one more try."""


class Sip2LibrarySystem:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        institution_id: str,
        login_user: str,
        login_password: str,
        location_code: str | None = None,
        tls: bool = False,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = 3.0,
        encoding: str = "utf-8",
        terminal_password: str | None = None,
        birth_date_field: str | None = "PB",
        expiry_field: str | None = "PA",
        id_number_field: str | None = None,
        mobile_field: str | None = None,
    ):
        self.host, self.port, self.timeout = host, port, timeout
        self._institution_id = institution_id
        self._account = (login_user, login_password, location_code)
        self._tls, self._tls_context = tls, tls_context
        self._encoding = encoding
        self._terminal_password = terminal_password
        self._birth_date_field, self._expiry_field = birth_date_field, expiry_field
        self._id_number_field, self._mobile_field = id_number_field, mobile_field
        self._lock = threading.Lock()
        self._connection: _Connection | None = None

    def __repr__(self) -> str:  # never the account's password
        return f"Sip2LibrarySystem({self.host}:{self.port}, tls={self._tls})"

    # The LibrarySystem interface -------------------------------------------------------------------------------

    def find_patron(self, identifier: str) -> Patron | None:
        if not _sendable(identifier):
            return None
        answer = self._ask(
            lambda now: codec.patron_information(self._institution_id, identifier, None, now, self._terminal_password),
            "64",
        )
        return self._patron(answer)

    def check_password(self, identifier: str, password: str) -> PatronCheck:
        if not _sendable(identifier):
            return PatronCheck(None, False)
        if not password or not _sendable(password):  # SIP2 cannot carry it: it cannot be the patron's password
            return PatronCheck(self.find_patron(identifier), False)
        answer = self._ask(
            lambda now: codec.patron_information(
                self._institution_id, identifier, password, now, self._terminal_password
            ),
            "64",
        )
        patron = self._patron(answer)
        return PatronCheck(patron, patron is not None and answer.get("CQ") == "Y")

    def check_available(self) -> None:
        answer = self._ask(lambda now: codec.sc_status(), "98")
        if answer.fixed[:1] != "Y":
            raise LibrarySystemUnavailable("the library system says it is offline")

    def close(self) -> None:
        with self._lock:
            self._drop()

    # The exchange ----------------------------------------------------------------------------------------------

    def _ask(self, build, expected: str) -> codec.Message:
        with self._lock:
            for attempt in (1, 2):
                reused = self._connection is not None
                deadline = time.monotonic() + self.timeout
                try:
                    connection = self._connected(deadline)
                    return connection.exchange(build(dt.datetime.now(TAIPEI)), expected, deadline)
                except _Broken as broken:
                    self._drop()
                    if attempt == 1 and reused:  # a kept connection the library system closed meanwhile
                        logger.info("SIP2 connection to the library system broken (%s); opening a new one", broken)
                        continue
                    raise LibrarySystemUnavailable(f"library system connection failed: {broken}") from None
                except LibrarySystemUnavailable:
                    self._drop()  # after a timeout or a broken answer the stream is out of step: never reuse it
                    raise
            raise AssertionError("unreachable")

    def _connected(self, deadline: float) -> _Connection:
        if self._connection is None:
            connection = _Connection.open(self.host, self.port, deadline, self._tls, self._tls_context, self._encoding)
            user, password, location = self._account
            try:
                answer = connection.exchange(codec.login(user, password, location), "94", deadline)
            except BaseException:
                connection.close()  # not kept: nothing else would close it
                raise
            if answer.fixed != "1":
                connection.close()
                logger.error("the library system refused the service's SIP2 login (account %s)", user)
                raise LibrarySystemUnavailable("the library system refused the service's SIP2 login")
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _patron(self, answer: codec.Message) -> Patron | None:
        if answer.get("BL") != "Y":
            return None
        status = answer.fixed[:14]
        expires = codec.parse_date(self._field(answer, self._expiry_field))
        if expires is not None and expires < dt.datetime.now(TAIPEI).date():
            card = CardStatus.EXPIRED
        elif "Y" in (status[CHARGE_PRIVILEGES_DENIED], status[CARD_REPORTED_LOST]):
            card = CardStatus.BLOCKED
        else:
            card = CardStatus.VALID
        barcode = answer.get("AA") or ""
        if not barcode:
            raise LibrarySystemUnavailable("the library system answered a valid patron without an identifier")
        return Patron(
            barcode=barcode,
            name=answer.get("AE") or "",
            card_status=card,
            id_number=self._field(answer, self._id_number_field),
            birth_date=codec.parse_date(self._field(answer, self._birth_date_field)),
            email=_text(answer.get("BE")),
            phone=_text(answer.get("BF")),
            mobile=self._field(answer, self._mobile_field),
            address=_text(answer.get("BD")),
            card_expires=expires,
        )

    @staticmethod
    def _field(answer: codec.Message, field_id: str | None) -> str | None:
        return _text(answer.get(field_id)) if field_id else None


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _sendable(value: str) -> bool:
    return bool(value) and not any(c in value for c in "|\r\n\0")


class _Connection:
    """One socket to the library system, with a read buffer and the sequence number of the next message."""

    def __init__(self, sock: socket.socket, encoding: str):
        self._socket = sock
        self._encoding = encoding
        self._buffer = b""
        self._sequence = 0

    @classmethod
    def open(
        cls, host: str, port: int, deadline: float, tls: bool, tls_context: ssl.SSLContext | None, encoding: str
    ) -> _Connection:
        try:
            sock = socket.create_connection((host, port), timeout=max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            raise LibrarySystemUnavailable("the library system did not accept a connection in time") from None
        except OSError as error:
            raise LibrarySystemUnavailable(f"cannot connect to the library system: {error.strerror or error}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            import ssl

            context = tls_context or ssl.create_default_context()
            try:
                sock = context.wrap_socket(sock, server_hostname=host)
            except (OSError, ssl.SSLError) as error:
                sock.close()
                raise LibrarySystemUnavailable(f"TLS with the library system failed: {error}") from None
        return cls(sock, encoding)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()

    def exchange(self, message: codec.Message, expected: str, deadline: float) -> codec.Message:
        """Sends ``message`` and returns the answer of command ``expected`` (resending once when the library
        system asks for it with 96)."""
        sequence, self._sequence = self._sequence, (self._sequence + 1) % 10
        frame = codec.encode(message, sequence, self._encoding)
        logger.debug("SIP2 sent %s", codec.masked(frame, self._encoding))
        for _ in range(2):
            self._send(frame, deadline)
            raw = self._receive(deadline)
            try:
                answer = codec.decode(raw, self._encoding, require_checksum=True)
            except codec.Sip2FormatError as error:
                logger.warning("SIP2 answer refused: %s", error)
                raise LibrarySystemUnavailable(f"the library system's answer was broken: {error}") from None
            if answer.command == "96":  # it could not read ours: send it again, once
                continue
            if answer.command != expected or answer.sequence != sequence:
                logger.warning(
                    "SIP2 answer %s (sequence %s) to %s (sequence %s) refused",
                    answer.command,
                    answer.sequence,
                    message.command,
                    sequence,
                )
                raise LibrarySystemUnavailable("the library system answered out of step")
            return answer
        raise LibrarySystemUnavailable("the library system could not read our message twice")

    def _send(self, frame: bytes, deadline: float) -> None:
        try:
            self._socket.settimeout(max(0.001, deadline - time.monotonic()))
            self._socket.sendall(frame)
        except TimeoutError:
            raise LibrarySystemUnavailable("the library system did not take our message in time") from None
        except OSError as error:
            raise _Broken(f"sending: {type(error).__name__}") from None

    def _receive(self, deadline: float) -> bytes:
        while True:
            self._buffer = self._buffer.lstrip(b"\n")  # some systems end a frame with CR LF
            end = self._buffer.find(codec.TERMINATOR)
            if end >= 0:
                frame, self._buffer = self._buffer[: end + 1], self._buffer[end + 1 :]
                return frame
            if len(self._buffer) > codec.MAX_FRAME_BYTES:
                raise LibrarySystemUnavailable("the library system's answer is too long")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LibrarySystemUnavailable("the library system did not answer in time")
            try:
                self._socket.settimeout(remaining)
                chunk = self._socket.recv(4096)
            except TimeoutError:
                raise LibrarySystemUnavailable("the library system did not answer in time") from None
            except OSError as error:
                raise _Broken(f"receiving: {type(error).__name__}") from None
            if not chunk:
                raise _Broken(
                    "the library system closed the connection" + (" in the middle of an answer" if self._buffer else "")
                )
            self._buffer += chunk
