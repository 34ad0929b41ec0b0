"""個人書房 login: sessions, lockout, CSRF, and that one reader never reaches another's data."""

from __future__ import annotations

import time

import pytest

from tests.support.applications import new_national_id, personal_application
from tests.support.captcha import solved_captcha


@pytest.fixture
def reader(api):
    body = personal_application(solved_captcha(api), password="Read2026", password_confirm="Read2026")
    answer = api.post("/v1/readers", body)
    assert answer.status == 201
    return {"id_number": body["id_number"], "password": "Read2026", "reader_id": answer.json()["reader_id"]}


def log_in(api, reader, password=None):
    return api.post(
        "/v1/sessions", {"id_number": reader["id_number"].lower(), "password": password or reader["password"]}
    )


def test_login_sets_an_http_only_same_site_session_cookie_and_returns_a_csrf_token(api, reader):
    answer = log_in(api, reader)

    assert answer.status == 201
    assert answer.json()["reader_id"] == reader["reader_id"] and answer.json()["csrf_token"]
    session_cookie = next(c for c in answer.set_cookies if c.startswith("onecard_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Secure" in session_cookie
    me = api.get("/v1/readers/me")
    assert me.status == 200 and me.json()["reader_id"] == reader["reader_id"]
    assert me.json()["id_number_masked"] != reader["id_number"] and "*" in me.json()["id_number_masked"]


def test_a_wrong_password_and_an_unknown_number_get_the_same_answer(api, reader):
    wrong_password = log_in(api, reader, password="Nope9999")
    unknown = api.post("/v1/sessions", {"id_number": "A123456789", "password": "Read2026"})

    assert wrong_password.status == unknown.status == 401
    assert wrong_password.json()["detail"] == unknown.json()["detail"]


@pytest.mark.parametrize("known", [True, False])
def test_five_failures_lock_the_account_whether_or_not_it_exists(api, reader, known):
    target = reader if known else {**reader, "id_number": "B123456780"}
    statuses = [log_in(api, target, password="Wrong000").status for _ in range(5)]
    locked = log_in(api, target)

    assert statuses == [401] * 5
    assert locked.status == 429 and int(locked.header("Retry-After")) > 800


def test_the_lock_lifts_after_fifteen_minutes(api, aws, reader):
    for _ in range(5):
        log_in(api, reader, password="Wrong000")
    from onecard import wiring
    from onecard.registration.service import identity_index

    account = identity_index(wiring.keyring().blind_index_key(), reader["id_number"])
    import time

    assert wiring.lockout().locked_for(account, int(time.time()) + 15 * 60 + 1) == 0


def test_logout_revokes_the_session(api, reader):
    token = log_in(api, reader).json()
    assert api.delete("/v1/sessions/current", headers={"X-CSRF-Token": token["csrf_token"]}).status == 204

    assert api.get("/v1/readers/me").status == 401


def test_a_cookie_authenticated_change_without_the_csrf_token_is_forbidden(api, reader):
    log_in(api, reader)

    assert api.delete("/v1/sessions/current").status == 403
    assert api.get("/v1/readers/me").status == 200


def test_api_clients_may_use_the_token_as_a_bearer(api, reader):
    log_in(api, reader)
    token = api.cookies.pop("onecard_session")

    assert api.get("/v1/readers/me").status == 401
    assert api.get("/v1/readers/me", headers={"Authorization": f"Bearer {token}"}).status == 200
    assert api.delete("/v1/sessions/current", headers={"Authorization": f"Bearer {token}"}).status == 204


def test_an_idle_session_expires_after_thirty_minutes_and_any_after_twelve_hours(aws, api, reader):
    log_in(api, reader)
    token = api.cookies["onecard_session"]
    import time

    from onecard import wiring

    store, now = wiring.session_store(), int(time.time())
    assert store.find(token, now + 29 * 60) is not None
    assert store.find(token, now + 29 * 60 + 31 * 60) is None
    for minute in range(20, 12 * 60, 20):
        assert store.find(token, now + minute * 60) is not None
    assert store.find(token, now + 12 * 3600 + 1) is None


def test_one_readers_session_only_ever_shows_that_reader(api, reader):
    other = personal_application(solved_captcha(api), password="Other111", password_confirm="Other111")
    other_id = api.post("/v1/readers", other).json()["reader_id"]
    log_in(api, reader)
    mine = api.get("/v1/readers/me").json()
    api.cookies.clear()
    api.post("/v1/sessions", {"id_number": other["id_number"], "password": "Other111"})

    theirs = api.get("/v1/readers/me").json()
    assert mine["reader_id"] == reader["reader_id"] and theirs["reader_id"] == other_id


def _start_of_a_quiet_minute() -> None:
    """The per-address limit counts in whole minutes: start where the run cannot cross into the next one."""
    left = 60 - time.time() % 60
    if left < 25:
        time.sleep(left + 0.1)


def test_one_address_gets_sixty_login_attempts_a_minute_then_429_and_other_addresses_go_on(api):
    api.source_ip = "198.51.100.23"
    _start_of_a_quiet_minute()
    answers = [
        api.post("/v1/sessions", {"id_number": new_national_id(), "password": "Wrong2026"}).status for _ in range(60)
    ]
    over = api.post("/v1/sessions", {"id_number": new_national_id(), "password": "Wrong2026"})

    assert answers == [401] * 60
    assert over.status == 429 and int(over.header("Retry-After")) >= 1
    assert over.header("Content-Type").startswith("application/problem+json")
    api.source_ip = "198.51.100.24"
    assert api.post("/v1/sessions", {"id_number": new_national_id(), "password": "Wrong2026"}).status == 401


def test_simultaneous_logins_from_one_address_all_count_towards_its_sixty(api, monkeypatch):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from onecard.infra.login_records import LoginRecords
    from onecard.sessions import login
    from onecard.web import problems
    from register import session_routes

    address = "198.51.100.25"
    _start_of_a_quiet_minute()
    all_have_read, read = threading.Barrier(10, timeout=30), LoginRecords.by_identity

    def read_then_wait(self, identity, keys):
        found = read(self, identity, keys)
        all_have_read.wait()  # each read the address's counter before any counted
        return found

    monkeypatch.setattr(LoginRecords, "by_identity", read_then_wait)

    def attempt(_: int) -> int:
        try:
            login.login(
                login.Credentials("Wrong2026", id_number=new_national_id()), session_routes._login_dependencies(address)
            )
        except problems.Problem as refused:
            return refused.status
        return 201

    with ThreadPoolExecutor(max_workers=10) as threads:
        burst = list(threads.map(attempt, range(10)))
    monkeypatch.setattr(LoginRecords, "by_identity", read)
    api.source_ip = address
    after = [
        api.post("/v1/sessions", {"id_number": new_national_id(), "password": "Wrong2026"}).status for _ in range(51)
    ]

    assert burst == [401] * 10
    assert after == [401] * 50 + [429]


def _guard_of(aws, reader_id):
    readers = aws.resources.table_names["ReadersTable"]
    items = aws.client("dynamodb").scan(TableName=readers)["Items"]
    return next(i for i in items if i["pk"]["S"].startswith("IDENTITY#") and i["reader_id"]["S"] == reader_id)


def _profile_of(aws, reader_id):
    readers = aws.resources.table_names["ReadersTable"]
    key = {"pk": {"S": f"READER#{reader_id}"}, "sk": {"S": "PROFILE"}}
    return aws.client("dynamodb").get_item(TableName=readers, Key=key, ConsistentRead=True)["Item"]


def test_an_out_of_date_copy_of_the_password_hash_never_lets_an_old_password_in(api, aws, reader):
    from onecard.security.passwords import hash_password

    guard = _guard_of(aws, reader["reader_id"])
    assert guard["password_hash"] == _profile_of(aws, reader["reader_id"])["password_hash"]
    aws.client("dynamodb").update_item(  # as if the copy had missed a change of password
        TableName=aws.resources.table_names["ReadersTable"],
        Key={"pk": guard["pk"], "sk": guard["sk"]},
        UpdateExpression="SET password_hash = :old",
        ExpressionAttributeValues={":old": {"S": hash_password("Old12345")}},
    )

    assert log_in(api, reader, password="Old12345").status == 401
    assert log_in(api, reader).status == 201
    assert (
        _guard_of(aws, reader["reader_id"])["password_hash"] == _profile_of(aws, reader["reader_id"])["password_hash"]
    )


def test_a_wrong_password_leaves_no_session_behind(api, aws, reader):
    assert log_in(api, reader, password="Nope9999").status == 401

    readers = aws.resources.table_names["ReadersTable"]
    partition = aws.client("dynamodb").query(
        TableName=readers,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"READER#{reader['reader_id']}"}},
    )["Items"]
    assert [i["sk"]["S"] for i in partition if i["sk"]["S"].startswith("SESSION#")] == []


def test_a_changed_password_is_copied_to_the_identity_guard_in_the_same_write(api, aws, reader):
    csrf = log_in(api, reader).json()["csrf_token"]

    changed = api.put(
        "/v1/readers/me/password",
        {"current_password": "Read2026", "password": "Newer2027", "password_confirm": "Newer2027"},
        headers={"X-CSRF-Token": csrf},
    )

    assert changed.status == 204, changed.body
    assert (
        _guard_of(aws, reader["reader_id"])["password_hash"] == _profile_of(aws, reader["reader_id"])["password_hash"]
    )
    assert log_in(api, reader).status == 401
    assert log_in(api, reader, password="Newer2027").status == 201


def burst_of_logins(monkeypatch, id_number: str, passwords: list[str]) -> list[int]:
    """Logins that all read the lockout before any of them is counted (as a burst from many machines does)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from onecard.infra.login_records import LoginRecords
    from onecard.sessions import login
    from onecard.web import problems
    from register import session_routes

    all_have_read = threading.Barrier(len(passwords), timeout=30)
    read = LoginRecords.by_identity

    def read_then_wait(self, identity, keys):
        found = read(self, identity, keys)
        all_have_read.wait()
        return found

    monkeypatch.setattr(LoginRecords, "by_identity", read_then_wait)

    def attempt(number: int) -> int:
        credentials = login.Credentials(passwords[number], id_number=id_number)
        try:
            login.login(credentials, session_routes._login_dependencies(f"198.51.100.{number}"))
        except problems.Problem as refused:
            return refused.status
        return 201

    with ThreadPoolExecutor(max_workers=len(passwords)) as threads:
        return list(threads.map(attempt, range(len(passwords))))


def test_twenty_simultaneous_guesses_have_at_most_five_passwords_checked(api, reader, monkeypatch):
    from onecard.security import passwords
    from onecard.sessions import login

    checked: list[str] = []
    verify = passwords.verify_password

    def counted(stored: str, password: str) -> bool:
        checked.append(password)
        return verify(stored, password)

    monkeypatch.setattr(login, "verify_password", counted)

    answers = burst_of_logins(monkeypatch, reader["id_number"], [f"Guess{n:03d}" for n in range(20)])

    assert len(checked) <= 5, checked
    assert answers.count(401) == len(checked) and answers.count(429) == 20 - len(checked)


def test_guesses_counted_while_a_right_password_is_checked_stay_counted_after_it_logs_in(api, reader, monkeypatch):
    from onecard.security import passwords
    from onecard.sessions import login
    from onecard.web import problems
    from register import session_routes

    verify, meanwhile = passwords.verify_password, list[int]()

    def guessed_at_meanwhile(stored: str, password: str) -> bool:
        if password == reader["password"] and not meanwhile:
            for number in range(3):  # from other machines, while this check runs
                credentials = login.Credentials(f"Guess{number:03d}", id_number=reader["id_number"])
                with pytest.raises(problems.Problem) as refused:
                    login.login(credentials, session_routes._login_dependencies(f"203.0.113.{number + 1}"))
                meanwhile.append(refused.value.status)
        return verify(stored, password)

    monkeypatch.setattr(login, "verify_password", guessed_at_meanwhile)

    assert log_in(api, reader).status == 201
    assert meanwhile == [401, 401, 401]
    # The right password gave back only its own attempt: two more wrong ones fill the window.
    assert [log_in(api, reader, password="Wrong000").status for _ in range(2)] == [401, 401]
    assert log_in(api, reader).status == 429
