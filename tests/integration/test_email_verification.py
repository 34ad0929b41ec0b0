"""E-mail verification: a one-time link, valid 24 hours, resent on request (rate-limited), and again after the
address changes."""

from __future__ import annotations

import datetime as dt
import secrets

from onecard.domain.people import TAIPEI
from tests.support.applications import new_national_id
from tests.support.captcha import solved_captcha
from tests.support.lifecycle import apply, log_in, mail_to, token_in, unique_person


def test_an_application_answers_its_status_and_deadline_and_mails_a_link_to_its_address(api, read_mail):
    body, accepted = apply(api, email="lin.apply@example.com", **unique_person())

    expected = (dt.datetime.now(TAIPEI).date() + dt.timedelta(days=30)).isoformat()
    assert accepted["status"] == "pending_verification" and accepted["verify_by"] == expected
    log_in(api, body)
    me = api.get("/v1/readers/me").json()
    assert me["status"] == "pending_verification" and me["verify_by"] == expected and me["email_verified"] is False
    [message] = mail_to(read_mail, "lin.apply@example.com")
    assert "驗證" in message["subject"] and "verify" in message["subject"] and message["sent_at"]
    assert "/email-verification?token=" in message["text"]


def test_one_mail_confirms_the_application_what_to_bring_by_when_and_where_without_a_bare_token(api, read_mail):
    _, personal = apply(api, email="confirm.personal@example.com", **unique_person())
    [message] = mail_to(read_mail, "confirm.personal@example.com")

    text = message["text"]
    assert personal["verify_by"] in message["subject"] and personal["verify_by"] in text
    assert personal["reader_id"] in text and "個人借閱證" in text and "a personal library card" in text
    assert "身分證件正本" in text and "identity document" in text and "服務櫃檯" in text and "counter" in text
    assert "戶口名簿" not in text and "法定代理人本人陪同" not in text
    token = token_in(message)
    assert text.count(token) == 1  # only inside the link: the page it opens has nowhere to type it
    assert "驗證碼" not in text


def test_the_confirmation_of_a_minor_asks_for_the_guardian_and_of_a_family_card_for_the_household_register(
    api, read_mail
):
    ten_years_ago = dt.datetime.now(TAIPEI).date().replace(year=dt.datetime.now(TAIPEI).year - 10, day=1)
    guardian = {"name": "林大明", "relationship": "father", "id_number": new_national_id(), "phone": "0912345678"}
    _, minor = apply(
        api,
        email="confirm.minor@example.com",
        birth_date=ten_years_ago.isoformat(),
        guardian=guardian,
        **unique_person(),
    )
    [to_minor] = mail_to(read_mail, "confirm.minor@example.com")
    assert "法定代理人本人陪同" in to_minor["text"] and "legal guardian in person" in to_minor["text"]

    household = {
        "register_number": f"F{secrets.randbelow(10**7):07d}",
        "head_name": "陳大華",
        "head_id_number": new_national_id(),
    }
    taipei_home = {"city": "臺北市", "district": "大安區", "street": "建國南路二段 125 號"}
    _, family = apply(
        api, email="confirm.family@example.com", card_type="family", mailing_address=taipei_home, household=household
    )
    [to_family] = mail_to(read_mail, "confirm.family@example.com")
    assert "戶口名簿" in to_family["text"] and "家庭借閱證" in to_family["text"]
    assert minor["verify_by"] in to_minor["text"] and family["verify_by"] in to_family["text"]


def test_the_link_verifies_the_address_once_and_a_second_use_is_refused_as_used(api, read_mail):
    body, _ = apply(api, email="once@example.com", **unique_person())
    token = token_in(mail_to(read_mail, "once@example.com")[0])

    first = api.post("/v1/email-verifications", {"token": token})
    second = api.post("/v1/email-verifications", {"token": token})

    assert first.status == 200 and first.json() == {"email_verified": True}
    assert second.status == 422 and second.json()["errors"][0] == {
        "field": "token",
        "code": "token_used",
        "message": second.json()["errors"][0]["message"],
    }
    log_in(api, body)
    assert api.get("/v1/readers/me").json()["email_verified"] is True


def test_a_link_used_after_24_hours_is_refused_as_expired_and_changes_nothing(api, read_mail, monkeypatch):
    from onecard.lifecycle import email_verification

    body, _ = apply(api, email="late@example.com", **unique_person())
    token = token_in(mail_to(read_mail, "late@example.com")[0])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=1)
    monkeypatch.setattr(email_verification, "now", lambda: later)

    answer = api.post("/v1/email-verifications", {"token": token})

    assert answer.status == 422 and answer.json()["errors"][0]["code"] == "token_expired"
    log_in(api, body)
    assert api.get("/v1/readers/me").json()["email_verified"] is False


def test_an_unknown_token_is_refused_as_unknown(api, read_mail):
    answer = api.post("/v1/email-verifications", {"token": "not-a-token-we-ever-sent"})

    assert answer.status == 422 and answer.json()["errors"][0]["code"] == "token_unknown"
    assert answer.header("Content-Type") == "application/problem+json"


def test_a_resend_replaces_the_link_and_the_fourth_within_an_hour_is_rate_limited(api, read_mail):
    body, _ = apply(api, email="again@example.com", **unique_person())
    first_token = token_in(mail_to(read_mail, "again@example.com")[0])
    csrf = log_in(api, body)

    answers = [api.post("/v1/readers/me/email-verification", headers=csrf) for _ in range(4)]

    assert [a.status for a in answers] == [202, 202, 202, 429]
    assert answers[0].json() == {"sent_to": "a***@example.com", "valid_hours": 24}
    assert int(answers[3].header("Retry-After")) > 0
    messages = mail_to(read_mail, "again@example.com")
    assert len(messages) == 4
    superseded = api.post("/v1/email-verifications", {"token": first_token})
    assert superseded.status == 422 and superseded.json()["errors"][0]["code"] == "token_superseded"
    assert api.post("/v1/email-verifications", {"token": token_in(messages[0])}).status == 200


def test_a_resend_needs_a_session(api, read_mail):
    assert api.post("/v1/readers/me/email-verification").status == 401


def test_a_changed_address_is_unverified_until_its_own_link_is_used(api, read_mail):
    body, _ = apply(api, email="old.address@example.com", **unique_person())
    assert (
        api.post(
            "/v1/email-verifications", {"token": token_in(mail_to(read_mail, "old.address@example.com")[0])}
        ).status
        == 200
    )
    csrf = log_in(api, body)
    assert api.get("/v1/readers/me").json()["email_verified"] is True

    changed = api.patch("/v1/readers/me", {"email": "new.address@example.com"}, headers=csrf)

    assert changed.status == 200 and changed.json()["email_verified"] is False
    [message] = mail_to(read_mail, "new.address@example.com")
    assert api.post("/v1/email-verifications", {"token": token_in(message)}).status == 200
    assert api.get("/v1/readers/me").json()["email_verified"] is True
    audit = api.get("/v1/readers/me/export").json()["audit_trail"]
    assert [a["field"] for a in audit] == ["email"]


def test_an_application_without_an_address_sends_nothing(api, read_mail):
    apply(api, email=None, **unique_person())

    assert read_mail() == []


def test_the_link_leaves_through_the_outbox_only_for_a_stored_application_and_its_token_is_stored_nowhere(
    api, aws, read_mail
):
    import json

    body, _ = apply(api, email="outbox@example.com", **unique_person())
    refused = api.post("/v1/readers", {**body, "email": "again@example.com", "captcha": solved_captcha(api)})

    assert refused.status == 409
    [message] = mail_to(read_mail, "outbox@example.com")
    assert mail_to(read_mail, "again@example.com") == []
    token = token_in(message)
    stored = json.dumps(
        [aws.client("dynamodb").scan(TableName=table)["Items"] for table in aws.resources.table_names.values()]
    )
    assert token not in stored
    assert api.post("/v1/email-verifications", {"token": token}).json() == {"email_verified": True}


def test_address_changes_and_resends_draw_on_one_budget_of_verification_mails(api, read_mail):
    body, _ = apply(api, email="budget@example.com", **unique_person())
    csrf = log_in(api, body)

    changes = [api.patch("/v1/readers/me", {"email": f"change{i}@example.com"}, headers=csrf) for i in range(3)]
    resend = api.post("/v1/readers/me/email-verification", headers=csrf)
    refused = api.patch("/v1/readers/me", {"email": "one.more@example.com"}, headers=csrf)

    assert [c.status for c in changes] == [200, 200, 200]
    assert resend.status == 429
    assert refused.status == 429 and int(refused.header("Retry-After")) > 0
    assert refused.json()["errors"][0]["field"] == "email"
    assert api.get("/v1/readers/me").json()["email"] == "change2@example.com"  # the refused change is not stored
    sent = [m["to"] for m in read_mail()]
    assert sorted(sent) == ["budget@example.com"] + [f"change{i}@example.com" for i in range(3)]
