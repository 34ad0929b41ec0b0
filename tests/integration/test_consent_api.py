"""個資同意書 over the API, and agreements given with an application."""

from __future__ import annotations

import threading

from onecard.consent.receipts import verify_chain
from tests.support.applications import personal_application
from tests.support.captcha import solved_captcha


def test_the_current_documents_are_listed_with_their_hashes(api):
    answer = api.get("/v1/consent-documents")

    documents = {d["partner"]: d for d in answer.json()["documents"]}
    assert answer.status == 200 and set(documents) == {"ntpc", "klcpl", "taipei-card"}
    assert all(len(d["sha256"]) == 64 for d in documents.values())


def test_a_document_is_served_in_both_languages_with_its_hash_as_etag_and_can_be_revalidated(api):
    answer = api.get("/v1/consent-documents/ntpc")
    body = answer.json()

    assert answer.status == 200
    assert body["title"] == "結合新北市立圖書館借閱證個資同意書" and body["text_en"]
    assert answer.header("ETag") == f'"{body["sha256"]}"'
    assert "max-age" in answer.header("Cache-Control")
    assert api.get("/v1/consent-documents/ntpc", headers={"If-None-Match": answer.header("ETag")}).status == 304
    assert api.get("/v1/consent-documents/ntpc/versions/1").json()["sha256"] == body["sha256"]


def test_unknown_partners_and_versions_are_404_problems(api):
    for path in ("/v1/consent-documents/tainan", "/v1/consent-documents/ntpc/versions/7"):
        answer = api.get(path)
        assert answer.status == 404 and answer.header("Content-Type") == "application/problem+json"


def current_hash(api, partner):
    return api.get(f"/v1/consent-documents/{partner}").json()["sha256"]


def consent_items(aws):
    return aws.client("dynamodb").scan(TableName=aws.resources.table_names["ConsentTable"])["Items"]


def test_an_application_with_partners_writes_the_reader_and_a_verifiable_receipt_chain(api, aws):
    partners = [{"partner": p, "document_sha256": current_hash(api, p)} for p in ("ntpc", "klcpl")]
    answer = api.post("/v1/readers", personal_application(solved_captcha(api), partners=partners))

    assert answer.status == 201, answer.body
    body = answer.json()
    assert [link["partner"] for link in body["links"]] == ["ntpc", "klcpl"]
    from onecard import wiring

    records = wiring.consent().receipts(body["reader_id"])
    assert {(r["partner"], r["decision"], r["channel"]) for r in records} == {
        ("ntpc", "agree", "registration"),
        ("klcpl", "agree", "registration"),
    }
    assert verify_chain(records, wiring.consent().head_record(body["reader_id"])).valid


def test_an_outdated_document_hash_is_refused_naming_the_entry_and_nothing_is_stored(api, aws):
    partners = [
        {"partner": "ntpc", "document_sha256": current_hash(api, "ntpc")},
        {"partner": "klcpl", "document_sha256": "0" * 64},
    ]
    answer = api.post("/v1/readers", personal_application(solved_captcha(api), partners=partners))

    assert answer.status == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["partners[1].document_sha256"]
    assert consent_items(aws) == []


def test_a_refused_application_with_partners_leaves_neither_reader_nor_receipts(api, aws):
    partners = [{"partner": "ntpc", "document_sha256": current_hash(api, "ntpc")}]
    first = personal_application(solved_captcha(api), partners=partners)
    assert api.post("/v1/readers", first).status == 201
    before = len(consent_items(aws))

    again = api.post("/v1/readers", {**first, "captcha": solved_captcha(api)})

    assert again.status == 409
    assert len(consent_items(aws)) == before


def test_concurrent_decisions_by_one_reader_keep_one_valid_chain(aws):
    from onecard import wiring

    ledger = wiring.consent()
    decision = {
        "partner": "ntpc",
        "document_version": 1,
        "document_sha256": "a" * 64,
        "decision": "agree",
        "channel": "personal_study",
    }
    threads = [
        threading.Thread(
            target=ledger.record,
            args=("R-concurrent", [decision]),
            kwargs={"recorded_at": "2026-11-25T03:00:00.000Z", "attempts": 20},
        )
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = ledger.receipts("R-concurrent")
    assert len(records) == 6
    assert verify_chain(records, ledger.head_record("R-concurrent")).valid


def test_a_reader_sees_their_own_receipts_newest_first_and_never_anothers(api):
    partners = [{"partner": p, "document_sha256": current_hash(api, p)} for p in ("ntpc", "taipei-card")]
    mine = personal_application(
        solved_captcha(api), partners=partners, password="Mine1234", password_confirm="Mine1234"
    )
    theirs = personal_application(
        solved_captcha(api), partners=partners[:1], password="Them1234", password_confirm="Them1234"
    )
    assert api.post("/v1/readers", mine).status == 201
    assert api.post("/v1/readers", theirs).status == 201
    api.post("/v1/sessions", {"id_number": theirs["id_number"], "password": "Them1234"})
    their_receipt = api.get("/v1/readers/me/consents").json()["receipts"][0]["receipt_id"]
    api.cookies.clear()
    api.post("/v1/sessions", {"id_number": mine["id_number"], "password": "Mine1234"})

    receipts = api.get("/v1/readers/me/consents").json()["receipts"]
    one = api.get(f"/v1/readers/me/consents/{receipts[0]['receipt_id']}")

    assert [r["sequence"] for r in receipts] == [2, 1]
    assert one.status == 200 and one.json()["consent_receipt"]["consentReceiptID"] == receipts[0]["receipt_id"]
    assert api.get(f"/v1/readers/me/consents/{their_receipt}").status == 404
    api.cookies.clear()
    assert api.get("/v1/readers/me/consents").status == 401
