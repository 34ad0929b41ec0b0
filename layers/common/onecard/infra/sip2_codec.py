"""The SIP2 (3M Standard Interchange Protocol 2.00) wire format, for the messages this service uses.

A message is a two-digit command, fixed-length fields, then variable fields ``<2-letter id><value>|``; with error
detection it ends in ``AY<sequence digit>AZ<4 hex digits>`` and a carriage return. The checksum is the two's
complement of the 16-bit sum of every byte from the command through ``AZ``.

Both directions, so the client (``onecard.infra.sip2_library``) and the simulated library system share it:
93 Login → 94, 63 Patron Information → 64, 99 SC Status → 98, and 96/97 (resend). Standard library only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DELIMITER = "|"
TERMINATOR = b"\r"
# Fixed-length part of each message, after the two-digit command (SIP2 2.00 specification).
FIXED_LENGTHS = {
    "93": 2,  # UID algorithm, PWD algorithm
    "94": 1,  # ok
    "63": 31,  # language (3), transaction date (18), summary (10)
    "64": 59,  # patron status (14), language (3), transaction date (18), six item counts (4 each)
    "99": 8,  # status code (1), max print width (3), protocol version (4)
    "98": 34,  # 6 flags, timeout period (3), retries allowed (3), date/time sync (18), protocol version (4)
    "96": 0,  # request SC resend
    "97": 0,  # request ACS resend
}
# Fields that carry a secret or the patron's identifier: never written to a log as they are.
MASKED_FIELDS = frozenset({"AD", "CO", "AC", "AA"})
MAX_FRAME_BYTES = 16384
EMPTY_SUMMARY = " " * 10
UNKNOWN_LANGUAGE = "000"
_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")
# The error-detection checksum at a frame's end: with the other fields known it gives away the byte sum of the
# masked ones (a password's), so a log line never keeps it.
_CHECKSUM_TRAILER = re.compile(r"AZ[0-9A-Fa-f]{0,4}$")


class Sip2FormatError(ValueError):
    """A frame that is not a well-formed SIP2 message of the kind expected. Its text never holds the frame."""


class Sip2ChecksumError(Sip2FormatError):
    pass


@dataclass(frozen=True)
class Message:
    command: str
    fixed: str
    fields: tuple[tuple[str, str], ...] = ()
    sequence: int | None = None

    def get(self, field_id: str) -> str | None:
        """The first value of a field, or None when the field is absent."""
        return next((value for fid, value in self.fields if fid == field_id), None)

    def get_all(self, field_id: str) -> list[str]:
        return [value for fid, value in self.fields if fid == field_id]

    def body(self) -> str:
        return self.command + self.fixed + "".join(f"{fid}{value}{DELIMITER}" for fid, value in self.fields)


def checksum(data: bytes) -> str:
    """Four upper-case hex digits: minus the 16-bit sum of ``data`` (every byte through ``AZ``)."""
    return f"{-sum(data) & 0xFFFF:04X}"


def _check_value(field_id: str, value: str) -> None:
    if len(field_id) != 2 or any(c in value for c in (DELIMITER, "\r", "\n", "\0")):
        raise Sip2FormatError(f"field {field_id[:2]!r} holds a character SIP2 cannot carry")


def encode(message: Message, sequence: int | None = None, encoding: str = "utf-8") -> bytes:
    """The frame of ``message``; with a ``sequence`` (0-9), the AY/AZ error-detection trailer too."""
    expected = FIXED_LENGTHS.get(message.command)
    if expected is not None and len(message.fixed) != expected:
        raise Sip2FormatError(f"message {message.command}: fixed part must be {expected} characters")
    for field_id, value in message.fields:
        _check_value(field_id, value)
    data = message.body().encode(encoding)
    if sequence is None:
        return data + TERMINATOR
    if message.command in ("96", "97"):  # the resend requests carry only a checksum
        data += b"AZ"
    else:
        if not 0 <= sequence <= 9:
            raise Sip2FormatError("the sequence number is one digit")
        data += f"AY{sequence}AZ".encode("ascii")
    return data + checksum(data).encode("ascii") + TERMINATOR


def decode(frame: bytes, encoding: str = "utf-8", require_checksum: bool = False) -> Message:
    """The message in one frame (its trailing CR, and a LF some systems add, optional). A wrong checksum, an
    unknown command, a short fixed part or a field without its terminator is a Sip2FormatError."""
    data = frame.rstrip(b"\n").removesuffix(TERMINATOR).lstrip(b"\n")
    if b"\r" in data or b"\0" in data:
        raise Sip2FormatError("the frame holds a carriage return or NUL inside")
    sequence = None
    if len(data) >= 6 and data[-6:-4] == b"AZ":
        checksum = data[-4:]
        if any(c not in _HEX_DIGITS for c in checksum):
            raise Sip2FormatError("the checksum is not four hex digits")
        if (sum(data[:-4]) + int(checksum, 16)) & 0xFFFF:
            raise Sip2ChecksumError("the checksum does not match the message")
        data = data[:-6]
        if len(data) >= 3 and data[-3:-1] == b"AY" and data[-1:].isdigit():
            sequence, data = int(data[-1:]), data[:-3]
    elif require_checksum:
        raise Sip2ChecksumError("the message carries no checksum")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise Sip2FormatError(f"the message is not {encoding}") from None
    command = text[:2]
    if command not in FIXED_LENGTHS:
        raise Sip2FormatError(f"unknown or unexpected command {command!r}")
    length = FIXED_LENGTHS[command]
    fixed, rest = text[2 : 2 + length], text[2 + length :]
    if len(fixed) != length:
        raise Sip2FormatError(f"message {command} is truncated in its fixed part")
    fields: list[tuple[str, str]] = []
    while rest:
        end = rest.find(DELIMITER)
        if end < 2:
            raise Sip2FormatError(f"message {command} has a field without its identifier or terminator")
        fields.append((rest[:2], rest[2:end]))
        rest = rest[end + 1 :]
    return Message(command, fixed, tuple(fields), sequence)


def masked(message: bytes | str, encoding: str = "utf-8") -> str:
    """The message for a log line: the values of the password fields (AD patron password, CO login password, AC
    terminal password) and of AA (the patron identifier, which may be an ID number) replaced by ``***``, and the
    AZ checksum, from which the masked values' byte sum follows, by ``****``. Works on truncated or broken frames
    too."""
    text = message.decode(encoding, errors="replace") if isinstance(message, bytes) else message
    text = _CHECKSUM_TRAILER.sub("AZ****", text.rstrip("\r\n"))
    start = 2 + FIXED_LENGTHS.get(text[:2], 0)
    head, fields = text[:start], text[start:].split(DELIMITER)
    return head + DELIMITER.join(f"{part[:2]}***" if part[:2] in MASKED_FIELDS else part for part in fields)


def transaction_date(at: dt.datetime) -> str:
    """SIP2's 18-character date: YYYYMMDD, four characters of zone (blank: the library's local time), HHMMSS."""
    return at.strftime("%Y%m%d") + "    " + at.strftime("%H%M%S")


def parse_date(value: str | None) -> dt.date | None:
    """A date as library systems send it in SIP2: YYYYMMDD, an 18-character SIP2 date, or YYYY-MM-DD. None when
    absent or unreadable."""
    value = (value or "").strip()
    for text, layout in ((value[:8], "%Y%m%d"), (value[:10], "%Y-%m-%d")):
        try:
            return dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


# The messages this service sends and the simulated library system answers ------------------------------------


def login(user: str, password: str, location: str | None = None) -> Message:
    fields = [("CN", user), ("CO", password)] + ([("CP", location)] if location else [])
    return Message("93", "00", tuple(fields))  # algorithms 0: user id and password not encrypted


def login_response(ok: bool) -> Message:
    return Message("94", "1" if ok else "0")


def patron_information(
    institution: str, identifier: str, password: str | None, at: dt.datetime, terminal_password: str | None = None
) -> Message:
    fields = [("AO", institution), ("AA", identifier)]
    if terminal_password is not None:
        fields.append(("AC", terminal_password))
    if password is not None:
        fields.append(("AD", password))
    return Message("63", UNKNOWN_LANGUAGE + transaction_date(at) + EMPTY_SUMMARY, tuple(fields))


def sc_status(max_print_width: int = 0) -> Message:
    return Message("99", f"0{max_print_width:03d}2.00")  # status 0: the SC is OK


def acs_status(institution: str, at: dt.datetime, online: bool = True, library_name: str | None = None) -> Message:
    # online, checkin, checkout, renewal policy, status update, offline; timeout 030 (3 s); retries 003
    flags = ("Y" if online else "N") + "NNNNN"
    supported = "NNNNYYYYNNNNNNNN"  # BX positions 4-7: SC/ACS status, resend, login, patron information
    fields = [("AO", institution)] + ([("AM", library_name)] if library_name else []) + [("BX", supported)]
    return Message("98", flags + "030003" + transaction_date(at) + "2.00", tuple(fields))
