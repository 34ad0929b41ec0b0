"""Writes events/: one realistic API Gateway (REST v1 proxy) event per route of template.yaml, and one SQS and one
DynamoDB-stream event for the worker and the outbox relay — for `sam local invoke -e events/<name>.json`.

Usage: python scripts/make_sample_events.py   (run again after adding a route)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers/common")]

from devstack.api_gateway import proxy_event  # noqa: E402
from devstack.functions import api_routes, function_specs  # noqa: E402
from devstack.resources import placeholder_resources  # noqa: E402
from devstack.template import load_template  # noqa: E402

HEADERS = [
    ("Host", "127.0.0.1:3000"),
    ("User-Agent", "Mozilla/5.0 (Linux; Android 14) Mobile"),
    ("Accept", "application/json"),
    ("Accept-Language", "zh-TW,zh;q=0.9,en;q=0.8"),
    ("Cookie", "onecard_session=<token from POST /v1/sessions>"),
    ("X-CSRF-Token", "<csrf_token>"),
]
BODIES = {
    ("POST", "/v1/sessions"): {"id_number": "A123456789", "password": "read2026"},
    ("PATCH", "/v1/readers/me"): {"mobile": "0987654321"},
    ("PUT", "/v1/readers/me/password"): {
        "current_password": "read2026",
        "password": "book2027",
        "password_confirm": "book2027",
    },
    ("POST", "/v1/readers/me/erasure"): {"password": "read2026"},
    ("POST", "/v1/readers/me/links"): {
        "partner": "ntpc",
        "document_sha256": "<sha256 from GET /v1/consent-documents/ntpc>",
    },
    ("POST", "/v1/readers/me/consents"): {"partner": "ntpc", "document_sha256": "<sha256>", "decision": "agree"},
    ("POST", "/v1/partners/{partner}/callbacks"): {
        "event_id": "E-1",
        "request_id": "LR0123456789ABCDEF0123",
        "status": "active",
        "partner_card_number": "NTPC-0001",
    },
    ("POST", "/v1/email-verifications"): {"token": "<token from the verification mail>"},
    ("POST", "/v1/password-resets"): {"id_number": "A123456789"},
    ("POST", "/v1/password-resets/{token}"): {"password": "book2027", "password_confirm": "book2027"},
    ("POST", "/v1/staff/readers/{reader_id}/activation"): {
        "card_barcode": "TP10000001",
        "document_checked": "national_id_card",
    },
    ("POST", "/v1/staff/readers/{reader_id}/card-replacement"): {"card_barcode": "TP10000002", "reason": "lost"},
    ("POST", "/v1/staff/reviews/{reader_id}"): {"decision": "distinct"},
}
QUERIES = {
    ("GET", "/v1/staff/applications"): "?id_type=national_id&id_number=A123456789",
    ("GET", "/v1/staff/audit"): "?reader_id=R0123456789ABCDEF0123",
}
PARAMETERS = {
    "partner": "ntpc",
    "version": "1",
    "receipt_id": "CR0123456789ABCDEF0123",
    "reader_id": "R0123456789ABCDEF0123",
    "name": "site.css",
    "token": "<token from the password-reset mail>",
}


# What API Gateway passes of a supervisor's ID token (every value a string). For `sam local invoke`, set the
# function's STAFF_PAGE_CLIENT_ID to this aud (env.example.json does).
SAMPLE_STAFF_CLAIMS = {
    "sub": "0f6b3a52-7c1e-4d2a-9b7e-3c5d8e9f0a1b",
    "aud": "samplestaffpageclient0000",
    "iss": "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_Sample000",
    "token_use": "id",
    "cognito:username": "staff-supervisor",
    "cognito:groups": "supervisor",
    "custom:branch": "ZH01",
    "auth_time": "1795489200",
    "iat": "1795489200",
    "exp": "1795492800",
}


def event_name(function: str, method: str, path: str) -> str:
    words = re.sub(r"[{}]", "", path.replace("/v1/", "")).strip("/").replace("/", "-").replace(".", "-") or "index"
    return f"{function.removesuffix('Function').lower()}-{method.lower()}-{words}"


def main() -> None:
    from tests.support.applications import personal_application

    template = load_template()
    specs = function_specs(template, placeholder_resources(template).resolver)
    bodies = {
        **BODIES,
        ("POST", "/v1/readers"): personal_application(
            captcha="<base64 ALTCHA solution from GET /v1/captcha>", id_number="A123456789"
        ),
    }
    out = ROOT / "events"
    out.mkdir(exist_ok=True)
    for route in api_routes(specs):
        body = bodies.get((route.method, route.path))
        path = route.path
        parameters = {}
        for name in re.findall(r"{(\w+)}", path):
            parameters[name] = PARAMETERS[name]
            path = path.replace("{" + name + "}", PARAMETERS[name])
        headers = HEADERS + ([("Content-Type", "application/json")] if body is not None else [])
        # A staff route arrives with the claims of the ID token API Gateway's Cognito authorizer verified.
        caller = {"claims": SAMPLE_STAFF_CLAIMS} if route.authorizer else None
        event = proxy_event(
            route,
            route.method,
            path + QUERIES.get((route.method, route.path), ""),
            parameters,
            headers,
            json.dumps(body, ensure_ascii=False).encode() if body is not None else b"",
            "203.0.113.10",
            "dev",
            caller,
        )
        event["requestContext"].update(
            requestId="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            extendedRequestId="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            requestTime="25/Nov/2026:03:00:00 +0000",
            requestTimeEpoch=1795489200000,
        )
        (out / f"{event_name(route.function, route.method, route.path)}.json").write_text(
            json.dumps(event, ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
    message = {
        "request_id": "LR0123456789ABCDEF0123",
        "action": "link",
        "reader_id": "R0123456789ABCDEF0123",
        "partner": "ntpc",
        "document_version": 1,
    }
    sqs = {
        "Records": [
            {
                "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                "body": json.dumps(message),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795489200000"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:LinkQueue",
                "awsRegion": "ap-northeast-1",
            }
        ]
    }
    (out / "linkworker-sqs-batch.json").write_text(json.dumps(sqs, indent=2) + "\n", "utf-8")
    write = {
        "kind": "library_card",
        "action": "sync",
        "reader_id": "R0123456789ABCDEF0123",
        "request_id": "LC0123456789ABCDEF0123",
        "queued_at": "2026-11-25T10:00:00.000Z",
    }
    cards = {
        "Records": [
            {
                **sqs["Records"][0],
                "messageId": "7b2f6c4e-3a1d-4e8b-9f0a-2c5d7e9f1a3b",
                "body": json.dumps(write),
                "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:LibraryCardQueue",
            }
        ]
    }
    (out / "librarycardworker-sqs-batch.json").write_text(json.dumps(cards, indent=2) + "\n", "utf-8")
    stream = {
        "Records": [
            {
                "eventID": "7de3041dd709b024af6f29e4fa13d34c",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "ap-northeast-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1795489200,
                    "SequenceNumber": "111",
                    "SizeBytes": 26,
                    "StreamViewType": "NEW_IMAGE",
                    "Keys": {"pk": {"S": "READER#R0123456789ABCDEF0123"}, "sk": {"S": "OUTBOX#LR0123456789ABCDEF0123"}},
                    "NewImage": {
                        "pk": {"S": "READER#R0123456789ABCDEF0123"},
                        "sk": {"S": "OUTBOX#LR0123456789ABCDEF0123"},
                        "message": {"S": json.dumps(message)},
                    },
                },
                "eventSourceARN": "arn:aws:dynamodb:ap-northeast-1:123456789012:table/ReadersTable/stream/2026-11-25T00:00:00.000",
            }
        ]
    }
    (out / "linkoutboxrelay-stream-insert.json").write_text(json.dumps(stream, indent=2) + "\n", "utf-8")
    schedule = {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-25T18:00:00Z",
        "region": "ap-northeast-1",
        "resources": ["arn:aws:events:ap-northeast-1:123456789012:rule/Daily"],
        "detail": {},
    }
    (out / "expiry-schedule.json").write_text(json.dumps(schedule, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
