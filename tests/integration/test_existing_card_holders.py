"""Existing card holders log into 個人書房 through the library system (SIP2): the library system stays the
authority for their identity and password, and 網路辦證 knows them."""

from __future__ import annotations

import json

import pytest

from tests.integration.test_application_expiry import mentions_of
from tests.support.applications import personal_application
from tests.support.captcha import solved_captcha
from tests.support.flows import relay_outbox
from tests.support.lifecycle import active_reader, log_in

CHEN = {"id_number": "F131104093", "card_barcode": "TP90000001", "password": "tpml2024"}
WANG = {"id_number": "A234567893", "card_barcode": "TP90000002", "password": "book5678"}
LEE = {"id_number": "L118159085", "card_barcode": "TP90000003", "password": "exp12345"}


def login(api, holder, by="id_number", password=None):
    api.cookies.clear()
    return api.post("/v1/sessions", {by: holder[by], "password": password or holder["password"]})


def csrf_of(answer) -> dict[str, str]:
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def test_a_card_holder_logs_in_with_the_id_number_and_sees_the_library_systems_record(api, library):
    answer = login(api, CHEN)

    assert answer.status == 201, answer.body
    me = api.get("/v1/readers/me").json()
    assert me["status"] == "active" and me["password_source"] == "library_system"
    assert me["name"] == "陳大文" and me["birth_date"] == "1985-03-02" and me["card_barcode"] == "TP90000001"
    assert me["mobile"] == "+886912345678" and me["id_number_masked"].startswith("F")
    assert me["card_status"] == "valid"


def test_a_card_holder_logs_in_with_the_card_barcode_and_it_is_the_same_reader(api, library):
    by_number = login(api, WANG).json()["reader_id"]

    by_barcode = login(api, WANG, by="card_barcode")

    assert by_barcode.status == 201 and by_barcode.json()["reader_id"] == by_number
    assert api.get("/v1/readers/me").json()["email"] == "wang@example.com"


def test_a_card_holder_never_seen_here_logs_in_first_with_the_barcode(api, library):
    answer = login(api, {**WANG, "card_barcode": " tp90000002 "}, by="card_barcode")

    assert answer.status == 201
    assert api.get("/v1/readers/me").json()["id_number_masked"].startswith("A")


def test_a_password_changed_at_the_counter_works_next_time_and_the_old_one_stops(api, library):
    assert login(api, CHEN).status == 201

    library.set_password("TP90000001", "newpass99")

    assert login(api, CHEN).status == 401
    assert login(api, CHEN, password="newpass99").status == 201


def test_wrong_passwords_and_unknown_card_holders_get_the_same_answer_and_lock(api, library):
    wrong = login(api, CHEN, password="nope0000")
    unknown = login(api, {"id_number": "A123456789", "password": "nope0000"})

    assert wrong.status == unknown.status == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    statuses = [login(api, CHEN, password="nope0000").status for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    assert login(api, CHEN).status == 429  # locked, even with the right password


def test_a_locked_card_holders_guesses_by_barcode_never_reach_the_library_system(api, library):
    assert login(api, CHEN).status == 201  # known here from now on
    assert [login(api, CHEN, by="card_barcode", password="nope0000").status for _ in range(5)] == [401] * 5
    asked = len(library.password_checks)

    answers = [login(api, CHEN, by=by).status for by in ("card_barcode", "id_number", "card_barcode")]

    assert answers == [429, 429, 429]  # even with the right password
    assert len(library.password_checks) == asked  # a real ILS could block the patron's card after many


@pytest.mark.parametrize("locked_by", ["id_number", "session"])
def test_a_card_holder_locked_another_way_is_refused_by_barcode_before_the_library_system_is_asked(
    api, library, locked_by
):
    csrf = csrf_of(login(api, CHEN))  # known here from now on
    if locked_by == "id_number":
        assert [login(api, CHEN, password="nope0000").status for _ in range(5)] == [401] * 5
    else:  # guesses inside a (stolen) session count towards the same lock
        for _ in range(5):
            api.post("/v1/readers/me/erasure", {"password": "nope0000"}, headers=csrf)
    asked = len(library.password_checks)

    by_barcode = login(api, CHEN, by="card_barcode")

    assert by_barcode.status == 429 and int(by_barcode.header("Retry-After")) > 0
    assert len(library.password_checks) == asked


def test_a_card_holders_right_password_by_barcode_after_a_wrong_one_logs_in_and_nothing_stays_locked(api, library):
    assert login(api, CHEN).status == 201
    assert login(api, CHEN, by="card_barcode", password="nope0000").status == 401

    assert login(api, CHEN, by="card_barcode").status == 201
    assert [login(api, CHEN, by=by).status for by in ("id_number", "card_barcode")] == [201, 201]


def test_a_library_system_that_does_not_answer_is_a_503_not_a_wrong_password_and_no_lockout(api, aws, library):
    body, _ = active_reader(api)
    library.set_faults(down=True)

    answers = [login(api, CHEN) for _ in range(6)]
    ours = login(api, {"id_number": body["id_number"], "password": body["password"]})

    assert {a.status for a in answers} == {503}
    assert answers[0].header("Content-Type").startswith("application/problem+json")
    assert int(answers[0].header("Retry-After")) > 0 and "圖書館系統" in answers[0].json()["detail"]
    assert ours.status == 201  # readers who applied here still log in
    library.set_faults()
    assert login(api, CHEN).status == 201  # nothing was counted towards a lock


def test_a_slow_library_system_answers_503_within_the_timeout(api, library, monkeypatch):
    from onecard import wiring

    monkeypatch.setenv("ILS_TIMEOUT_SECONDS", "0.5")
    wiring.reset()
    library.set_faults(latency_ms=1500)

    assert login(api, CHEN).status == 503


def test_without_the_library_systems_rest_door_a_card_holders_password_is_changed_at_the_library(
    api, library, monkeypatch
):
    from onecard import wiring

    monkeypatch.setenv("ILS_REST_BASE_URL", "")
    wiring.reset()
    csrf = csrf_of(login(api, CHEN))

    answer = api.put(
        "/v1/readers/me/password",
        {"current_password": "tpml2024", "password": "Other123", "password_confirm": "Other123"},
        headers=csrf,
    )

    assert answer.status == 409 and answer.json()["code"] == "password_held_by_library_system"
    assert "櫃檯" in answer.json()["detail"]
    assert login(api, CHEN).status == 201


def test_availability_and_applications_know_the_library_systems_card_holders(api, library):
    query = {"id_type": "national_id", "id_number": CHEN["id_number"]}

    availability = api.get("/v1/readers/availability", query=query)
    application = api.post("/v1/readers", personal_application(solved_captcha(api), id_number=CHEN["id_number"]))

    assert availability.json() == {"registered": True}
    assert application.status == 409 and application.json()["code"] == "already_registered"
    assert "個人書房" in application.json()["detail"]


def test_applications_wait_for_a_library_system_that_does_not_answer(api, library):
    library.set_faults(down=True)

    answer = api.post("/v1/readers", personal_application(solved_captcha(api)))

    assert answer.status == 503 and answer.header("Retry-After")
    assert (
        api.get("/v1/readers/availability", query={"id_type": "national_id", "id_number": "A123456789"}).status == 503
    )


def sha(api, partner):
    return api.get(f"/v1/consent-documents/{partner}").json()["sha256"]


def test_a_card_holder_links_at_once_with_the_fields_of_the_patron_record(api, aws, library):
    csrf = csrf_of(login(api, WANG))

    answer = api.post("/v1/readers/me/links", {"partner": "ntpc", "document_sha256": sha(api, "ntpc")}, headers=csrf)
    relay_outbox(aws)

    assert answer.status == 202 and answer.json()["status"] == "pending"
    sqs = aws.client("sqs")
    [message] = sqs.receive_message(QueueUrl=aws.resources.queue_urls["LinkQueue"]).get("Messages", [])
    assert json.loads(message["Body"])["action"] == "link"


def test_an_expired_card_cannot_be_linked_and_nothing_is_sent(api, aws, library):
    csrf = csrf_of(login(api, LEE))

    answer = api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha(api, "klcpl")}, headers=csrf)
    relay_outbox(aws)

    assert answer.status == 409 and answer.json()["code"] == "card_expired"
    assert "續約" in answer.json()["detail"] and "櫃檯" in answer.json()["detail"]
    assert api.get("/v1/readers/me/links").json()["links"] == []
    assert aws.client("sqs").receive_message(QueueUrl=aws.resources.queue_urls["LinkQueue"]).get("Messages", []) == []


def test_a_card_holders_erasure_is_checked_by_the_library_system_and_leaves_nothing_here(api, aws, library):
    answer = login(api, CHEN)
    reader_id, csrf = answer.json()["reader_id"], csrf_of(answer)

    wrong = api.post("/v1/readers/me/erasure", {"password": "nope0000"}, headers=csrf)
    erased = api.post("/v1/readers/me/erasure", {"password": "tpml2024"}, headers=csrf)
    relay_outbox(aws)

    assert wrong.status == 401
    assert erased.status == 202
    assert mentions_of(aws, reader_id) == set() or mentions_of(aws, reader_id) == {"ConsentTable"}
    assert "陳大文" not in json.dumps(
        [aws.client("dynamodb").scan(TableName=t)["Items"] for t in aws.resources.table_names.values()],
        ensure_ascii=False,
    )


@pytest.mark.parametrize(
    "body", [{"password": "x"}, {"id_number": "F131104093", "card_barcode": "TP90000001", "password": "x"}]
)
def test_a_login_names_exactly_one_of_id_number_and_card_barcode(api, body):
    answer = api.post("/v1/sessions", body)

    assert answer.status == 422 and answer.json()["errors"][0]["field"] == "id_number"


def test_without_a_library_system_only_readers_who_applied_here_log_in(api):
    body, _ = active_reader(api)

    assert login(api, CHEN).status == 401
    assert log_in(api, body)


def test_a_card_holders_failed_or_unanswered_logins_leave_no_session_behind(api, aws, library):
    def sessions_of(reader_id: str) -> list[str]:
        items = aws.client("dynamodb").query(
            TableName=aws.resources.table_names["ReadersTable"],
            KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
            ExpressionAttributeValues={":pk": {"S": f"READER#{reader_id}"}, ":s": {"S": "SESSION#"}},
        )["Items"]
        return sorted(item["sk"]["S"] for item in items)

    reader_id = login(api, CHEN).json()["reader_id"]  # known here from now on, with one session
    before = sessions_of(reader_id)
    library.set_faults(down=True)
    assert login(api, CHEN).status == 503
    library.set_faults()
    assert login(api, CHEN, password="nope0000").status == 401
    assert sessions_of(reader_id) == before

    assert login(api, CHEN).status == 201  # clears the failure, adds a session
    after_login = sessions_of(reader_id)
    assert login(api, CHEN, by="card_barcode", password="nope0000").status == 401
    assert sessions_of(reader_id) == after_login and len(after_login) == len(before) + 1


def activate_with(staff, reader_id: str, barcode: str):
    from tests.support.lifecycle import STAFF

    body = {"card_barcode": barcode, "document_checked": "national_id_card"}
    return staff.post(f"/v1/staff/readers/{reader_id}/activation", body, headers=STAFF)


def status_of(staff, body: dict) -> str:
    from tests.support.lifecycle import STAFF

    query = {"id_type": "national_id", "id_number": body["id_number"]}
    return staff.get("/v1/staff/applications", query=query, headers=STAFF).json()["status"]


@pytest.mark.parametrize("seen_here", [False, True], ids=["never seen here", "logged in here before"])
def test_the_counter_refuses_a_barcode_the_library_system_already_gave_a_card_holder(api, staff, library, seen_here):
    from tests.support.lifecycle import apply, unique_person

    if seen_here:
        assert login(api, LEE).status == 201
    applicant, accepted = apply(api, **unique_person())

    refused = activate_with(staff, accepted["reader_id"], LEE["card_barcode"].lower())

    assert refused.status == 409 and refused.json()["code"] == "barcode_held_by_library_system"
    assert "圖書館系統" in refused.json()["detail"] and "其他讀者" in refused.json()["detail"]
    assert status_of(staff, applicant) == "pending_verification"
    assert login(api, LEE, by="card_barcode").status == 201  # the card stays 李小華's
    assert (
        login(api, {"card_barcode": LEE["card_barcode"], "password": applicant["password"]}, by="card_barcode").status
        == 401
    )
    assert activate_with(staff, accepted["reader_id"], "TP91234567").status == 200  # a new card is handed over


def test_the_counter_hands_over_no_card_while_the_library_system_cannot_say_whether_it_holds_it(
    api, staff, library, monkeypatch
):
    from onecard import wiring
    from tests.support.lifecycle import apply, unique_person

    monkeypatch.delenv("ILS_REST_BASE_URL")  # a stack whose library system is reached over SIP2 only
    wiring.reset()
    applicant, accepted = apply(api, **unique_person())
    library.set_faults(down=True)

    answer = activate_with(staff, accepted["reader_id"], "TP91234568")

    assert answer.status == 503 and int(answer.header("Retry-After")) > 0
    assert answer.json()["code"] == "library_system_unavailable" and "圖書館系統" in answer.json()["detail"]
    library.set_faults()
    assert status_of(staff, applicant) == "pending_verification"
    assert activate_with(staff, accepted["reader_id"], "TP91234568").status == 200


def test_the_counter_may_hand_over_the_card_the_library_system_holds_for_the_applicant_themself(api, staff, library):
    import datetime as dt

    from ils_simulator.server import SimulatedPatron
    from tests.support.lifecycle import apply, unique_person

    applicant, accepted = apply(api, **unique_person())
    own = SimulatedPatron(
        "TP91234569", applicant["id_number"], "own12345", applicant["name"], dt.date(1990, 1, 1), dt.date(2030, 12, 31)
    )
    library.add_patrons([own])  # e.g. a card issued to them at another branch meanwhile

    assert activate_with(staff, accepted["reader_id"], "TP91234569").status == 200


def corrected_and_verified(api, read_mail, holder, email: str) -> dict[str, str]:
    from tests.support.lifecycle import mail_to, token_in

    csrf = csrf_of(login(api, holder))
    correction = api.patch("/v1/readers/me", {"email": email, "mobile": "0911222333"}, headers=csrf)
    assert correction.status == 200, correction.json()
    assert api.post("/v1/email-verifications", {"token": token_in(mail_to(read_mail, email)[0])}).status == 200
    return csrf


def refreshes(api) -> list[dict]:
    trail = api.get("/v1/readers/me/export").json()["audit_trail"]
    return [entry for entry in trail if entry["action"] == "refreshed_from_library_system"]


def test_a_card_holders_verified_correction_stays_at_the_next_logins(api, library, read_mail):
    corrected_and_verified(api, read_mail, WANG, "wang.new@example.com")

    assert login(api, WANG).status == 201
    assert login(api, WANG, by="card_barcode").status == 201

    me = api.get("/v1/readers/me").json()
    assert me["email"] == "wang.new@example.com" and me["email_verified"] is True  # not the library's older address
    assert me["mobile"] == "+886911222333"
    assert refreshes(api) == []


def test_an_address_changed_at_the_library_is_taken_unverified_audited_and_the_verified_one_is_told(
    api, library, read_mail
):
    from tests.support.lifecycle import mail_to

    corrected_and_verified(api, read_mail, WANG, "wang.new@example.com")
    told_before = len(mail_to(read_mail, "wang.new@example.com"))
    library.change_patron("TP90000002", email="wang.library@example.com")  # at a counter

    assert login(api, WANG).status == 201

    me = api.get("/v1/readers/me").json()
    assert me["email"] == "wang.library@example.com" and me["mobile"] == "+886911222333"
    assert me["email_verified"] is False  # never verified here: no security notice goes there
    entries = refreshes(api)
    assert [e["field"] for e in entries] == ["email"]
    assert {(e["by"], e["channel"]) for e in entries} == {("library_system", "library_system")}
    told = mail_to(read_mail, "wang.new@example.com")
    assert len(told) == told_before + 1 and "更正" in told[0]["subject"] + told[0]["text"]
    assert mail_to(read_mail, "wang.library@example.com") == []
    assert login(api, WANG).status == 201 and len(refreshes(api)) == 1  # nothing changed since: nothing written


def test_a_card_holders_address_from_the_library_system_is_never_verified_here(api, library):
    assert login(api, WANG).status == 201

    me = api.get("/v1/readers/me").json()

    assert me["email"] == "wang@example.com" and not me["email_verified"]


# The library system finds a patron by either value in either field: each way is one lockout.
ANY_FIELD = [
    ("id_number", "id_number"),
    ("card_barcode", "card_barcode"),
    ("card_barcode", "id_number"),  # the ID number typed into the barcode field
    ("id_number", "card_barcode"),  # the barcode typed into the ID number field
]


def login_as(api, holder, field: str, value_of: str, password: str | None = None):
    api.cookies.clear()
    return api.post("/v1/sessions", {field: holder[value_of], "password": password or holder["password"]})


@pytest.mark.parametrize("seen_here", [False, True], ids=["never seen here", "logged in here before"])
@pytest.mark.parametrize("locked_by", ANY_FIELD, ids=lambda way: f"{way[1]} in {way[0]}")
def test_a_card_holder_locked_one_way_is_locked_every_way_and_the_library_system_hears_no_more(
    api, library, seen_here, locked_by
):
    if seen_here:
        assert login(api, CHEN).status == 201
    field, value_of = locked_by
    assert [login_as(api, CHEN, field, value_of, "nope0000").status for _ in range(5)] == [401] * 5
    asked = len(library.password_checks)

    answers = [login_as(api, CHEN, *way).status for way in ANY_FIELD]  # the right password, every way

    assert answers == [429] * 4
    assert len(library.password_checks) == asked


def test_guesses_spread_over_both_fields_count_towards_one_lockout(api, library):
    ways = [ANY_FIELD[n % 4] for n in range(5)]

    answers = [login_as(api, WANG, field, value_of, "nope0000").status for field, value_of in ways]

    assert answers == [401] * 5
    assert [login_as(api, WANG, *way).status for way in ANY_FIELD] == [429] * 4
    assert len(library.password_checks) == 5


def test_a_known_card_holders_failures_by_id_number_leave_simultaneous_guesses_by_barcode_one_check(
    api, library, monkeypatch
):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from onecard.infra.login_records import LoginRecords
    from onecard.sessions import login as logins
    from onecard.web import problems
    from register import session_routes

    assert login(api, CHEN).status == 201  # known here: the barcode pointer names their own account
    assert [login(api, CHEN, password="nope0000").status for _ in range(4)] == [401] * 4
    asked = len(library.password_checks)
    all_have_read, read = threading.Barrier(5, timeout=30), LoginRecords.by_barcode

    def read_then_wait(self, barcode, keys):
        found = read(self, barcode, keys)
        all_have_read.wait()
        return found

    monkeypatch.setattr(LoginRecords, "by_barcode", read_then_wait)

    def guess(number: int) -> int:
        credentials = logins.Credentials(f"nope{number:04d}", card_barcode=CHEN["card_barcode"])
        try:
            logins.login(credentials, session_routes._login_dependencies(f"198.51.100.{number + 1}"))
        except problems.Problem as refused:
            return refused.status
        return 201

    with ThreadPoolExecutor(max_workers=5) as threads:
        answers = list(threads.map(guess, range(5)))

    # The card barcode's account had room for all five; the card holder's own account for one.
    assert len(library.password_checks) - asked == 1
    assert sorted(answers) == [401, 429, 429, 429, 429]


def test_twenty_simultaneous_guesses_at_a_card_holder_reach_the_library_system_at_most_five_times(
    api, library, monkeypatch
):
    from tests.integration.test_sessions_api import burst_of_logins

    assert login(api, CHEN).status == 201  # known here
    asked = len(library.password_checks)

    answers = burst_of_logins(monkeypatch, CHEN["id_number"], [f"nope{n:04d}" for n in range(20)])

    sent = len(library.password_checks) - asked
    assert sent <= 5 and answers.count(401) == sent and answers.count(429) == 20 - sent
