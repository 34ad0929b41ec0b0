"""The library system's write-capable door over Koha's REST API (``/api/v1``): a ``onecard.ils.records.PatronRecords``.

Koha's calls, as its API defines them:

- a service token by OAuth2 client credentials (``POST /api/v1/oauth/token``), kept by this instance (one per warm
  container) and renewed a minute before it expires; a call answered 401 renews it once and is sent again;
- ``GET /patrons?cardnumber=…&_match=exact`` (Koha's default match is "contains": 123 would also find 91234) or
  ``?q={"extended_attributes.code": …, "extended_attributes.attribute": …}`` with ``x-koha-embed:
  extended_attributes``; ``GET /patrons/{patron_id}``;
- ``POST /patrons`` with ``x-koha-override: welcome_no`` (this service sends its own mail) and, only after a
  reviewer's decision, ``x-confirm-not-duplicate: 1``;
- ``PUT /patrons/{patron_id}``: the patron read first, the body carrying ``surname``, ``library_id`` and
  ``category_id`` with the changes, and none of Koha's read-only properties;
- ``POST /patrons/{patron_id}/password`` ``{password, password_2}``; ``DELETE /patrons/{patron_id}``.

A patron body holds only properties of Koha's patron definition. The ID number and this service's reader id are
extended attributes (their type codes are the operators'); an update that changes one sends every attribute the
patron has, since Koha replaces the list. Refusals become the port's exceptions; a library system that is down,
slow (every call bounded by ``timeout`` seconds), answers 5xx or something unreadable, or refuses our service
account (a token refused, 401 after a renewal, 403) is LibrarySystemUnavailable. Nothing personal is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from onecard.ils import LibrarySystemUnavailable
from onecard.ils.records import (
    DeletionRefused,
    PasswordRefused,
    PatronCategory,
    PatronConflict,
    PatronNotFound,
    PatronRecord,
    PatronRefused,
    StoredPatron,
)

logger = logging.getLogger(__name__)
RENEW_BEFORE_SECONDS = 60
_EMBED = {"x-koha-embed": "extended_attributes"}
# PatronRecord field → Koha patron property (the same name where not listed).
_PROPERTY = {"date_of_birth": "date_of_birth", "expiry_date": "expiry_date"}
_PLAIN = (
    "cardnumber", "surname", "firstname", "gender", "email", "phone", "mobile", "address", "city", "postal_code",
    "country", "lang", "staff_notes",
)  # fmt: skip
_DATES = ("date_of_birth", "expiry_date")
# What Koha answers but refuses in a request body.
READ_ONLY = frozenset({"patron_id", "restricted", "anonymized", "expired"})


class HttpAnswer(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


class HttpPool(Protocol):
    """What the adapter needs of urllib3's PoolManager."""

    def request(self, method: str, url: str, **kwargs: Any) -> HttpAnswer: ...


class KohaPatronRecords:
    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str,
        library_id: str,
        provisional_category: str,
        full_category: str,
        id_number_attribute: str,
        reader_id_attribute: str,
        timeout: float = 3.0,
        http: HttpPool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._api = base_url.rstrip("/") + "/api/v1"
        self._credentials = (client_id, client_secret)
        self._library_id = library_id
        self._categories = {PatronCategory.PROVISIONAL: provisional_category, PatronCategory.FULL: full_category}
        self._id_attribute, self._reader_attribute = id_number_attribute, reader_id_attribute
        self._timeout = timeout
        self._clock = clock
        self._token: tuple[str, float] | None = None  # (token, renew at)
        self._lock = threading.Lock()
        if http is None:
            import urllib3

            http = urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=min(2.0, timeout), read=timeout), retries=False, maxsize=4
            )
        self._http = http

    def __repr__(self) -> str:  # never the client secret
        return f"KohaPatronRecords({self._api})"

    # The PatronRecords interface -------------------------------------------------------------------------------

    def find_patron(
        self, *, cardnumber: str | None = None, external_id: str | None = None, id_number: str | None = None
    ) -> StoredPatron | None:
        given = [(k, v) for k, v in (("cardnumber", cardnumber), ("external_id", external_id), ("id", id_number)) if v]
        if len(given) != 1:
            raise ValueError("find_patron takes exactly one of cardnumber, external_id, id_number")
        kind, value = given[0]
        if kind == "cardnumber":
            query = {"cardnumber": value, "_match": "exact"}
        else:
            code = self._reader_attribute if kind == "external_id" else self._id_attribute
            query = {"q": json.dumps({"extended_attributes.code": code, "extended_attributes.attribute": value})}
        answer = self._call("GET", "/patrons?" + urllib.parse.urlencode(query), headers=_EMBED)
        found = self._body(answer, 200)
        if not isinstance(found, list):
            raise LibrarySystemUnavailable("the library system's patron search answered something else than a list")
        patrons = [self._stored(item) for item in found if isinstance(item, dict)]
        if kind == "cardnumber":  # Koha compares case-insensitively; a card barcode is what it is
            patrons = [p for p in patrons if (p.record.cardnumber or "").upper() == value.upper()]
        if len(patrons) > 1:
            raise LibrarySystemUnavailable(f"the library system holds {len(patrons)} patrons for one {kind}")
        return patrons[0] if patrons else None

    def get_patron(self, patron_id: str) -> StoredPatron | None:
        answer = self._call("GET", f"/patrons/{_segment(patron_id)}", headers=_EMBED)
        if answer.status == 404:
            return None
        return self._stored(self._body(answer, 200))

    def create_patron(self, record: PatronRecord, *, confirmed_not_duplicate: bool = False) -> StoredPatron:
        body = self.patron_body(record)
        headers = {"x-koha-override": "welcome_no"}
        if confirmed_not_duplicate:
            headers["x-confirm-not-duplicate"] = "1"
        answer = self._call("POST", "/patrons", body=body, headers=headers)
        if answer.status != 201:
            self._refused(answer)
        created = self._body(answer, 201)
        # Koha answers a create without the extended attributes unless they are embedded: they are what we sent.
        return self._stored({"extended_attributes": body.get("extended_attributes", []), **created})

    def update_patron(
        self, patron_id: str, changes: PatronRecord, *, clear: frozenset[str] = frozenset()
    ) -> StoredPatron:
        answer = self._call("GET", f"/patrons/{_segment(patron_id)}", headers=_EMBED)
        if answer.status == 404:
            raise PatronNotFound(patron_id)
        current = self._body(answer, 200)
        body = self.update_body(current, changes, clear)
        answer = self._call("PUT", f"/patrons/{_segment(patron_id)}", body=body)
        if answer.status == 404:
            raise PatronNotFound(patron_id)
        if answer.status == 204:  # Koha: nothing to change
            return self._stored(current)
        if answer.status != 200:
            self._refused(answer)
        updated = self._body(answer, 200)
        return self._stored(
            {"extended_attributes": body.get("extended_attributes", current.get("extended_attributes", [])), **updated}
        )

    def set_password(self, patron_id: str, password: str) -> None:
        answer = self._call(
            "POST", f"/patrons/{_segment(patron_id)}/password", body={"password": password, "password_2": password}
        )
        if answer.status == 404:
            raise PatronNotFound(patron_id)
        if answer.status == 400:
            raise PasswordRefused(_error_text(answer) or "the library system refused the password")
        if answer.status not in (200, 204):
            self._unexpected(answer)

    def delete_patron(self, patron_id: str) -> None:
        answer = self._call("DELETE", f"/patrons/{_segment(patron_id)}")
        if answer.status in (200, 204, 404):
            return
        if answer.status == 409:
            error = _json_object(answer)
            raise DeletionRefused(str(error.get("error_code") or "refused"), str(error.get("error") or ""))
        if answer.status == 400:
            raise PatronRefused(_error_text(answer) or "the library system refused the deletion")
        self._unexpected(answer)

    # Bodies ----------------------------------------------------------------------------------------------------

    def patron_body(self, record: PatronRecord) -> dict[str, Any]:
        """A new patron as Koha's patron definition has it (the fields not given left out)."""
        body: dict[str, Any] = {
            "surname": record.surname,
            "library_id": self._library_id,
            "category_id": self._categories[record.category or PatronCategory.PROVISIONAL],
        }
        for name in _PLAIN:
            value = getattr(record, name)
            if value is not None and name != "surname":
                body[name] = value
        for name in _DATES:
            value = getattr(record, name)
            if value is not None:
                body[_PROPERTY[name]] = value.isoformat()
        attributes = self._attributes({}, record, frozenset())
        if attributes:
            body["extended_attributes"] = attributes
        return body

    def update_body(self, current: Mapping[str, Any], changes: PatronRecord, clear: frozenset[str]) -> dict[str, Any]:
        """The PUT body: Koha's three required properties, the changes, ``null`` for what is cleared."""
        held = self._stored(current).record
        category = current.get("category_id")
        if (changes.category and held.category is not changes.category) or not isinstance(category, str):
            category = self._categories[changes.category or held.category or PatronCategory.PROVISIONAL]
        body: dict[str, Any] = {
            "surname": changes.surname,
            "library_id": current.get("library_id") or self._library_id,
            "category_id": category,
        }
        for name in (*_PLAIN, *_DATES):
            if name == "surname":
                continue
            value = getattr(changes, name)
            if name in clear:
                body[_PROPERTY.get(name, name)] = None
            elif value is not None:
                body[_PROPERTY.get(name, name)] = value.isoformat() if isinstance(value, dt.date) else value
        if {"id_number", "external_id"} & (clear | {n for n in ("id_number", "external_id") if getattr(changes, n)}):
            kept = {
                str(a.get("type")): str(a.get("value"))
                for a in current.get("extended_attributes") or []
                if isinstance(a, dict)
            }
            body["extended_attributes"] = self._attributes(kept, changes, clear)
        return body

    def _attributes(self, kept: dict[str, str], record: PatronRecord, clear: frozenset[str]) -> list[dict[str, str]]:
        values = dict(kept)
        for name, code in (("id_number", self._id_attribute), ("external_id", self._reader_attribute)):
            if name in clear:
                values.pop(code, None)
            elif getattr(record, name):
                values[code] = getattr(record, name)
        return [{"type": code, "value": value} for code, value in values.items()]

    def _stored(self, item: Any) -> StoredPatron:
        if not isinstance(item, dict) or "patron_id" not in item:
            raise LibrarySystemUnavailable("the library system answered a patron without its id")
        attributes = {
            str(a.get("type")): str(a.get("value"))
            for a in item.get("extended_attributes") or []
            if isinstance(a, dict)
        }
        category = (
            PatronCategory.PROVISIONAL
            if item.get("category_id") == self._categories[PatronCategory.PROVISIONAL]
            else PatronCategory.FULL
        )
        record = PatronRecord(
            surname=str(item.get("surname") or ""),
            category=category,
            id_number=attributes.get(self._id_attribute),
            external_id=attributes.get(self._reader_attribute),
            date_of_birth=_date(item.get("date_of_birth")),
            expiry_date=_date(item.get("expiry_date")),
            **{name: _text(item.get(name)) for name in _PLAIN if name != "surname"},
        )
        return StoredPatron(str(item["patron_id"]), record, _date_time(item.get("updated_on")), details=dict(item))

    # The exchange ----------------------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> HttpAnswer:
        for attempt in (1, 2):
            token = self._current_token(renew=attempt == 2)
            answer = self._send(
                method,
                self._api + path,
                body=None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                    **({"Content-Type": "application/json"} if body is not None else {}),
                    **(headers or {}),
                },
            )
            if answer.status != 401:
                if answer.status == 403:
                    logger.error("the library system refused the service's REST client a permission (%s)", path)
                    raise LibrarySystemUnavailable("the library system refused the service's REST client")
                if answer.status >= 500:
                    raise LibrarySystemUnavailable(f"the library system answered HTTP {answer.status}")
                return answer
            logger.info("the library system refused the service's token (401); renewing it once")
        logger.error("the library system refused a newly issued token of the service's REST client")
        raise LibrarySystemUnavailable("the library system refused the service's REST client")

    def _current_token(self, *, renew: bool) -> str:
        with self._lock:
            if renew or self._token is None or self._clock() >= self._token[1]:
                self._token = self._new_token()
            return self._token[0]

    def _new_token(self) -> tuple[str, float]:
        client_id, secret = self._credentials
        form = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        ).encode()
        answer = self._send(
            "POST",
            self._api + "/oauth/token",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        if answer.status != 200:
            logger.error("the library system refused the service's REST client a token (HTTP %s)", answer.status)
            raise LibrarySystemUnavailable("the library system refused the service's REST client a token")
        issued = _json_object(answer)
        token, lifetime = issued.get("access_token"), issued.get("expires_in", 3600)
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise LibrarySystemUnavailable("the library system's token answer was broken")
        return token, self._clock() + max(0.0, float(lifetime) - RENEW_BEFORE_SECONDS)

    def _send(self, method: str, url: str, *, body: bytes | None, headers: dict[str, str]) -> HttpAnswer:
        import urllib3

        try:
            return self._http.request(method, url, body=body, headers=headers)
        except urllib3.exceptions.HTTPError as error:
            raise LibrarySystemUnavailable(f"the library system did not answer ({type(error).__name__})") from None

    # Answers ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _body(answer: HttpAnswer, expected: int) -> Any:
        if answer.status != expected:
            KohaPatronRecords._unexpected(answer)
        try:
            return json.loads(answer.data or b"null")
        except ValueError:
            raise LibrarySystemUnavailable("the library system's answer was not JSON") from None

    def _refused(self, answer: HttpAnswer) -> None:
        """A create's or an update's refusal as the port's exception (raises always)."""
        error = _json_object(answer)
        text = _error_text(answer)
        if answer.status == 409:
            if error.get("conflict") or "duplicate id" in text.lower():
                raise PatronConflict("cardnumber", text)
            raise PatronConflict("duplicate", text)
        if answer.status == 400:
            if "unique constraint" in text and f"type={self._id_attribute} " in text + " ":
                raise PatronConflict("id_number", text)
            raise PatronRefused(text or "the library system refused the patron", _field_of(error, text))
        self._unexpected(answer)

    @staticmethod
    def _unexpected(answer: HttpAnswer) -> None:
        raise LibrarySystemUnavailable(f"the library system answered HTTP {answer.status} unexpectedly")


def _segment(patron_id: str) -> str:
    return urllib.parse.quote(str(patron_id), safe="")


def _json_object(answer: HttpAnswer) -> dict[str, Any]:
    try:
        value = json.loads(answer.data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _error_text(answer: HttpAnswer) -> str:
    error = _json_object(answer)
    if isinstance(error.get("error"), str):
        return str(error["error"])
    errors = error.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return f"{errors[0].get('path', '')}: {errors[0].get('message', '')}".strip(": ")
    return ""


# Koha's property → PatronRecord's field, where a refusal names one.
_FIELD_OF = {"date_of_birth": "date_of_birth", "category_id": "category", "library_id": "library"}


def _field_of(error: Mapping[str, Any], text: str) -> str | None:
    errors = error.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        path = str(errors[0].get("path", ""))
        name = path.removeprefix("/body/").split("/")[0] if path.startswith("/body/") else ""
        if name:
            return _FIELD_OF.get(name, name)
    for name, field in _FIELD_OF.items():
        if f"Given {name} " in text:
            return field
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _date_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
