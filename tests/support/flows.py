"""Every route of the API, the outbox relay, the link worker and the daily expiry, walked as readers, partners and
counter staff would: the permissions test records each function's AWS calls along it, and the benchmark counts
each route's DynamoDB requests along it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.integration.test_partner_callbacks import send
from tests.support.applications import personal_application
from tests.support.captcha import solved_captcha
from tests.support.lifecycle import STAFF, activate, apply, log_in, mail_to, token_in, unique_person
from tests.support.recording_http import RecordingHttp


def _as_stream_record(table: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ap-northeast-1",
        "eventSourceARN": f"arn:aws:dynamodb:ap-northeast-1:123456789012:table/{table}/stream/1",
        "dynamodb": {
            "Keys": {"pk": item["pk"], "sk": item["sk"]},
            "NewImage": item,
            "SequenceNumber": "1",
            "SizeBytes": 1,
            "StreamViewType": "NEW_IMAGE",
        },
    }


def relay_outbox(aws, only_mail: bool = False) -> int:
    """What the readers table's stream brings the relay: every item still in the outbox (or only the mails)."""
    table = aws.resources.table_names["ReadersTable"]
    prefix = "OUTBOX#MAIL-" if only_mail else "OUTBOX#"
    waiting = [
        item for item in aws.client("dynamodb").scan(TableName=table)["Items"] if item["sk"]["S"].startswith(prefix)
    ]
    for item in waiting:
        aws.invoke("LinkOutboxRelayFunction", {"Records": [_as_stream_record(table, item)]})
    return len(waiting)


def relay_and_work(aws) -> list[str]:
    """The outbox items go through the relay (as a stream event) and the worker (as an SQS batch); their bodies."""
    relay_outbox(aws)
    sqs, url = aws.client("sqs"), aws.resources.queue_urls["LinkQueue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    assert messages, "the relay sent nothing to the link queue"
    work(aws, messages)
    return [m["Body"] for m in messages]


def sqs_records(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages received from the link queue as Lambda's SQS event source hands them to the worker."""
    return [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m["Attributes"],
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:LinkQueue",
            "awsRegion": "ap-northeast-1",
        }
        for m in messages
    ]


def work(aws, messages: list[dict[str, Any]]) -> None:
    aws.invoke("LinkWorkerFunction", {"Records": sqs_records(messages)})


def redeliver(aws, body: str) -> None:
    sqs, url = aws.client("sqs"), aws.resources.queue_urls["LinkQueue"]
    sqs.send_message(QueueUrl=url, MessageBody=body)
    work(aws, sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"])


def every_flow(api, aws, http: RecordingHttp) -> None:
    """Every route, the relay and the worker, with the answers that reach each function's writes."""
    sha = {p: api.get(f"/v1/consent-documents/{p}").json()["sha256"] for p in ("ntpc", "klcpl", "taipei-card")}
    body = personal_application(
        solved_captcha(api),
        password="Read2026",
        password_confirm="Read2026",
        partners=[{"partner": p, "document_sha256": sha[p]} for p in ("ntpc", "taipei-card")],
    )
    applied = api.post("/v1/readers", body)
    assert applied.status == 201
    activate(api, applied.json()["reader_id"])  # its links leave once a counter has checked the identity
    assert (
        api.get("/v1/readers/availability", query={"id_type": "national_id", "id_number": body["id_number"]}).status
        == 200
    )
    assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Wrong000"}).status == 401
    csrf = {
        "X-CSRF-Token": api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Read2026"}).json()[
            "csrf_token"
        ]
    }
    done = relay_and_work(aws)
    redeliver(aws, done[0])  # a duplicate delivery: the idempotency record answers
    http.next_statuses = [503, 503]  # the quick second try fails too
    redeliver(aws, done[0].replace(json.loads(done[0])["request_id"], "LR" + "0" * 20))  # an outage: backoff
    spent = {**json.loads(done[0]), "request_id": "LR" + "1" * 20, "first_sent_at": 1}
    dead_letters = aws.resources.queue_urls["LinkDeadLetterQueue"]
    for _ in range(5):  # a rate slot given up on a busy machine (its count took too long) puts it back: again
        http.next_statuses = [503, 503]
        redeliver(aws, json.dumps(spent))  # an outage past the time budget: failed and dead-lettered
        if (
            aws.client("sqs").get_queue_attributes(
                QueueUrl=dead_letters, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
            != "0"
        ):
            break
    assert api.get("/v1/readers/me").status == 200
    assert api.patch("/v1/readers/me", {"occupation": "student"}, headers=csrf).status == 200
    relay_and_work(aws)
    assert (
        api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha["klcpl"]}, headers=csrf).status
        == 202
    )
    pending = next(link for link in api.get("/v1/readers/me/links").json()["links"] if link["partner"] == "klcpl")
    secret = (
        aws.client("secretsmanager")
        .get_secret_value(SecretId=aws.resources.secret_ids["KlcplPartnerSecret"])["SecretString"]
        .encode()
    )
    links = aws.client("dynamodb").scan(TableName=aws.resources.table_names["ReadersTable"])["Items"]
    klcpl_request = next(i["request_id"]["S"] for i in links if i["sk"]["S"] == "LINK#klcpl")
    assert pending["status"] == "pending"
    assert send(api, "klcpl", {"event_id": "E1", "request_id": klcpl_request, "status": "active"}, secret).status == 204
    for partner in ("ntpc", "taipei-card"):  # a forged callback: the secret is read, the signature refused
        assert (
            send(api, partner, {"event_id": "E2", "request_id": klcpl_request, "status": "active"}, b"f" * 40).status
            == 401
        )
    assert api.get("/v1/readers/me/consents").status == 200
    receipts = api.get("/v1/readers/me/consents").json()["receipts"]
    assert api.get(f"/v1/readers/me/consents/{receipts[0]['receipt_id']}").status == 200
    assert (
        api.post(
            "/v1/readers/me/consents",
            {"partner": "ntpc", "document_sha256": sha["ntpc"], "decision": "decline"},
            headers=csrf,
        ).status
        == 201
    )
    assert api.delete("/v1/readers/me/links/klcpl", headers=csrf).status == 202
    relay_and_work(aws)
    assert (
        api.put(
            "/v1/readers/me/password",
            {"current_password": "Read2026", "password": "New2026x", "password_confirm": "New2026x"},
            headers=csrf,
        ).status
        == 204
    )
    assert api.get("/v1/readers/me/export").status == 200
    assert (
        api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha["klcpl"]}, headers=csrf).status
        == 202
    )
    assert api.post("/v1/readers/me/erasure", {"password": "New2026x"}, headers=csrf).status == 202
    relay_and_work(aws)  # the erasure's withdrawal reaches the partner
    second = personal_application(solved_captcha(api))
    assert api.post("/v1/readers", second).status == 201
    api.cookies.clear()
    token = api.post("/v1/sessions", {"id_number": second["id_number"], "password": second["password"]}).json()
    assert api.delete("/v1/sessions/current", headers={"X-CSRF-Token": token["csrf_token"]}).status == 204


def card_holder_flow(api, aws) -> None:
    """An existing card holder of the library system: a first login by ID number (the reader record is kept here),
    a second by card barcode, 讀者證號是否辦過 for their number, a link, and an erasure the library system checks."""
    api.cookies.clear()
    assert api.post("/v1/sessions", {"id_number": "A234567893", "password": "book5678"}).status == 201
    api.cookies.clear()
    again = api.post("/v1/sessions", {"card_barcode": "TP90000002", "password": "book5678"})
    assert again.status == 201
    csrf = {"X-CSRF-Token": again.json()["csrf_token"]}
    assert api.get("/v1/readers/availability", query={"id_type": "national_id", "id_number": "A234567893"}).json() == {
        "registered": True
    }
    sha = api.get("/v1/consent-documents/klcpl").json()["sha256"]
    assert api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha}, headers=csrf).status == 202
    relay_and_work(aws)
    assert api.post("/v1/readers/me/erasure", {"password": "book5678"}, headers=csrf).status == 202
    api.cookies.clear()


def lifecycle_flow(api, staff, aws, read_mail) -> None:
    """E-mail verification, the counter's lookup, review and activation, and the daily reminder and expiry."""
    body, accepted = apply(api, email="life@example.com", **unique_person())
    assert len(mail_to(read_mail, "life@example.com")) == 1  # the application's link, relayed from the outbox
    csrf = log_in(api, body)
    assert api.post("/v1/readers/me/email-verification", headers=csrf).status == 202  # a new link
    newest = token_in(mail_to(read_mail, "life@example.com")[0])
    assert api.post("/v1/email-verifications", {"token": newest}).status == 200
    assert api.get("/password-reset").status == 200 and api.get("/password-reset/new").status == 200
    api.cookies.clear()
    assert api.post("/v1/password-resets", {"id_number": body["id_number"]}).status == 202  # 忘記密碼
    reset = token_in(next(m for m in mail_to(read_mail, "life@example.com") if "/password-reset/" in m["text"]))
    assert (
        api.post(f"/v1/password-resets/{reset}", {"password": "Reset2027", "password_confirm": "Reset2027"}).status
        == 200
    )
    assert len(read_mail()) > 0  # the reset's security notice, relayed
    body = {**body, "password": "Reset2027"}
    _twin, _ = apply(api, name=body["name"], birth_date=body["birth_date"])  # same name and birthday: flagged
    assert (
        staff.get(
            "/v1/staff/applications", query={"id_type": "national_id", "id_number": body["id_number"]}, headers=STAFF
        ).status
        == 200
    )
    flagged = staff.get("/v1/staff/reviews", headers=STAFF).json()["reviews"][0]["reader_id"]
    assert staff.get("/v1/staff/partners", headers=STAFF).status == 200
    assert staff.post(f"/v1/staff/reviews/{flagged}", {"decision": "distinct"}, headers=STAFF).status == 200
    ntpc = api.get("/v1/consent-documents/ntpc").json()["sha256"]
    _, copy = apply(
        api,
        name=body["name"],
        birth_date=body["birth_date"],  # flagged, with a link that waits
        partners=[{"partner": "ntpc", "document_sha256": ntpc}],
    )
    assert staff.post(f"/v1/staff/reviews/{copy['reader_id']}", {"decision": "duplicate"}, headers=STAFF).status == 200
    guardian_check = f"/v1/staff/readers/{accepted['reader_id']}/guardian-check"
    assert staff.post(guardian_check, {"id_number": body["id_number"]}, headers=STAFF).status == 409  # an adult's
    assert (
        staff.post(
            f"/v1/staff/readers/{accepted['reader_id']}/activation",
            {
                "card_barcode": "TP10000001",
                "document_checked": "national_id_card",
                "branch": "ZH01",
                "staff_id": "S0427",
            },
            headers=STAFF,
        ).status
        == 200
    )
    replacement = {"card_barcode": "TP10000002", "reason": "lost"}  # 換證: the old pointer goes, a new one comes
    assert (
        staff.post(f"/v1/staff/readers/{accepted['reader_id']}/card-replacement", replacement, headers=STAFF).status
        == 200
    )
    assert staff.get("/v1/staff/audit", query={"reader_id": accepted["reader_id"]}, headers=STAFF).status == 200
    assert staff.get("/staff").status == 200  # the counter's page
    today = dt.date.fromisoformat(accepted["verify_by"]) - dt.timedelta(days=30)
    sha = api.get("/v1/consent-documents/ntpc").json()["sha256"]
    late, overdue = apply(api, partners=[{"partner": "ntpc", "document_sha256": sha}], **unique_person())
    log_in(api, late)  # its session ends with it
    _, reminded = apply(api, **unique_person())
    dynamodb, table = aws.client("dynamodb"), aws.resources.table_names["ReadersTable"]
    for reader, due in ((overdue, today - dt.timedelta(days=1)), (reminded, today + dt.timedelta(days=7))):
        dynamodb.update_item(
            TableName=table,
            Key={"pk": {"S": f"READER#{reader['reader_id']}"}, "sk": {"S": "PROFILE"}},
            UpdateExpression="SET verify_by = :due",
            ExpressionAttributeValues={":due": {"S": due.isoformat()}},
        )
    summary = aws.invoke("ExpiryFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
    assert (summary["expired"], summary["reminded"]) == (1, 1), summary
    from tests.support.library_cards import library_card_flow

    library_card_flow(aws)  # the new cards' writes reach the library system (where the stack has its REST door)
