"""Card holders manage their own record in the library system from 個人書房: the password is checked and set there,
contact corrections are written there first, the erasure asks it to delete the patron, and the copy of their data
holds what it holds. An unreachable library system is a 503 with nothing changed."""

from __future__ import annotations

import json

from tests.support.flows import relay_outbox
from tests.support.library_cards import deliver_library_cards

CHEN = {"id_number": "F131104093", "password": "tpml2024"}
WANG = {"id_number": "A234567893", "password": "book5678"}


def login(api, holder, password=None):
    api.cookies.clear()
    answer = api.post("/v1/sessions", {"id_number": holder["id_number"], "password": password or holder["password"]})
    return answer


def csrf(answer) -> dict[str, str]:
    assert answer.status == 201, answer.body
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def change(api, headers, current, new, confirm=None):
    body = {"current_password": current, "password": new, "password_confirm": confirm or new}
    return api.put("/v1/readers/me/password", body, headers=headers)


def patron(library, barcode):
    return next(p for p in library.patrons() if p["barcode"] == barcode)


def test_a_card_holders_new_password_is_set_in_the_library_system_and_the_old_one_stops(api, library):
    headers = csrf(login(api, CHEN))

    answer = change(api, headers, "tpml2024", "shelf2026")

    assert answer.status == 204, answer.body
    assert login(api, CHEN, "shelf2026").status == 201
    assert login(api, CHEN).status == 401


def test_the_library_systems_policy_refusal_is_shown_in_words_on_the_field(api, library):
    headers = csrf(login(api, CHEN))

    answer = change(api, headers, "tpml2024", "bookshelf")

    assert answer.status == 422
    [issue] = answer.json()["errors"]
    assert issue["field"] == "password" and "英文字母與數字" in issue["message"]
    assert login(api, CHEN).status == 201  # unchanged


def test_a_wrong_current_password_is_refused_and_counted_by_the_lockout(api, library):
    headers = csrf(login(api, CHEN))
    checks_before = len(library.password_checks)

    answer = change(api, headers, "wrong000", "shelf2026")

    assert answer.status == 422 and answer.json()["errors"][0]["field"] == "current_password"
    assert len(library.password_checks) == checks_before + 1
    assert login(api, CHEN).status == 201


def test_an_unreachable_library_system_changes_nothing_and_says_when_to_try_again(api, library):
    headers = csrf(login(api, CHEN))
    library.set_faults(down=True)

    answer = change(api, headers, "tpml2024", "shelf2026")

    library.set_faults()
    assert answer.status == 503 and answer.header("Retry-After")
    assert login(api, CHEN).status == 201


def test_a_correction_is_written_to_the_library_system_first_and_mirrored_here(api, library):
    headers = csrf(login(api, CHEN))
    mailing = {"city": "臺北市", "district": "中正區", "street": "中山南路1號"}

    answer = api.patch(
        "/v1/readers/me",
        {"email": "chen@example.com", "mobile": "0922333444", "mailing_address": mailing},
        headers=headers,
    )

    assert answer.status == 200, answer.body
    held = patron(library, "TP90000001")
    assert (held["email"], held["mobile"], held["name"]) == ("chen@example.com", "0922333444", "陳大文")
    me = api.get("/v1/readers/me").json()
    assert me["email"] == "chen@example.com" and me["email_verified"] is False
    assert me["mobile"] == "+886922333444" and me["mailing_address"]["district"] == "中正區"

    login(api, CHEN)  # the next login's record from the library system keeps the correction
    again = api.get("/v1/readers/me").json()
    assert (again["email"], again["mobile"]) == ("chen@example.com", "+886922333444")


def test_a_change_made_at_the_library_flows_back_at_the_next_login(api, library):
    csrf(login(api, WANG))
    library.change_patron("TP90000002", email="wang.new@example.com")

    login(api, WANG)

    assert api.get("/v1/readers/me").json()["email"] == "wang.new@example.com"


def test_phones_changed_at_a_counter_after_a_correction_here_show_after_the_next_login(api, aws, library):
    headers = csrf(login(api, CHEN))
    corrected = api.patch("/v1/readers/me", {"mobile": "0922333444", "phone_home": "02-27201234"}, headers=headers)
    assert corrected.status == 200, corrected.body
    library.change_patron("TP90000001", mobile="0933444555", phone="02-23456789")  # SIP2 shows only the second

    csrf(login(api, CHEN))
    deliver_library_cards(aws)  # the record read the login queued

    me = api.get("/v1/readers/me").json()
    assert (me["mobile"], me["phone_home"]) == ("+886933444555", "+886-2-23456789")
    trail = api.get("/v1/readers/me/export").json()["audit_trail"]
    taken = {
        e["field"] for e in trail if e["action"] == "refreshed_from_library_system" and e["by"] == "library_system"
    }
    assert {"mobile", "phone_home"} <= taken


def test_a_correction_made_here_while_the_record_was_being_read_is_kept(api, aws, library, monkeypatch):
    from onecard import wiring

    headers = csrf(login(api, CHEN))
    assert api.patch("/v1/readers/me", {"mobile": "0922333444"}, headers=headers).status == 200
    library.change_patron("TP90000001", mobile="0933444555")
    headers = csrf(login(api, CHEN))
    door = wiring.patron_records()
    assert door is not None
    read = door.get_patron

    def corrected_right_after_the_read(patron_id):
        stored = read(patron_id)  # still the counter's number
        assert api.patch("/v1/readers/me", {"mobile": "0944555666"}, headers=headers).status == 200
        return stored

    monkeypatch.setattr(door, "get_patron", corrected_right_after_the_read)
    deliver_library_cards(aws)

    assert api.get("/v1/readers/me").json()["mobile"] == "+886944555666"
    assert patron(library, "TP90000001")["mobile"] == "0944555666"


def test_a_card_holder_who_never_corrected_anything_costs_the_login_no_record_read(api, aws, library):
    csrf(login(api, WANG))

    assert deliver_library_cards(aws) == []


def test_a_card_holder_may_correct_only_contact_data_and_is_told_so_in_words(api, library):
    headers = csrf(login(api, CHEN))

    answer = api.patch("/v1/readers/me", {"occupation": "student", "name": "陳小文"}, headers=headers)

    assert answer.status == 422
    issues = {issue["field"]: issue["message"] for issue in answer.json()["errors"]}
    assert set(issues) == {"occupation", "name"} and "櫃檯" in issues["occupation"]
    assert "student" not in json.dumps(answer.json(), ensure_ascii=False)


def test_a_correction_the_library_system_cannot_take_now_changes_nothing_here(api, library):
    headers = csrf(login(api, CHEN))
    library.set_faults(down=True)

    answer = api.patch("/v1/readers/me", {"email": "chen@example.com"}, headers=headers)

    library.set_faults()
    assert answer.status == 503
    assert api.get("/v1/readers/me").json()["email"] is None


def test_an_erasure_is_refused_while_a_loan_is_out_and_done_once_it_is_returned(api, aws, library):
    headers = csrf(login(api, CHEN))
    library.change_patron("TP90000001", checkouts=1)

    refused = api.post("/v1/readers/me/erasure", {"password": "tpml2024"}, headers=headers)

    assert refused.status == 409 and "歸還" in refused.json()["detail"]
    assert api.get("/v1/readers/me").status == 200
    assert any(p["barcode"] == "TP90000001" for p in library.patrons())
    receipts = api.get("/v1/readers/me/consents").json()["receipts"]
    assert [r["decision"] for r in receipts][:2] == ["erasure_refused", "erasure_requested"]

    library.change_patron("TP90000001", checkouts=0)
    done = api.post("/v1/readers/me/erasure", {"password": "tpml2024"}, headers=headers)
    relay_outbox(aws)

    assert done.status == 202
    assert not any(p["barcode"] == "TP90000001" for p in library.patrons())
    assert login(api, CHEN).status == 401


def test_an_erasure_the_library_system_cannot_be_asked_about_now_changes_nothing(api, library):
    headers = csrf(login(api, CHEN))
    library.set_faults(down=True)

    answer = api.post("/v1/readers/me/erasure", {"password": "tpml2024"}, headers=headers)

    library.set_faults()
    assert answer.status == 503 and answer.header("Retry-After")
    assert api.get("/v1/readers/me").status == 200
    assert api.get("/v1/readers/me/consents").json()["receipts"] == []


def test_the_copy_of_a_card_holders_data_holds_what_the_library_system_holds(api, library):
    csrf(login(api, CHEN))

    copy = api.get("/v1/readers/me/export").json()

    assert copy["library_system"]["cardnumber"] == "TP90000001"
    assert copy["library_system"]["surname"] == "陳"


def verified_card_holder(api, read_mail, holder, address):
    """A card holder who verified their e-mail address in 個人書房 (the library system's one is not verified here)."""
    from tests.support.lifecycle import mail_to, token_in

    headers = csrf(login(api, holder))
    assert api.post("/v1/readers/me/email-verification", headers=headers).status == 202
    link = next(m for m in mail_to(read_mail, address) if "token=" in m["text"])
    assert api.post("/v1/email-verifications", {"token": token_in(link)}).status == 200
    api.cookies.clear()


def reset_token(read_mail, address):
    from tests.support.lifecycle import mail_to, token_in

    [message] = [m for m in mail_to(read_mail, address) if "重設" in m["subject"]]
    return token_in(message)


def test_forgotten_password_of_a_card_holder_with_a_verified_address_is_set_in_the_library_system(
    api, read_mail, library
):
    verified_card_holder(api, read_mail, WANG, "wang@example.com")

    asked = api.post("/v1/password-resets", {"card_barcode": "TP90000002"})
    token = reset_token(read_mail, "wang@example.com")
    weak = api.post(f"/v1/password-resets/{token}", {"password": "bookshelf", "password_confirm": "bookshelf"})
    done = api.post(f"/v1/password-resets/{token}", {"password": "reset2026", "password_confirm": "reset2026"})

    assert asked.status == 202 and asked.json() == {"accepted": True, "valid_minutes": 30}
    assert weak.status == 422 and "英文字母與數字" in weak.json()["errors"][0]["message"]
    assert done.status == 200, done.body
    assert login(api, WANG, "reset2026").status == 201
    assert login(api, WANG).status == 401


def test_forgotten_password_without_the_rest_door_mails_a_card_holder_nothing(api, read_mail, library, monkeypatch):
    from onecard import wiring

    verified_card_holder(api, read_mail, WANG, "wang@example.com")
    monkeypatch.setenv("ILS_REST_BASE_URL", "")
    wiring.reset()

    assert api.post("/v1/password-resets", {"card_barcode": "TP90000002"}).status == 202
    from tests.support.lifecycle import mail_to

    assert not [m for m in mail_to(read_mail, "wang@example.com") if "重設" in m["subject"]]


def test_a_choice_outside_the_list_is_refused_without_showing_the_codes(api, library):
    headers = csrf(login(api, WANG))

    answer = api.patch("/v1/readers/me", {"occupation": "astronaut"}, headers=headers)

    assert answer.status == 422
    assert "agriculture" not in json.dumps(answer.json()) and "student" not in json.dumps(answer.json())


def test_forgotten_password_with_the_rest_client_not_set_answers_as_for_anyone_and_mails_nothing(
    api, aws, read_mail, library
):
    from onecard import wiring
    from tests.support.lifecycle import mail_to

    verified_card_holder(api, read_mail, WANG, "wang@example.com")
    aws.client("secretsmanager").put_secret_value(
        SecretId=aws.resources.secret_ids["IlsRestClientSecret"], SecretString="UNSET"
    )
    wiring.reset()

    answer = api.post("/v1/password-resets", {"card_barcode": "TP90000002"})

    assert answer.status == 202 and answer.json() == {"accepted": True, "valid_minutes": 30}
    assert not [m for m in mail_to(read_mail, "wang@example.com") if "重設" in m["subject"]]
