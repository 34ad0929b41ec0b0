"""New cards through the real door: the Koha REST adapter, the simulated library system behind it, and SIP2 to check
what a self-checkout would see."""

from __future__ import annotations

import pytest

from tests.support.library_cards import deliver_library_cards
from tests.support.library_system import sip2_door
from tests.support.lifecycle import OPERATOR_TOKEN, STAFF, apply, mail_to, token_in, unique_person


@pytest.fixture(autouse=True)
def quick_retries(aws, monkeypatch):
    from onecard import wiring

    monkeypatch.setenv("LINK_RETRY_BASE_SECONDS", "0")
    wiring.reset()


def sip2(library):
    return sip2_door(library, timeout=2, **library.extension_fields)


def held(library, id_number: str) -> list[dict]:
    return [p for p in library.patrons() if p["id_number"] == id_number]


def test_apply_verify_activate_then_sip2_knows_the_card_with_the_registered_password(
    api, aws, staff, library, read_mail
):
    from onecard.ils import CardStatus

    body, accepted = apply(
        api, email="card.new@example.com", password="Stacks2026", password_confirm="Stacks2026", **unique_person()
    )
    token = token_in(mail_to(read_mail, "card.new@example.com")[0])
    assert api.post("/v1/email-verifications", {"token": token}).status == 200
    deliver_library_cards(aws)

    [provisional] = held(library, body["id_number"])
    assert provisional["category_id"] == "WEBREG" and provisional["has_password"]
    assert sip2(library).check_password(body["id_number"], "Stacks2026").patron.card_status is CardStatus.BLOCKED

    activated = staff.as_staff(OPERATOR_TOKEN).post(
        f"/v1/staff/readers/{accepted['reader_id']}/activation",
        {"card_barcode": "TP31000001", "document_checked": "national_id_card"},
    )
    assert activated.status == 200
    deliver_library_cards(aws)

    check = sip2(library).check_password("TP31000001", "Stacks2026")
    assert check.patron_valid and check.password_valid
    assert check.patron.card_status is CardStatus.VALID  # charge privileges allowed
    [full] = held(library, body["id_number"])
    assert full["category_id"] == "PT" and full["barcode"] == "TP31000001" and full["card_expires"]
    lookup = staff.get(
        "/v1/staff/applications", query={"id_type": "national_id", "id_number": body["id_number"]}, headers=STAFF
    ).json()["library_system"]
    assert lookup["state"] == "held" and lookup["category"] == "full"


def test_a_password_changed_at_a_library_counter_works_here_at_once_and_the_old_one_stops(api, aws, staff, library):
    body, _ = apply(api, email=None, password="Before2026", password_confirm="Before2026", **unique_person())
    deliver_library_cards(aws)
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Before2026"}).status == 201

    library.change_patron(body["id_number"], password="AfterMay77")
    api.cookies.clear()

    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Before2026"}).status == 401
    api.cookies.clear()
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "AfterMay77"}).status == 201


def test_a_barcode_the_library_system_holds_found_only_after_an_offline_activation_is_shown_refused_at_the_counter(
    api, aws, staff, library
):
    body, accepted = apply(api, email=None, **unique_person())
    deliver_library_cards(aws)
    library.set_faults(down=True)

    taken = staff.as_staff(OPERATOR_TOKEN).post(
        f"/v1/staff/readers/{accepted['reader_id']}/activation",
        {"card_barcode": "TP90000001", "document_checked": "national_id_card"},  # 陳大文's card
    )
    assert taken.status == 200  # the library system cannot say now: the counter is not stopped
    library.set_faults()
    deliver_library_cards(aws, wait_seconds=5)

    status = staff.get(
        "/v1/staff/applications", query={"id_type": "national_id", "id_number": body["id_number"]}, headers=STAFF
    ).json()["library_system"]
    assert status["state"] == "refused" and status["reason"] == "cardnumber" and "條碼" in status["words"]
    assert [p["barcode"] for p in held(library, body["id_number"])] == [None]  # still provisional, no card


def test_a_minors_family_card_carries_its_household_and_guardian_as_far_as_the_library_system_has_fields(
    api, aws, library
):
    from tests.integration.test_family_and_minor_applications import GUARDIAN, TAIPEI_HOME, born_years_ago
    from tests.support.applications import personal_application
    from tests.support.captcha import solved_captcha

    body = personal_application(
        solved_captcha(api),
        card_type="family",
        email=None,
        birth_date=born_years_ago(12),
        occupation="child",
        education="primary",
        guardian=GUARDIAN,
        mailing_address=TAIPEI_HOME,
        household={"register_number": "B7654321", "head_name": "林爸爸", "head_id_number": "A123456789"},
        **unique_person(),
    )
    assert api.post("/v1/readers", body).status == 201
    deliver_library_cards(aws)

    with library.locked_store() as patrons:
        [patron] = [p for p in patrons.values() if p.id_number == body["id_number"]]
        notes, address, city = patron.staff_notes, patron.address, patron.city
    assert notes == "家庭證 戶號 B7654321 戶長 林爸爸；法定代理人 林爸爸（父）+886922333444"
    assert "A123456789" not in (notes or "")  # the guardian's and the head's ID numbers stay sealed here
    assert (address, city) == ("大安區建國南路二段 125 號", "臺北市")


def test_a_provisional_patrons_login_takes_no_card_from_the_library_system_and_no_id_number_as_a_barcode(
    api, aws, library
):
    body, _ = apply(api, email=None, **unique_person())
    deliver_library_cards(aws)

    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).status == 201

    me = api.get("/v1/readers/me").json()
    assert me["status"] == "pending_verification" and not me.get("card_barcode")
    stored = aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"]
    assert body["id_number"] not in str(stored)  # never in clear, not even as a card barcode


def change_password_here(api, body, new: str) -> None:
    from tests.support.lifecycle import log_in

    headers = log_in(api, body)
    changed = api.put(
        "/v1/readers/me/password",
        {"current_password": body["password"], "password": new, "password_confirm": new},
        headers=headers,
    )
    assert changed.status == 204, changed.body
    api.cookies.clear()


def only_the_new_password_opens_the_card(library, body, new: str) -> None:
    door = sip2(library)
    assert door.check_password(body["id_number"], new).password_valid
    assert not door.check_password(body["id_number"], body["password"]).password_valid


def test_a_password_changed_before_the_email_is_verified_is_the_one_the_library_system_gets(
    api, aws, library, read_mail
):
    body, _ = apply(api, email="change.early@example.com", **unique_person())
    change_password_here(api, body, "Chgd2026")

    token = token_in(mail_to(read_mail, "change.early@example.com")[0])
    assert api.post("/v1/email-verifications", {"token": token}).status == 200
    deliver_library_cards(aws)

    only_the_new_password_opens_the_card(library, body, "Chgd2026")
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Chgd2026"}).status == 201
    api.cookies.clear()
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).status == 401


def test_a_password_changed_while_the_create_waits_is_the_one_the_first_delivery_carries(api, aws, library):
    body, _ = apply(api, email=None, **unique_person())  # no address to verify: the create is queued at once
    change_password_here(api, body, "Wait2026")

    deliver_library_cards(aws)

    only_the_new_password_opens_the_card(library, body, "Wait2026")
    api.cookies.clear()
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).status == 401


def test_a_forgotten_password_set_while_the_create_waits_is_the_one_the_first_delivery_carries(
    api, aws, library, read_mail
):
    body, _ = apply(api, email="reset.early@example.com", **unique_person())
    token = token_in(mail_to(read_mail, "reset.early@example.com")[0])
    assert api.post("/v1/email-verifications", {"token": token}).status == 200  # the create now waits
    assert api.post("/v1/password-resets", {"id_number": body["id_number"]}).status == 202
    [mail] = [m for m in mail_to(read_mail, "reset.early@example.com") if "重設" in m["subject"]]
    done = api.post(f"/v1/password-resets/{token_in(mail)}", {"password": "Reset2026", "password_confirm": "Reset2026"})
    assert done.status == 200, done.body

    deliver_library_cards(aws)

    only_the_new_password_opens_the_card(library, body, "Reset2026")


def test_a_login_while_the_password_is_handed_to_the_library_system_is_let_in_by_the_library_system(
    api, aws, library, monkeypatch
):
    from onecard.sessions import login

    body, _ = apply(api, email=None, password="Handed2026", password_confirm="Handed2026", **unique_person())
    checked_here = login.verify_password

    def check_while_the_password_is_delivered(stored: str, password: str) -> bool:
        right = checked_here(stored, password)
        deliver_library_cards(aws)  # the library system receives the password, and the hash here goes
        return right

    monkeypatch.setattr(login, "verify_password", check_while_the_password_is_delivered)
    answer = api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Handed2026"})

    assert answer.status == 201, answer.body
    assert sip2(library).check_password(body["id_number"], "Handed2026").password_valid
