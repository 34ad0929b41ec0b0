"""Notices by mail: written in the transaction of the change they tell of, relayed from the outbox; one message per
event to a verified address, none to an unverified one; links and consent revisions can be turned off, security
notices cannot."""

from __future__ import annotations

import time

from tests.support.lifecycle import activate, apply, log_in, mail_to, token_in, unique_person


def verified(api, read_mail, address: str, **changes) -> tuple[dict, dict, dict]:
    """An applicant whose address is verified, logged in: (application, accepted, csrf headers)."""
    body, accepted = apply(api, email=address, **{**unique_person(), **changes})
    assert api.post("/v1/email-verifications", {"token": token_in(mail_to(read_mail, address)[0])}).status == 200
    return body, accepted, log_in(api, body)


def notices_to(read_mail, address: str, word: str) -> list[dict]:
    return [m for m in mail_to(read_mail, address) if word in m["subject"]]


def put_link(aws, reader_id: str, partner: str, request_id: str) -> None:
    aws.client("dynamodb").put_item(
        TableName=aws.resources.table_names["ReadersTable"],
        Item={
            "pk": {"S": f"READER#{reader_id}"},
            "sk": {"S": f"LINK#{partner}"},
            "partner": {"S": partner},
            "request_id": {"S": request_id},
            "status": {"S": "pending"},
            "status_at": {"N": "0"},
        },
    )


def test_a_link_that_becomes_active_is_rejected_or_fails_mails_once_each_even_when_answered_again(api, aws, read_mail):
    from onecard import wiring

    _, accepted, _ = verified(api, read_mail, "links@example.com")
    reader = accepted["reader_id"]
    for partner, request_id in (("ntpc", "LR-A"), ("klcpl", "LR-B"), ("taipei-card", "LR-C")):
        put_link(aws, reader, partner, request_id)
    status = wiring.link_status()
    now = int(time.time() * 1000)

    status.set(reader, "ntpc", "LR-A", "active", now, partner_card_number="N1")
    status.set(reader, "ntpc", "LR-A", "active", now + 1, partner_card_number="N1")  # delivered again
    status.set(reader, "klcpl", "LR-B", "rejected", now, reason="已持有本館有效借閱證")
    for attempt in range(3):  # a failure recorded on each retry past the budget
        status.set(reader, "taipei-card", "LR-C", "failed", now + attempt, reason="合作館暫時無法回應 (timeout)")

    assert len(notices_to(read_mail, "links@example.com", "新北市立圖書館")) == 1
    [refused] = notices_to(read_mail, "links@example.com", "基隆市公共圖書館")
    assert "已持有本館有效借閱證" in refused["text"] and "/me" in refused["text"]
    assert len(notices_to(read_mail, "links@example.com", "臺北卡")) == 1
    assert status.links(reader) and {link["status"] for link in status.links(reader)} == {
        "active",
        "rejected",
        "failed",
    }


def test_an_unverified_address_gets_no_notice(api, aws, read_mail):
    from onecard import wiring

    body, accepted = apply(api, email="unverified.links@example.com", **unique_person())
    put_link(aws, accepted["reader_id"], "ntpc", "LR-U")
    wiring.link_status().set(accepted["reader_id"], "ntpc", "LR-U", "active", int(time.time() * 1000))
    csrf = log_in(api, body)
    assert api.patch("/v1/readers/me", {"occupation": "student"}, headers=csrf).status == 200

    assert [m["subject"] for m in mail_to(read_mail, "unverified.links@example.com")] == [
        m["subject"] for m in mail_to(read_mail, "unverified.links@example.com") if "驗證" in m["subject"]
    ]


def test_turning_link_notices_off_stops_them_but_not_the_security_ones(api, aws, read_mail):
    from onecard import wiring

    body, accepted, csrf = verified(api, read_mail, "quiet@example.com")
    answer = api.patch("/v1/readers/me", {"notices": {"links": False}}, headers=csrf)
    assert answer.status == 200 and answer.json()["notices"] == {"links": False, "consent_revisions": True}
    put_link(aws, accepted["reader_id"], "ntpc", "LR-Q")

    wiring.link_status().set(accepted["reader_id"], "ntpc", "LR-Q", "active", int(time.time() * 1000))
    assert (
        api.put(
            "/v1/readers/me/password",
            {"current_password": body["password"], "password": "Quiet2027", "password_confirm": "Quiet2027"},
            headers=csrf,
        ).status
        == 204
    )

    assert notices_to(read_mail, "quiet@example.com", "新北市立圖書館") == []
    [changed] = notices_to(read_mail, "quiet@example.com", "密碼已變更")
    assert body["id_number"] not in changed["text"] and "Quiet2027" not in changed["text"]


def test_a_correction_mails_one_security_notice_to_the_verified_address(api, read_mail):
    body, _, csrf = verified(api, read_mail, "corrected@example.com")

    assert api.patch("/v1/readers/me", {"occupation": "student"}, headers=csrf).status == 200

    [notice] = notices_to(read_mail, "corrected@example.com", "個人資料已更正")
    assert "若這不是您本人所為" in notice["text"] and "/me" in notice["text"]
    assert body["id_number"] not in notice["text"] and body["mailing_address"]["street"] not in notice["text"]


def test_an_erasure_mails_its_notice_to_the_address_captured_before_the_data_went(api, read_mail):
    body, _, csrf = verified(api, read_mail, "erased@example.com")

    assert api.post("/v1/readers/me/erasure", {"password": body["password"]}, headers=csrf).status == 202

    assert len(notices_to(read_mail, "erased@example.com", "刪除個人資料")) == 1


def test_an_activation_at_the_counter_welcomes_the_reader_with_the_barcode(api, read_mail):
    _, accepted, _ = verified(api, read_mail, "welcome@example.com")

    card = activate(api, accepted["reader_id"])

    [welcome] = notices_to(read_mail, "welcome@example.com", "歡迎")
    assert card["card_barcode"] in welcome["text"]


def test_a_consent_revision_is_mailed_once_when_first_shown_and_not_when_turned_off(api, read_mail, revise):
    sha = api.get("/v1/consent-documents/ntpc").json()["sha256"]
    partners = [{"partner": "ntpc", "document_sha256": sha}]
    quiet_body, _, quiet = verified(api, read_mail, "revised.quiet@example.com", partners=partners)
    assert api.patch("/v1/readers/me", {"notices": {"consent_revisions": False}}, headers=quiet).status == 200
    api.get("/v1/readers/me")  # the quiet reader sees the revision (below), and is not mailed
    verified(api, read_mail, "revised@example.com", partners=partners)
    revise()
    api.get("/v1/readers/me")
    api.get("/v1/readers/me")
    [revised] = notices_to(read_mail, "revised@example.com", "個資同意書已修訂")
    assert "新增傳送電子信箱以寄送到期通知" in revised["text"] and "/me" in revised["text"]

    api.cookies.clear()
    assert (
        api.post("/v1/sessions", {"id_number": quiet_body["id_number"], "password": quiet_body["password"]}).status
        == 201
    )
    assert api.get("/v1/readers/me").json()["consent_revisions"]
    assert notices_to(read_mail, "revised.quiet@example.com", "個資同意書已修訂") == []
