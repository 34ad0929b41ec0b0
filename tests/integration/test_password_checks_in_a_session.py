"""A password checked inside a session (change it, erase the account) counts towards the login's lockout, so a
stolen session cannot guess its way to the account."""

from __future__ import annotations

import pytest

from tests.integration.test_personal_data_api import register_and_log_in

WRONG_CHANGE = {"current_password": "Bad00000", "password": "New2026x", "password_confirm": "New2026x"}
RIGHT_CHANGE = {"current_password": "Read2026", "password": "New2026x", "password_confirm": "New2026x"}


def test_wrong_current_passwords_lock_the_account_and_then_even_the_right_one_is_refused(api):
    body, _, csrf = register_and_log_in(api)

    answers = [api.put("/v1/readers/me/password", WRONG_CHANGE, headers=csrf) for _ in range(6)]

    assert [a.status for a in answers[:5]] == [422] * 5
    assert answers[5].status == 429 and int(answers[5].header("Retry-After")) > 0
    assert api.put("/v1/readers/me/password", RIGHT_CHANGE, headers=csrf).status == 429
    # The lock is the login's: the account cannot be entered from anywhere either.
    api.cookies.clear()
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Read2026"}).status == 429


def test_wrong_passwords_at_erasure_lock_the_account_and_nothing_is_erased(api):
    body, _, csrf = register_and_log_in(api)

    answers = [api.post("/v1/readers/me/erasure", {"password": "Bad00000"}, headers=csrf) for _ in range(6)]

    assert [a.status for a in answers[:5]] == [401] * 5
    assert answers[5].status == 429
    assert api.post("/v1/readers/me/erasure", {"password": "Read2026"}, headers=csrf).status == 429
    assert api.get("/v1/readers/me").json()["name"] == body["name"]


@pytest.mark.parametrize("first", ["password", "erasure"])
def test_failures_inside_a_session_and_at_login_add_up_to_one_lockout(api, first):
    body, _, csrf = register_and_log_in(api)
    for _ in range(3):
        if first == "password":
            api.put("/v1/readers/me/password", WRONG_CHANGE, headers=csrf)
        else:
            api.post("/v1/readers/me/erasure", {"password": "Bad00000"}, headers=csrf)
    wrong_logins = [
        api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Bad00000"}).status for _ in range(3)
    ]

    assert wrong_logins == [401, 401, 429]


def test_the_right_current_password_clears_earlier_failures(api):
    _, _, csrf = register_and_log_in(api)
    for _ in range(4):
        api.put("/v1/readers/me/password", WRONG_CHANGE, headers=csrf)

    assert api.put("/v1/readers/me/password", RIGHT_CHANGE, headers=csrf).status == 204
    again = {"current_password": "New2026x", "password": "Read2027", "password_confirm": "Read2027"}
    wrong = {**again, "current_password": "Bad00000"}
    assert [api.put("/v1/readers/me/password", wrong, headers=csrf).status for _ in range(4)] == [422] * 4
