"""An application for a card: from a validated request to the stored reader. No AWS here: it gets its parts."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from onecard import captcha
from onecard.consent.documents import default_library
from onecard.consent.receipts import Channel, Decision, Receipt, next_receipts
from onecard.domain import address, contact, identity, people
from onecard.domain.email import normalise_email
from onecard.domain.issues import FieldIssue
from onecard.domain.moments import iso_millis
from onecard.domain.registration import normalise_register_number
from onecard.lifecycle.email_verification import new_outbox_token, verification_mail
from onecard.mail.messages import Application
from onecard.models.readers import RegistrationAccepted, RegistrationRequest, RequestedLink
from onecard.registration.records import CaptchaReplayed, HouseholdTaken, IdentityTaken, NewReader
from onecard.registration.side_by_side import SideBySide
from onecard.security.blind_index import blind_index
from onecard.security.identity_indexes import IdentityIndexes, Indexes
from onecard.security.passwords import hash_password
from onecard.web import problems
from onecard.web.language import EN, ZH_TW


def next_steps(verify_by: str, linking: bool = False, language: str | None = None) -> list[str]:
    """What the applicant does next, in the language the request asked for (None: Chinese, then English)."""
    zh = [
        "您的網路申請已送出，尚未完成辦證。",
        f"請於 {verify_by}（含）前攜帶身分證件正本（未滿 18 歲者另請法定代理人陪同）至本館任一分館櫃檯，完成身分確認並領取"
        "借閱證後即可借書；逾期申請失效，所填個人資料將予刪除。",
    ]
    if linking:
        zh.append(
            "您申請的一證通用服務，將於您臨櫃完成身分確認、領取借閱證後，才送交合作館辦理；在此之前合作館不會收到您的資料。"
        )
    en = [
        f"Your application has been received. Bring your identity document to any branch counter by {verify_by} to "
        "collect your card before your first loan; after that date the application expires and its data is deleted.",
    ]
    if linking:
        en.append(
            "The one-card links you asked for are sent to the partner libraries only after your identity is "
            "checked and your card is collected at a counter; until then no partner receives your data."
        )
    return {ZH_TW: zh, EN: en}.get(language or "", zh + en)


IDENTITY_PURPOSE = "identity"
HOUSEHOLD_PURPOSE = "household"


class Readers(Protocol):
    def reader_id_for_identity(self, identity_index: str | Indexes) -> str | None: ...
    def spend_captcha(self, marker: str, expires_at: int) -> None: ...
    def create(self, new: NewReader) -> None: ...


class ConsentLedger(Protocol):
    def append_actions(self, head: Any, receipts: list[Receipt]) -> list[dict[str, Any]]: ...


class Cipher(Protocol):
    def encrypt(self, plaintext: str, associated_data: str) -> dict[str, str]: ...


@dataclass
class RegistrationDependencies:
    readers: Readers
    cipher: Cipher
    indexes: Callable[[], IdentityIndexes]
    """The blind indexes under every live key version (onecard.security.identity_indexes)."""
    captcha_key: Callable[[], bytes | list[bytes]]
    """The captcha's HMAC key, or every live version of it (a rotation keeps the previous one valid a while)."""
    consent: ConsentLedger | None = None
    link_requests: Callable[..., list[dict[str, Any]]] | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    lifecycle: Any = None
    """Where verification links, the duplicate index and reviews are kept (LifecycleRepository)."""
    expiry_days: int = 30
    holds_card_elsewhere: Callable[[str], bool] = lambda id_number: False
    """Whether the library system already has a card holder with this ID number (an existing reader)."""
    attempt_allowed: Callable[[], Any] = lambda: None
    """Draws one attempt from the client address's budget (shared with 讀者證號是否辦過); a rate-limit verdict."""
    language: str | None = None
    """The language the request asked for (onecard.web.language), for the next steps; None: both."""
    library_card_actions: Callable[[dict[str, Any], str], list[dict[str, Any]]] | None = None
    """The chosen password sealed for the library system (and its provisional patron): onecard.library_cards.outbox."""


def identity_index(key: bytes, id_number: str) -> str:
    """The blind index of a person's identity. Login knows only the number, so the number alone identifies."""
    return blind_index(key, IDENTITY_PURPOSE, identity.normalise_id_number(id_number))


def new_reader_id() -> str:
    """Opaque and random: never derived from the ID number."""
    return "R" + secrets.token_hex(10).upper()


def is_registered(deps: RegistrationDependencies, id_number: str) -> bool:
    """Registered here, or a card holder of the library system (who logs into 個人書房 with its password)."""
    if deps.readers.reader_id_for_identity(deps.indexes().identity(id_number)) is not None:
        return True
    return deps.holds_card_elsewhere(id_number)


def _spend_captcha(request: RegistrationRequest, deps: RegistrationDependencies, now: dt.datetime) -> None:
    """The captcha first, spent by this use whatever its outcome: an answer of 409 tells whether an ID number holds
    a card, so each one costs a fresh proof of work. Nothing else starts before: a solution replayed costs no hash
    and no question to the library system."""
    try:
        solution = captcha.verify_solution(request.captcha, deps.captcha_key(), now=now)
    except captcha.CaptchaRejected as rejected:
        raise problems.InvalidFields([FieldIssue("captcha", rejected.code, rejected.message)]) from None
    try:
        deps.readers.spend_captcha(solution.replay_marker, solution.expires_at)
    except CaptchaReplayed:
        deps.attempt_allowed()  # a replay is an attempt too, counted in the address's budget
        raise problems.InvalidFields([FieldIssue("captcha", "captcha_used", "此驗證已使用過，請重新驗證")]) from None


def _admitted(deps: RegistrationDependencies, id_number: str) -> None:
    """The address's budget of attempts (shared with 讀者證號是否辦過, which tells the same), then the library
    system: a number it holds is an existing reader, who logs in rather than applies. It is asked only within the
    budget."""
    verdict = deps.attempt_allowed()
    if verdict is not None and not verdict.allowed:
        raise problems.TooManyRequests(
            "申請及查詢次數過多，請稍後再試 (Too many attempts; try again later)",
            retry_after_seconds=verdict.retry_after_seconds,
        )
    if deps.holds_card_elsewhere(id_number):
        raise _already_registered()


PASSWORD_HASH, ADMITTED, RESEMBLING = "password hash", "admitted", "resembling readers"


def apply(request: RegistrationRequest, deps: RegistrationDependencies) -> RegistrationAccepted:
    now = deps.clock()
    _spend_captcha(request, deps, now)
    id_number = identity.normalise_id_number(request.id_number)
    person = deps.indexes().person(people.normalise_name(request.name), request.birth_date) if deps.lifecycle else None
    # Independent steps side by side (registration.side_by_side): the hash while the others wait on the network.
    steps = SideBySide(
        {
            PASSWORD_HASH: lambda: hash_password(request.password),
            ADMITTED: lambda: _admitted(deps, id_number),
            RESEMBLING: lambda: deps.lifecycle.readers_with_person(person) if person is not None else [],
        }
    )
    steps[ADMITTED]  # refused (429, 409) before anything is built
    # No look-up first: the identity guard in the application's transaction refuses a registered number (409).
    index = deps.indexes().identity(id_number)  # one per live key version; guarded under each
    reader_id = new_reader_id()
    profile = _profile(request, reader_id, id_number, index.current, deps.cipher, now)
    profile["verify_by"] = (people.today_in_taipei(now) + dt.timedelta(days=deps.expiry_days)).isoformat()
    lifecycle_actions = _lifecycle(profile, request, deps, now, person, steps[RESEMBLING])
    # Everything the hash is not needed for is built while it runs; after it, only what holds it, and the write.
    minor = people.is_minor(request.birth_date, people.today_in_taipei(now))
    receipts = _agreements(request, reader_id, now, decided_by="guardian" if minor else "reader")
    agreement_actions = _agreement_actions(deps, receipts, reader_id, now)
    household_index = None
    if request.household is not None:
        register_number = normalise_register_number(request.household.register_number)
        household_index = deps.indexes().household(register_number)
        profile["household"] = {
            "register_number_encrypted": deps.cipher.encrypt(register_number, f"{reader_id}:register_number"),
            "head_name": people.normalise_name(request.household.head_name),
            "head_id_number_encrypted": deps.cipher.encrypt(
                identity.normalise_id_number(request.household.head_id_number), f"{reader_id}:head_id_number"
            ),
            "household_index": household_index.current,
        }
    if request.guardian is not None:
        profile["guardian"] = {
            "name": people.normalise_name(request.guardian.name),
            "relationship": request.guardian.relationship,
            "id_number_encrypted": deps.cipher.encrypt(
                identity.normalise_id_number(request.guardian.id_number), f"{reader_id}:guardian_id_number"
            ),
            "phone": contact.normalise_mobile(request.guardian.phone)
            or contact.normalise_landline(request.guardian.phone),
        }
    profile["password_hash"] = steps[PASSWORD_HASH]
    if deps.library_card_actions is not None:
        lifecycle_actions += deps.library_card_actions(profile, request.password)
    try:
        deps.readers.create(
            NewReader(
                profile=profile,
                identity_index=index,
                household_index=household_index,
                extra_actions=agreement_actions + lifecycle_actions,
            )
        )
    except IdentityTaken:
        raise _already_registered() from None
    except HouseholdTaken:
        raise problems.Conflict(
            "此戶號已辦理家庭證，每戶限辦一張 (This household already holds a family card)",
            extra={"code": "household_already_registered"},
        ) from None
    return RegistrationAccepted(
        reader_id=reader_id,
        card_type=request.card_type,
        status="pending_verification",
        verify_by=profile["verify_by"],
        id_number_masked=profile["id_number_masked"],
        created_at=profile["created_at"],
        next_steps=next_steps(profile["verify_by"], linking=bool(receipts), language=deps.language),
        links=[
            RequestedLink(
                partner=agreement.partner,
                status="waiting_for_verification" if deps.link_requests else "agreed",
                receipt_id=receipt.receipt_id,
            )
            # One receipt per agreement, in the request's order (_agreements).
            for agreement, receipt in zip(request.partners, receipts, strict=True)
        ],
    )


def _lifecycle(
    profile: dict[str, Any],
    request: RegistrationRequest,
    deps: RegistrationDependencies,
    now: dt.datetime,
    person: Any,
    resembles: list[str],
) -> list[dict[str, Any]]:
    """The verification link of the e-mail address, and the duplicate index with a review flag when the same
    name and birth date already belong to other readers (``resembles``; the applicant is not told: that would
    reveal them)."""
    if deps.lifecycle is None:
        return []
    reader_id = profile["reader_id"]
    profile["person_index"] = person.current
    review = {"status": "open", "resembles": resembles, "flagged_at": iso_millis(now)} if resembles else None
    profile["review"] = review
    actions = deps.lifecycle.person_actions(person, reader_id, review)
    if profile.get("email"):
        # The mail leaves through the outbox once the application commits: never for an application that failed,
        # never lost after one that succeeded, and no mail service on the applicant's wait.
        issued, nonce = new_outbox_token(now, deps.indexes())
        profile["email_verified"] = False
        profile["email_token_sha256"] = issued.sha256
        actions += deps.lifecycle.token_actions(reader_id, issued.sha256, issued.valid_until)
        actions += deps.lifecycle.mail_outbox_actions(
            verification_mail(reader_id, profile["email"], nonce, _confirmation(profile, request, now)),
            nonce,
            issued.valid_until,
        )
    return actions


def _agreement_actions(
    deps: RegistrationDependencies, receipts: list[Receipt], reader_id: str, now: dt.datetime
) -> list[dict[str, Any]]:
    """The receipts, and for each a link request to the partner, in the application's transaction."""
    if not receipts or deps.consent is None:
        return []
    actions = deps.consent.append_actions(None, receipts)
    if deps.link_requests:
        for receipt in receipts:
            actions += deps.link_requests(
                reader_id,
                receipt.partner,
                receipt.document_version,
                receipt.receipt_id,
                iso_millis(now),
                int(now.timestamp()),
            )
    return actions


def _agreements(request: RegistrationRequest, reader_id: str, now: dt.datetime, decided_by: str) -> list[Receipt]:
    """One `agree` receipt per partner, naming the exact document version the applicant read."""
    library = default_library()
    decisions = []
    for agreement in request.partners:
        document = library.by_sha256(agreement.partner, agreement.document_sha256)
        # registration_rules refused, with a field error, a hash that is no version of the partner's document.
        assert document is not None
        decisions.append(
            {
                "partner": agreement.partner,
                "document_version": document.version,
                "document_sha256": document.sha256,
                "decision": Decision.AGREE,
                "channel": Channel.REGISTRATION,
                "decided_by": decided_by,
            }
        )
    return next_receipts(None, decisions, reader_id=reader_id, recorded_at=iso_millis(now))


def _already_registered() -> problems.Conflict:
    return problems.Conflict(
        "此證號已辦過借閱證，請直接登入個人書房；忘記密碼可在登入頁按「忘記密碼？」重設 "
        "(This ID number already has a library card: log in to your library account; if you forgot the password, "
        "use “Forgot your password?” on the login page)",
        extra={"code": "already_registered"},
    )


def _confirmation(profile: dict[str, Any], request: RegistrationRequest, now: dt.datetime) -> Application:
    """What the application's confirmation mail says."""
    return Application(
        reader_id=profile["reader_id"],
        card_type=profile["card_type"],
        verify_by=profile["verify_by"],
        minor=people.is_minor(request.birth_date, people.today_in_taipei(now)),
        partners=tuple(agreement.partner for agreement in request.partners),
    )


def _address(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    built = address.build_address(value.city, value.district, value.street)
    return {"postal_code": built.postal_code, "city": built.city, "district": built.district, "street": built.street}


def _profile(
    request: RegistrationRequest, reader_id: str, id_number: str, index: str, cipher: Cipher, now: dt.datetime
) -> dict[str, Any]:
    mailing = _address(request.mailing_address)
    household = mailing if request.household_same_as_mailing else _address(request.household_address)
    return {
        "reader_id": reader_id,
        "card_type": request.card_type.value,
        "status": "pending_verification",
        "created_at": iso_millis(now),
        "nationality_type": request.nationality_type.value,
        "id_type": request.id_type.value,
        "id_number_encrypted": cipher.encrypt(id_number, associated_data=f"{reader_id}:id_number"),
        "id_number_masked": identity.mask_id_number(id_number),
        "identity_index": index,
        "passport_country": request.passport_country.strip().upper() if request.passport_country else None,
        "name": people.normalise_name(request.name),
        "gender": request.gender.value,
        "birth_date": request.birth_date.isoformat(),
        "occupation": request.occupation.value,
        "education": request.education.value,
        "mailing_address": mailing,
        "household_address": household,
        "household_same_as_mailing": request.household_same_as_mailing,
        "phone_home": contact.normalise_landline(request.phone_home) if request.phone_home else None,
        "phone_office": contact.normalise_landline(request.phone_office) if request.phone_office else None,
        "household_phone": contact.normalise_landline(request.household_phone) if request.household_phone else None,
        "mobile": contact.normalise_mobile(request.mobile) if request.mobile else None,
        "email": normalise_email(request.email) if request.email else None,
    }
