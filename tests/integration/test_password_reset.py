"""忘記密碼: a one-time link to the verified address, the same answer for everyone, single use, 30 minutes, and a
reset that ends every session, clears the lockout and tells the reader by mail."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.lifecycle import apply, log_in, mail_to, token_in, unique_person


def verified_reader(api, read_mail, address: str) -> dict:
    body, _ = apply(api, email=address, **unique_person())
    assert api.post("/v1/email-verifications", {"token": token_in(mail_to(read_mail, address)[0])}).status == 200
    api.cookies.clear()
    return body


def reset_link_token(read_mail, address: str) -> str:
    [message] = [m for m in mail_to(read_mail, address) if "重設" in m["subject"]]
    assert "/password-reset/new#token=" in message["text"]
    return token_in(message)


def ask(api, **identifier):
    return api.post("/v1/password-resets", identifier)


def test_the_whole_reset_through_the_mail_ends_sessions_and_the_new_password_logs_in(api, read_mail):
    body = verified_reader(api, read_mail, "forgot@example.com")
    log_in(api, body)
    api.cookies.clear()
    other = log_in(api, body)  # a second session, still live until the reset
    assert api.get("/v1/readers/me").status == 200

    answer = ask(api, id_number=body["id_number"])
    token = reset_link_token(read_mail, "forgot@example.com")
    done = api.post(f"/v1/password-resets/{token}", {"password": "Fresh2027", "password_confirm": "Fresh2027"})

    assert answer.status == 202 and answer.json() == {"accepted": True, "valid_minutes": 30}
    assert done.status == 200 and done.json() == {"password_reset": True, "sessions_ended": True}
    assert api.get("/v1/readers/me").status == 401  # the session that was live has ended
    assert other
    api.cookies.clear()
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).status == 401
    log_in(api, {**body, "password": "Fresh2027"})
    trail = api.get("/v1/readers/me/export").json()["audit_trail"]
    assert any(entry["field"] == "password" and entry["action"] == "reset" for entry in trail)
    [notice] = [
        m
        for m in mail_to(read_mail, "forgot@example.com")
        if "重設" in m["text"] and "/me" in m["text"] and "重設您的" not in m["subject"] and "密碼已" in m["text"]
    ]
    assert body["id_number"] not in notice["text"] and "Fresh2027" not in notice["text"]


def test_the_link_works_once_and_a_second_use_is_refused_as_used(api, read_mail):
    body = verified_reader(api, read_mail, "once.reset@example.com")
    ask(api, id_number=body["id_number"])
    token = reset_link_token(read_mail, "once.reset@example.com")

    first = api.post(f"/v1/password-resets/{token}", {"password": "Fresh2027", "password_confirm": "Fresh2027"})
    second = api.post(f"/v1/password-resets/{token}", {"password": "Other2027", "password_confirm": "Other2027"})

    assert first.status == 200
    assert second.status == 422 and second.json()["errors"][0]["code"] == "reset_token_used"
    log_in(api, {**body, "password": "Fresh2027"})


def test_a_link_after_30_minutes_is_refused_as_expired_and_changes_nothing(api, read_mail, monkeypatch):
    from onecard.lifecycle import password_reset

    body = verified_reader(api, read_mail, "late.reset@example.com")
    ask(api, id_number=body["id_number"])
    token = reset_link_token(read_mail, "late.reset@example.com")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
    monkeypatch.setattr(password_reset, "now", lambda: later)

    answer = api.post(f"/v1/password-resets/{token}", {"password": "Fresh2027", "password_confirm": "Fresh2027"})

    assert answer.status == 422 and answer.json()["errors"][0]["code"] == "reset_token_expired"
    log_in(api, body)


def test_an_unknown_token_is_refused_as_unknown(api):
    answer = api.post(
        "/v1/password-resets/not-a-token-we-sent", {"password": "Fresh2027", "password_confirm": "Fresh2027"}
    )

    assert answer.status == 422 and answer.json()["errors"][0]["code"] == "reset_token_unknown"
    assert answer.header("Content-Type") == "application/problem+json"


def test_the_new_password_obeys_the_registration_rules_and_a_refused_one_spends_nothing(api, read_mail):
    body = verified_reader(api, read_mail, "rules.reset@example.com")
    ask(api, id_number=body["id_number"])
    token = reset_link_token(read_mail, "rules.reset@example.com")

    bad = api.post(
        f"/v1/password-resets/{token}", {"password": body["id_number"], "password_confirm": body["id_number"]}
    )
    good = api.post(f"/v1/password-resets/{token}", {"password": "Fresh2027", "password_confirm": "Fresh2027"})

    assert bad.status == 422 and {e["code"] for e in bad.json()["errors"]} & {"password_guessable", "password_length"}
    assert good.status == 200


def _dynamodb_calls(aws):
    """The DynamoDB operations (and tables) the functions make, in order."""
    from onecard.infra.aws import client

    calls: list[tuple[str, str]] = []

    def hook(event_name: str, params: dict, **_: object) -> None:
        calls.append((event_name.rsplit(".", 1)[-1], str(params.get("TableName", ""))))

    client("dynamodb").meta.events.register("before-call.dynamodb", hook)
    return calls


def test_no_enumeration_an_unknown_number_an_unverified_reader_and_a_real_one_get_the_same(api, aws, read_mail):
    real = verified_reader(api, read_mail, "real.reset@example.com")
    unverified, _ = apply(api, email="unverified.reset@example.com", **unique_person())
    unknown = unique_person()["id_number"]
    read_mail()  # relay what is waiting, so only the requests below are counted
    calls = _dynamodb_calls(aws)

    answers, work = [], []
    for number in (unknown, unverified["id_number"], real["id_number"]):
        calls.clear()
        answer = ask(api, id_number=number)
        answers.append((answer.status, answer.json()))
        work.append(list(calls))

    assert answers[0] == answers[1] == answers[2] == (202, {"accepted": True, "valid_minutes": 30})
    assert work[0] == work[1] == work[2] and work[0]  # the same DynamoDB requests, in the same order
    assert len([m for m in mail_to(read_mail, "real.reset@example.com") if "重設" in m["subject"]]) == 1
    assert not [m for m in mail_to(read_mail, "unverified.reset@example.com") if "重設" in m["subject"]]


def test_a_card_holder_with_no_verified_address_gets_the_same_answer_and_no_mail(api, read_mail, library):
    api.cookies.clear()
    assert api.post("/v1/sessions", {"id_number": "A234567893", "password": "book5678"}).status == 201
    api.cookies.clear()
    before = len(read_mail())

    answer = ask(api, id_number="A234567893")
    by_barcode = ask(api, card_barcode="TP90000002")

    assert answer.status == by_barcode.status == 202 and answer.json() == by_barcode.json()
    assert len(read_mail()) == before


def test_requests_are_limited_per_reader_and_per_client_address(api, read_mail):
    from onecard.lifecycle import password_reset

    body = verified_reader(api, read_mail, "limit.reset@example.com")
    per_reader = [
        ask(api, id_number=body["id_number"]).status for _ in range(password_reset.LIMIT_PER_READER_PER_HOUR + 1)
    ]
    assert per_reader[:-1] == [202] * password_reset.LIMIT_PER_READER_PER_HOUR and per_reader[-1] == 429

    others = [
        ask(api, id_number=unique_person()["id_number"]).status
        for _ in range(password_reset.LIMIT_PER_ADDRESS_PER_HOUR)
    ]
    assert others[-1] == 429  # this address has asked too often (the reader's asks counted too)
    api.source_ip = "198.51.100.7"
    assert ask(api, id_number=unique_person()["id_number"]).status == 202


def test_a_reset_clears_the_lockout(api, read_mail):
    body = verified_reader(api, read_mail, "locked.reset@example.com")
    for _ in range(6):
        api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Wrong000"})
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).status == 429
    ask(api, id_number=body["id_number"])
    token = reset_link_token(read_mail, "locked.reset@example.com")

    assert (
        api.post(f"/v1/password-resets/{token}", {"password": "Fresh2027", "password_confirm": "Fresh2027"}).status
        == 200
    )
    log_in(api, {**body, "password": "Fresh2027"})


@pytest.mark.parametrize("identifier", [{}, {"id_number": "A123456789", "card_barcode": "TP90000002"}])
def test_exactly_one_identifier_is_asked_for(api, identifier):
    answer = ask(api, **identifier)
    assert answer.status == 422 and answer.json()["errors"][0]["code"] == "identifier_required"
