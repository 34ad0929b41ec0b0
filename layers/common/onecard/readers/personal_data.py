"""What 個人書房 does with the reader's own data. The parts it needs are handed in; no AWS import here."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from onecard.domain import address, contact
from onecard.domain.email import normalise_email
from onecard.domain.issues import FieldIssue
from onecard.domain.moments import iso_millis
from onecard.domain.password import password_issues
from onecard.domain.registration import registration_issues
from onecard.ils import LibrarySystemUnavailable
from onecard.library_cards import SealedPasswordMoved
from onecard.mail import notices
from onecard.readers import library_record
from onecard.readers.library_patrons import (
    CHANGE_AT_THE_LIBRARY,
    PASSWORD_MOVED,
    holds_password,
    library_unavailable,
)
from onecard.security.passwords import hash_password
from onecard.sessions.password_check import LOCKED, check_password, check_with_library
from onecard.web import problems

COUNTER_ONLY = ("id_number", "name", "birth_date", "id_type", "nationality_type")
ERASURE_DEADLINE_DAYS = 30  # PDPA Art. 13


@dataclass
class PersonalDataDependencies:
    readers: Any
    consent: Any
    sessions: Any
    decrypt_id_number: Callable[[dict[str, Any]], str]
    decrypt_field: Callable[[dict[str, str], str], str]
    delete_everything: Callable[[str, dict[str, Any], str, str], None]
    lockout: Any
    """The login's lockout: a password guessed inside a stolen session counts towards it too."""
    library: Callable[[], Any] = lambda: None
    """The library system, which holds existing card holders' passwords (None where there is none)."""
    records: Callable[[], Any] = lambda: None
    """The library system's write-capable door (PatronRecords; None where the stack has none)."""
    record_erasure: Callable[[str, str, str], None] = lambda reader_id, decision, at: None
    """Appends an erasure request's receipt (``erasure_requested`` / ``erasure_refused``) to the reader's chain."""
    card_barcode_account: Callable[[str], str | None] = lambda barcode: None
    """The lockout's account of a card barcode, where a card holder's lock is kept too (Lockout.fail's mirror)."""
    partner_updates: Callable[[str, int], list[dict[str, Any]]] = lambda reader_id, now: []
    email_changed: Callable[[str, str], None] = lambda reader_id, address: None
    """Sends a verification link to a new address (after the correction is stored)."""
    verification_mail_budget: Callable[[str], Any] = lambda reader_id: None
    """Draws one mail from the reader's budget of verification mails (a rate-limit verdict)."""
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    password_for_library: Callable[[dict[str, Any], str, str, dt.datetime], list[dict[str, Any]]] = (
        lambda profile, password, password_hash, now: []
    )
    """A password changed here, sealed for the library system in place of the one it is still to get
    (onecard.readers.library_password), as actions of the change's transaction."""
    table: str = ""
    """The readers table, where a notice's outbox item is put in the change's own transaction."""


def _notice_actions(profile: dict[str, Any] | None, kind: str, now: dt.datetime, table: str) -> list[dict[str, Any]]:
    item = notices.notice_for(profile, kind, int(now.timestamp()))
    return [notices.put_action(table, item)] if item and table else []


def _with_notice_preferences(
    reader_id: str, profile: dict[str, Any], changes: dict[str, Any], deps: PersonalDataDependencies
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Stores the reader's choice of notices (links, consent revisions; security notices cannot be turned off)
    and returns the other changes and the profile as it is now."""
    if "notices" not in changes:
        return changes, profile
    changes = dict(changes)
    asked = changes.pop("notices") or {}
    current = dict(profile.get("notices") or {})
    wanted = {
        **dict.fromkeys(notices.PREFERENCES, True),
        **current,
        **{k: bool(v) for k, v in asked.items() if k in notices.PREFERENCES and v is not None},
    }
    if wanted != {**dict.fromkeys(notices.PREFERENCES, True), **current}:
        deps.readers.update_profile(
            reader_id, {"notices": wanted}, [audit_item(reader_id, "notices", "changed", iso_millis(deps.clock()))]
        )
        profile = {**profile, "notices": wanted}
    return changes, profile


def audit_item(
    reader_id: str, field: str, action: str, at: str, by: str = "reader", channel: str = "personal_study"
) -> dict[str, Any]:
    return {
        "pk": f"READER#{reader_id}",
        "sk": f"AUDIT#{at}#{secrets.token_hex(4)}",
        "field": field,
        "action": action,
        "at": at,
        "by": by,
        "channel": channel,
    }


def counter_only_issues(changes: dict[str, Any]) -> list[FieldIssue]:
    return [
        FieldIssue(
            name, "change_at_counter", "證號、姓名、生日及身分別無法線上修改，請攜帶身分證件正本至各分館櫃檯辦理"
        )
        for name in COUNTER_ONLY
        if name in changes
    ]


# Required on the form: a correction may change them but never clear them.
REQUIRED_ON_THE_FORM = ("gender", "occupation", "education", "household_same_as_mailing")


def cleared_required_issues(changes: dict[str, Any]) -> list[FieldIssue]:
    return [
        FieldIssue(name, "required", "此欄位為必填，可更正但不可清除 (required: it can be corrected, not cleared)")
        for name in REQUIRED_ON_THE_FORM
        if name in changes and changes[name] is None
    ]


def _with_household_choice(profile: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A new household address means it is no longer the mailing address, unless the reader says otherwise."""
    if "household_address" in changes and "household_same_as_mailing" not in changes:
        return {**changes, "household_same_as_mailing": False}
    if (
        profile.get("household_same_as_mailing")
        and "mailing_address" in changes
        and "household_same_as_mailing" not in changes
    ):
        return {**changes, "household_same_as_mailing": True}
    return changes


def correction_issues(profile: dict[str, Any], changes: dict[str, Any], today: dt.date) -> list[FieldIssue]:
    """The registration's rules on the profile as it would be after the changes."""
    changes = _with_household_choice(profile, changes)
    merged = {**{k: v for k, v in profile.items() if k not in ("id_number_encrypted", "password_hash")}, **changes}
    merged.pop("id_number", None)
    if merged.get("household_same_as_mailing"):
        merged["household_address"] = None
    issues = [
        i
        for i in registration_issues(merged, today)
        if i.field.split(".")[0] in changes
        or i.code in ("phone_required", "household_address_required", "mailing_address_required")
    ]
    return counter_only_issues(changes) + cleared_required_issues(changes) + issues


def _address(value: dict[str, str]) -> dict[str, str]:
    built = address.build_address(value["city"], value["district"], value["street"])
    return {"postal_code": built.postal_code, "city": built.city, "district": built.district, "street": built.street}


def normalised_changes(changes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("mailing_address", "household_address"):
            out[name] = _address(value) if value else None
        elif name in ("phone_home", "phone_office", "household_phone"):
            out[name] = contact.normalise_landline(value) if value else None
        elif name == "mobile":
            out[name] = contact.normalise_mobile(value) if value else None
        elif name == "email":
            out[name] = normalise_email(value) if value else None
        else:
            out[name] = value
    if changes.get("household_same_as_mailing") and "mailing_address" in out:
        out["household_address"] = out["mailing_address"]
    return out


def card_holder_issues(profile: dict[str, Any], changes: dict[str, Any], today: dt.date) -> list[FieldIssue]:
    """A card holder corrects their contact data only (the rest of their record is the library's); each changed
    field by its own rule."""
    refused = [
        FieldIssue(name, "kept_by_library_system", "此項資料由本館圖書館系統管理，無法線上更正，請洽各分館櫃檯")
        for name in changes
        if name not in library_record.CONTACT_FIELDS
    ]
    allowed = {k: v for k, v in changes.items() if k in library_record.CONTACT_FIELDS}
    merged = {**{k: v for k, v in profile.items() if k not in ("id_number_encrypted", "password_hash")}, **allowed}
    merged.pop("id_number", None)
    own = [i for i in registration_issues(merged, today) if i.field.split(".")[0] in allowed]
    return counter_only_issues(changes) + [i for i in refused if i.field not in COUNTER_ONLY] + own


def correct(reader_id: str, changes: dict[str, Any], deps: PersonalDataDependencies) -> dict[str, Any]:
    profile = deps.readers.get_profile(reader_id)
    changes, profile = _with_notice_preferences(reader_id, profile, changes, deps)
    now = deps.clock()
    card_holder = holds_password(profile)
    records = deps.records() if card_holder else None
    if card_holder:
        issues = card_holder_issues(profile, changes, now.date())
    else:
        issues = correction_issues(profile, changes, now.date())
    if issues:
        raise problems.InvalidFields(issues)
    updates = normalised_changes(changes if card_holder else _with_household_choice(profile, changes))
    if updates.get("household_same_as_mailing") is True and "mailing_address" not in updates:
        updates["household_address"] = profile.get("mailing_address")
    updates = {name: value for name, value in updates.items() if profile.get(name) != value}
    if not updates:
        return profile
    if updates.get("email"):
        _draw_verification_mail(reader_id, deps)
    at = iso_millis(now)
    audit = [audit_item(reader_id, name, "corrected", at) for name in updates]
    if "email" in updates:
        # A new address is unverified until its own link is used; the old address's link stops working.
        updates["email_verified"] = False if updates["email"] else None
        updates["email_token_sha256"] = None
    if records is not None:
        # The library system first: it is the card holder's one record; this is its mirror, in the same request.
        patron_id = library_record.or_503(lambda: library_record.patron_id_of(profile, records))
        stored = library_record.write_contact(records, patron_id, updates)
        updates.update(library_record.mirrored(stored))
    # The security notice goes to the address verified before the change (a new address is not verified yet).
    deps.readers.update_profile(
        reader_id,
        updates,
        audit,
        deps.partner_updates(reader_id, int(now.timestamp()))
        + _notice_actions(profile, "data_corrected", now, deps.table),
    )
    if updates.get("email"):
        deps.email_changed(reader_id, updates["email"])
    return deps.readers.get_profile(reader_id)


def _password_right(profile: dict[str, Any], password: str, deps: PersonalDataDependencies) -> bool:
    """The same check as at login, counted by the same lockout (429 while the account is locked)."""
    at = int(deps.clock().timestamp())
    if holds_password(profile):
        library = deps.library()
        if library is None:
            raise library_unavailable()
        barcode = profile["card_barcode"]
        return check_with_library(
            profile["identity_index"], barcode, password, deps.lockout, library, at, deps.card_barcode_account(barcode)
        ).password_valid
    return check_password(profile["identity_index"], profile.get("password_hash"), password, deps.lockout, at)


def _draw_verification_mail(reader_id: str, deps: PersonalDataDependencies) -> None:
    """A new address is mailed a link; those mails share the budget of 重新寄送驗證信, or the library's sender
    could be made to mail any address without limit."""
    verdict = deps.verification_mail_budget(reader_id)
    if verdict is not None and not verdict.allowed:
        message = "電子信箱變更及驗證信寄送次數過多，請稍後再試 (Too many verification mails; try again later)"
        raise problems.TooManyRequests(
            message,
            retry_after_seconds=verdict.retry_after_seconds,
            extra={"errors": [{"field": "email", "code": "verification_mail_limit", "message": message}]},
        )


def change_password(
    reader_id: str,
    current: str,
    new: str,
    confirm: str,
    keep_session: str,
    deps: PersonalDataDependencies,
    profile: dict[str, Any] | None = None,
) -> None:
    """``profile``: the reader's profile when read already (with the session)."""
    profile = profile or deps.readers.get_profile(reader_id)
    if holds_password(profile):
        _change_library_password(profile, current, new, confirm, keep_session, deps)
        return
    if not _password_right(profile, current, deps):
        raise problems.InvalidFields([FieldIssue("current_password", "password_wrong", "目前密碼不正確")])
    issues = password_issues(
        new, confirm, id_number=deps.decrypt_id_number(profile), birth_date=dt.date.fromisoformat(profile["birth_date"])
    )
    if issues:
        raise problems.InvalidFields(issues)
    now = deps.clock()
    at = iso_millis(now)
    new_hash = hash_password(new)
    try:
        deps.readers.update_profile(
            reader_id,
            {"password_hash": new_hash},
            [audit_item(reader_id, "password", "changed", at)],
            [
                *_notice_actions(profile, "password_changed", now, deps.table),
                deps.readers.guard_hash_action(profile, new_hash),
                *deps.password_for_library(profile, new, new_hash, now),
            ],
        )
    except SealedPasswordMoved:
        raise problems.Conflict(PASSWORD_MOVED, extra={"code": "password_moved_meanwhile"}) from None
    _log_out_elsewhere(reader_id, keep_session, deps)


def _log_out_elsewhere(reader_id: str, keep_session: str, deps: PersonalDataDependencies) -> None:
    for pointer in deps.readers.partition(reader_id, "SESSION#"):
        token_hash = pointer["sk"].split("#", 1)[1]
        if token_hash != keep_session:
            deps.sessions.revoke_hash(reader_id, token_hash)


def _change_library_password(
    profile: dict[str, Any], current: str, new: str, confirm: str, keep_session: str, deps: PersonalDataDependencies
) -> None:
    """A card holder's password: the current one checked by the library system (under the login's lockout), the
    new one set there; its policy decides, and its refusals are answered in words on the field. What needs no
    answer of the library system (unsealing the ID number, clearing the lockout, finding the other sessions) is
    done while it works."""
    records = deps.records()
    if records is None:
        raise problems.Conflict(CHANGE_AT_THE_LIBRARY, extra={"code": "password_held_by_library_system"})
    library = deps.library()
    if library is None:
        raise library_unavailable()
    reader_id, birth = profile["reader_id"], profile.get("birth_date")
    barcode, account = profile["card_barcode"], profile["identity_index"]
    at = int(deps.clock().timestamp())
    with ThreadPoolExecutor(max_workers=3) as background:
        id_number = background.submit(
            lambda: deps.decrypt_id_number(profile) if profile.get("id_number_encrypted") else None
        )
        # A right password clears the lockout's item: none is there, as a rule, so the update that starts a window
        # is tried first (the other follows when one is open): the same lockout, one request.
        locked, _ = deps.lockout.reserve_attempt(account, at, {})
        if locked:
            raise problems.TooManyRequests(LOCKED, retry_after_seconds=locked)
        try:
            check = library.check_password(barcode, current)
        except LibrarySystemUnavailable:
            deps.lockout.release(account)
            raise library_unavailable() from None
        if not check.password_valid:
            deps.lockout.fail(account, at, deps.card_barcode_account(barcode))
            raise problems.InvalidFields([FieldIssue("current_password", "password_wrong", "目前密碼不正確")])
        issues = [  # the length is the library system's to decide; the rest as for every reader
            issue
            for issue in password_issues(
                new, confirm, id_number=id_number.result(), birth_date=dt.date.fromisoformat(birth) if birth else None
            )
            if issue.code != "password_length"
        ]
        if not new:
            issues.insert(0, FieldIssue("password", "required", "請輸入新密碼"))
        cleared = background.submit(deps.lockout.succeed, account, at)
        if issues:
            cleared.result()
            raise problems.InvalidFields(issues)
        patron_id = library_record.or_503(lambda: library_record.patron_id_of(profile, records))
        setting = background.submit(library_record.set_password, records, patron_id, new)  # first, then the rest
        sessions = background.submit(deps.readers.partition, reader_id, "SESSION#")
        cleared.result()
        setting.result()
        others = [p["sk"].split("#", 1)[1] for p in sessions.result() if p["sk"].split("#", 1)[1] != keep_session]
    now = deps.clock()
    audit = audit_item(reader_id, "password", "changed_in_library_system", iso_millis(now))
    notice = _notice_actions(profile, "password_changed", now, deps.table)
    if profile.get("library_patron_id") == patron_id and not notice:
        deps.readers.put_items([audit])  # nothing else to write: one put instead of a transaction
    else:
        deps.readers.update_profile(reader_id, {"library_patron_id": patron_id}, [audit], notice)
    for token_hash in others:
        deps.sessions.revoke_hash(reader_id, token_hash)


def export(
    reader_id: str, deps: PersonalDataDependencies, partition: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A complete copy of the reader's data; ``partition``: every item of the reader's partition, when read
    already (with the session)."""
    items = deps.readers.partition(reader_id) if partition is None else partition
    profile = next(i for i in items if i["sk"] == "PROFILE")
    # The duplicate review is the library's, and names other readers: it is not the reader's to see.
    plain = {
        k: v
        for k, v in profile.items()
        if k
        not in (
            "pk",
            "sk",
            "id_number_encrypted",
            "password_hash",
            "identity_index",
            "person_index",
            "review",
            "email_token_sha256",
            "library_seen",  # fingerprints of the library system's values (library_refresh), no data of its own
        )
    }
    plain["id_number"] = deps.decrypt_id_number(profile)
    for part, secret_fields in (("household", ("register_number", "head_id_number")), ("guardian", ("id_number",))):
        if isinstance(profile.get(part), dict):
            record = {k: v for k, v in profile[part].items() if not k.endswith("_encrypted") and k != "household_index"}
            for name in secret_fields:
                label = "guardian_id_number" if part == "guardian" else name
                record[name] = deps.decrypt_field(profile[part][f"{name}_encrypted"], f"{profile['reader_id']}:{label}")
            plain[part] = record
    plain["password"] = "以不可逆雜湊（argon2id）保存，本館亦無法得知 (held only as an irreversible argon2id hash)"
    library_system = None
    if holds_password(profile):
        plain["password"] = "由圖書館系統保存，本服務未保存 (kept by the library system, not by this service)"
        library_system = library_record.library_copy(profile, deps.records())
    strip = lambda item: {k: v for k, v in item.items() if k not in ("pk",)}  # noqa: E731
    return {
        "exported_at": iso_millis(deps.clock()),
        "controller": "臺北市立圖書館 Taipei Public Library",
        "profile": plain,
        "consent_receipts": deps.consent.receipts(reader_id, newest_first=False),
        **({"library_system": library_system} if library_system is not None else {}),
        "links": [strip(i) for i in items if i["sk"].startswith(("LINK#", "LINKEVENT#"))],
        "audit_trail": [strip(i) for i in items if i["sk"].startswith("AUDIT#")],
        "sessions": [
            {"created_at": i.get("created_at"), "expires_at": i.get("expires_at")}
            for i in items
            if i["sk"].startswith("SESSION#")
        ],
    }


def erase(reader_id: str, password: str, request_id: str, deps: PersonalDataDependencies) -> dict[str, Any]:
    profile = deps.readers.get_profile(reader_id)
    if not _password_right(profile, password, deps):
        raise problems.Unauthenticated("密碼不正確 (Wrong password)")
    now = deps.clock()
    deadline = (now + dt.timedelta(days=ERASURE_DEADLINE_DAYS)).date().isoformat()
    records = deps.records() if holds_password(profile) else None
    if records is not None:
        # The library system's record goes first: while it keeps the patron (loans, debts), nothing here goes.
        patron_id = library_record.or_503(lambda: library_record.patron_id_of(profile, records))

        def refused(code: str) -> None:
            at = iso_millis(deps.clock())
            deps.record_erasure(reader_id, "erasure_requested", at)
            deps.record_erasure(reader_id, "erasure_refused", at)
            deps.readers.update_profile(
                reader_id, {"erasure_refused_at": at}, [audit_item(reader_id, "erasure", f"refused_{code}", at)]
            )

        library_record.delete_patron(records, patron_id, refused)
    deps.record_erasure(reader_id, "erasure_requested", iso_millis(now))
    deps.delete_everything(reader_id, profile, request_id, iso_millis(now))
    return {"request_id": request_id, "status": "completed", "deadline": deadline, "completed_at": iso_millis(now)}
