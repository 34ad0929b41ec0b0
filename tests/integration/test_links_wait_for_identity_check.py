"""A partner hears of a reader only once a counter has checked the reader's identity: links asked for by an
application wait, leave with the activation, and are withdrawn, never sent, when it expires or is rejected."""

from __future__ import annotations

import datetime as dt

from tests.integration.test_application_expiry import applied_on, expire_on
from tests.support.flows import relay_outbox
from tests.support.lifecycle import STAFF, activate, apply, log_in, unique_person


def partners(api, *names):
    return [{"partner": p, "document_sha256": api.get(f"/v1/consent-documents/{p}").json()["sha256"]} for p in names]


def queued(aws) -> list[str]:
    """What the relay put on the link queue (the messages stay there for the next look)."""
    sqs = aws.client("sqs")
    url = aws.resources.queue_urls["LinkQueue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    return [m["Body"] for m in messages]


def links(api) -> dict[str, dict]:
    return {link["partner"]: link for link in api.get("/v1/readers/me/links").json()["links"]}


def test_links_asked_for_with_an_application_wait_and_nothing_is_sent(api, aws, read_mail):
    body, accepted = apply(api, partners=partners(api, "ntpc", "klcpl"), **unique_person())

    relay_outbox(aws)

    assert {link["status"] for link in accepted["links"]} == {"waiting_for_verification"}
    assert any("臨櫃" in step and "合作館" in step for step in accepted["next_steps"])
    assert any("counter" in step and "partner" in step for step in accepted["next_steps"])
    assert queued(aws) == []
    log_in(api, body)
    assert {p: link["status"] for p, link in links(api).items()} == {
        "ntpc": "waiting_for_verification",
        "klcpl": "waiting_for_verification",
    }
    assert len(api.get("/v1/readers/me/consents").json()["receipts"]) == 2  # the agreements are kept


def test_the_activation_sends_the_waiting_links(api, aws, read_mail):
    body, accepted = apply(api, partners=partners(api, "ntpc", "klcpl"), **unique_person())

    activate(api, accepted["reader_id"])
    relay_outbox(aws)

    sent = queued(aws)
    assert sorted(m for m in sent if accepted["reader_id"] in m) == sent and len(sent) == 2
    log_in(api, body)
    assert {link["status"] for link in links(api).values()} == {"pending"}


def test_a_link_asked_for_in_the_personal_study_before_the_counter_waits_too(api, aws):
    body, accepted = apply(api, **unique_person())
    csrf = log_in(api, body)
    sha = partners(api, "klcpl")[0]["document_sha256"]

    answer = api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha}, headers=csrf)
    again = api.post("/v1/readers/me/links", {"partner": "klcpl", "document_sha256": sha}, headers=csrf)
    relay_outbox(aws)

    assert answer.status == 202 and answer.json()["status"] == "waiting_for_verification"
    assert again.status == 409
    assert queued(aws) == []
    activate(api, accepted["reader_id"])
    relay_outbox(aws)
    assert len(queued(aws)) == 1


def test_a_waiting_link_the_reader_ends_is_withdrawn_and_never_sent(api, aws):
    body, accepted = apply(api, partners=partners(api, "ntpc"), **unique_person())
    csrf = log_in(api, body)

    ended = api.delete("/v1/readers/me/links/ntpc", headers=csrf)
    activate(api, accepted["reader_id"])
    relay_outbox(aws)

    assert ended.status == 202 and ended.json()["status"] == "withdrawn"
    assert links(api)["ntpc"]["status"] == "withdrawn"
    assert queued(aws) == []
    decisions = [r["decision"] for r in api.get("/v1/readers/me/consents").json()["receipts"]]
    assert sorted(decisions) == ["agree", "withdraw"]


def test_an_application_rejected_as_a_duplicate_never_links(api, aws, read_mail):
    person = unique_person()
    apply(api, birth_date="1990-05-17", **person)
    body, accepted = apply(
        api,
        birth_date="1990-05-17",
        name=person["name"],
        partners=partners(api, "klcpl"),
        **{k: v for k, v in unique_person().items() if k != "name"},
    )
    staff = api.as_staff(STAFF["Authorization"].split()[1])
    assert (
        staff.post(f"/v1/staff/reviews/{accepted['reader_id']}", {"decision": "duplicate"}, headers=STAFF).status == 200
    )
    csrf = log_in(api, body)
    sha = partners(api, "ntpc")[0]["document_sha256"]

    asked = api.post("/v1/readers/me/links", {"partner": "ntpc", "document_sha256": sha}, headers=csrf)
    relay_outbox(aws)

    assert asked.status == 409 and asked.json()["code"] == "rejected_as_duplicate"
    assert links(api)["klcpl"]["status"] == "withdrawn"
    assert queued(aws) == []


def test_an_application_that_expires_withdraws_its_waiting_links_and_tells_no_partner(api, aws, read_mail, capsys):
    _, accepted = apply(api, partners=partners(api, "ntpc", "klcpl"), **unique_person())

    report = expire_on(applied_on() + dt.timedelta(days=31), capsys)
    relay_outbox(aws)

    assert report["expired"] == [accepted["reader_id"]] and report["partners_told"] == 0
    assert queued(aws) == []
