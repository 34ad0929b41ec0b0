"""A revised consent document: the reader is told, the first showing is recorded, 同意 keeps and 不同意 ends the link."""

from __future__ import annotations

from pathlib import Path

from tests.support.applications import personal_application
from tests.support.captcha import solved_captcha

FOLDER = Path(__file__).resolve().parents[2] / "layers/common/onecard/consent_documents"


def linked_reader(api):
    sha = api.get("/v1/consent-documents/ntpc").json()["sha256"]
    body = personal_application(solved_captcha(api), partners=[{"partner": "ntpc", "document_sha256": sha}])
    assert api.post("/v1/readers", body).status == 201
    csrf = api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]}).json()["csrf_token"]
    return {"X-CSRF-Token": csrf}


def test_a_reader_who_agreed_to_an_older_version_is_told_and_the_first_showing_is_kept(api, revise):
    linked_reader(api)
    assert api.get("/v1/readers/me").json()["consent_revisions"] == []

    revise()
    first = api.get("/v1/readers/me").json()["consent_revisions"]
    second = api.get("/v1/readers/me").json()["consent_revisions"]

    assert [(n["partner"], n["agreed_version"], n["current_version"]) for n in first] == [("ntpc", 1, 2)]
    assert first[0]["summary_of_changes"] == "新增傳送電子信箱以寄送到期通知"
    assert first[0]["first_shown_at"] == second[0]["first_shown_at"]


def test_agreeing_again_clears_the_notice_and_declining_is_receipted(api, revise):
    csrf = linked_reader(api)
    revise()
    current = api.get("/v1/consent-documents/ntpc").json()["sha256"]

    stale = api.post(
        "/v1/readers/me/consents", {"partner": "ntpc", "document_sha256": "0" * 64, "decision": "agree"}, headers=csrf
    )
    agreed = api.post(
        "/v1/readers/me/consents", {"partner": "ntpc", "document_sha256": current, "decision": "agree"}, headers=csrf
    )

    assert stale.status == 409
    assert agreed.status == 201 and agreed.json()["document_version"] == 2
    assert api.get("/v1/readers/me").json()["consent_revisions"] == []
    declined = api.post(
        "/v1/readers/me/consents", {"partner": "ntpc", "document_sha256": current, "decision": "decline"}, headers=csrf
    )
    assert declined.status == 201 and declined.json()["decision"] == "decline"
    assert [r["decision"] for r in api.get("/v1/readers/me/consents").json()["receipts"]] == [
        "decline",
        "agree",
        "agree",
    ]
