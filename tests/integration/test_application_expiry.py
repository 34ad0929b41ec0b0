"""Expiry of applications not activated in time, run as operators do (scripts/expire_applications.py --date)."""

from __future__ import annotations

import datetime as dt
import json
import runpy

from onecard.domain.people import TAIPEI
from tests.support.lifecycle import STAFF, apply, log_in, mail_to, unique_person


def expire_on(day: dt.date, capsys) -> dict:
    module = runpy.run_path("scripts/expire_applications.py", run_name="not_main")
    capsys.readouterr()
    assert module["main"](["--date", day.isoformat()]) == 0
    return json.loads(capsys.readouterr().out)


def applied_on() -> dt.date:
    return dt.datetime.now(TAIPEI).date()


def every_item(aws) -> str:
    items = []
    for table in aws.resources.table_names.values():
        items += aws.client("dynamodb").scan(TableName=table)["Items"]
    return json.dumps(items, ensure_ascii=False)


def mentions_of(aws, reader_id: str) -> set[str]:
    """The tables in which any item still names the reader."""
    return {
        name
        for name, table in aws.resources.table_names.items()
        if reader_id in json.dumps(aws.client("dynamodb").scan(TableName=table)["Items"])
    }


def linked_application(api, read_mail, email: str) -> tuple[dict, dict]:
    partners = [
        {"partner": p, "document_sha256": api.get(f"/v1/consent-documents/{p}").json()["sha256"]}
        for p in ("ntpc", "klcpl")
    ]
    person = unique_person()
    return apply(
        api,
        email=email,
        mobile="0933222111",
        partners=partners,
        mailing_address={"city": "臺北市", "district": "大安區", "street": "建國南路二段 125 號"},
        **person,
    )


def test_at_day_29_the_application_is_kept_and_reminded_once(api, aws, read_mail, capsys):
    body, accepted = apply(api, email="remind.me@example.com", **unique_person())

    report = expire_on(applied_on() + dt.timedelta(days=29), capsys)
    again = expire_on(applied_on() + dt.timedelta(days=29), capsys)

    assert report["expired"] == [] and report["reminded"] == [accepted["reader_id"]] and again["reminded"] == []
    [reminder] = [m for m in mail_to(read_mail, "remind.me@example.com") if "請於期限前至櫃檯完成辦證" in m["subject"]]
    assert accepted["verify_by"] in reminder["text"]
    log_in(api, body)
    assert api.get("/v1/readers/me").json()["status"] == "pending_verification"


def test_no_reminder_earlier_than_7_days_before_the_deadline(api, aws, read_mail, capsys):
    _, accepted = apply(api, email="not.yet@example.com", **unique_person())

    assert expire_on(applied_on() + dt.timedelta(days=22), capsys)["reminded"] == []
    assert expire_on(applied_on() + dt.timedelta(days=23), capsys)["reminded"] == [accepted["reader_id"]]


def test_at_day_31_every_personal_item_goes_partners_are_told_the_chain_verifies_and_the_person_may_apply_again(
    api, aws, read_mail, capsys
):
    from onecard import wiring
    from onecard.consent.receipts import verify_chain

    body, accepted = linked_application(api, read_mail, "expire.me@example.com")
    reader_id = accepted["reader_id"]
    log_in(api, body)  # a live session, which must go too
    session_cookie = dict(api.cookies)

    report = expire_on(applied_on() + dt.timedelta(days=31), capsys)

    # Its links waited for the counter's identity check, so no partner ever heard of it and none is told now.
    assert report["expired"] == [reader_id] and report["partners_told"] == 0
    stored = every_item(aws)
    for personal in (
        body["name"],
        "expire.me@example.com",
        "933222111",
        "建國南路",
        "argon2id",
        body["id_number"],
        "id_number_encrypted",
    ):
        assert personal not in stored
    assert mentions_of(aws, reader_id) == {"ConsentTable"}  # the receipt chain, kept on purpose
    receipts = wiring.consent().receipts(reader_id, newest_first=False)
    assert [r["decision"] for r in receipts] == ["agree", "agree", "withdraw", "withdraw"]
    assert verify_chain(receipts, wiring.consent().head_record(reader_id)).valid
    api.cookies.clear()
    api.cookies.update(session_cookie)
    assert api.get("/v1/readers/me").status == 401
    api.cookies.clear()
    _, again = apply(api, id_number=body["id_number"], name=body["name"], email="expire.me@example.com")
    assert again["reader_id"] != reader_id and again["status"] == "pending_verification"


def test_an_expired_application_cannot_be_activated(api, staff, read_mail, capsys):
    _, accepted = apply(api, **unique_person())
    expire_on(applied_on() + dt.timedelta(days=31), capsys)

    answer = staff.post(
        f"/v1/staff/readers/{accepted['reader_id']}/activation",
        {"card_barcode": "TP60000001", "document_checked": "national_id_card", "branch": "ZH01", "staff_id": "S1"},
        headers=STAFF,
    )

    assert answer.status == 409 and answer.json()["code"] == "already_expired"


def test_an_activated_card_does_not_expire(api, staff, read_mail, capsys):
    body, accepted = apply(api, **unique_person())
    assert (
        staff.post(
            f"/v1/staff/readers/{accepted['reader_id']}/activation",
            {"card_barcode": "TP70000001", "document_checked": "national_id_card", "branch": "ZH01", "staff_id": "S1"},
            headers=STAFF,
        ).status
        == 200
    )

    report = expire_on(applied_on() + dt.timedelta(days=31), capsys)

    assert report["expired"] == []
    log_in(api, body)
    assert api.get("/v1/readers/me").json()["status"] == "active"


def test_the_daily_function_runs_the_same_expiry(aws, api, read_mail):
    _, _accepted = apply(api, **unique_person())

    summary = aws.invoke("ExpiryFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})

    assert summary["expired"] == 0 and summary["day"] == applied_on().isoformat()


def test_the_deadline_day_itself_still_counts_and_the_next_day_expires(api, read_mail, capsys):
    _, accepted = apply(api, **unique_person())
    deadline = dt.date.fromisoformat(accepted["verify_by"])

    on_the_day = expire_on(deadline, capsys)
    day_after = expire_on(deadline + dt.timedelta(days=1), capsys)

    assert on_the_day["expired"] == [] and day_after["expired"] == [accepted["reader_id"]]


def test_an_application_past_its_deadline_is_refused_at_the_counter_before_the_daily_expiry_runs(aws, api, staff):
    _, accepted = apply(api, **unique_person())
    yesterday = (applied_on() - dt.timedelta(days=1)).isoformat()
    aws.client("dynamodb").update_item(  # as if it had been sent 31 days ago and the expiry had not run yet
        TableName=aws.resources.table_names["ReadersTable"],
        Key={"pk": {"S": f"READER#{accepted['reader_id']}"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET verify_by = :day",
        ExpressionAttributeValues={":day": {"S": yesterday}},
    )

    answer = staff.post(
        f"/v1/staff/readers/{accepted['reader_id']}/activation",
        {"card_barcode": "TP60000002", "document_checked": "national_id_card", "branch": "ZH01"},
        headers=STAFF,
    )

    assert answer.status == 409 and answer.json()["code"] == "already_expired"
    profile = aws.client("dynamodb").get_item(
        TableName=aws.resources.table_names["ReadersTable"],
        Key={"pk": {"S": f"READER#{accepted['reader_id']}"}, "sk": {"S": "PROFILE"}},
    )["Item"]
    assert profile["status"]["S"] == "pending_verification" and "card_barcode" not in profile
