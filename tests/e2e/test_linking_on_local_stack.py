"""一證通用 end to end: 個人書房 → agree → the worker calls the simulated partner → the link becomes active."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
import requests

from onecard.captcha import solve
from tests.support.applications import personal_application
from tests.support.lifecycle import unique_person
from tests.support.running_stack import eventually


def reader_session(stack) -> tuple[requests.Session, str]:
    """A logged-in reader whose card was collected at a counter (a partner hears only of such readers)."""
    http = requests.Session()
    body = personal_application(solve(http.get(f"{stack.url}/v1/captcha", timeout=10).json()))
    reader_id = http.post(f"{stack.url}/v1/readers", json=body, timeout=10).json()["reader_id"]
    stack.activate(reader_id)
    login = http.post(
        f"{stack.url}/v1/sessions", json={"id_number": body["id_number"], "password": body["password"]}, timeout=10
    )
    http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return http, reader_id


def wait_for(http, stack, partner, status, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        links = {
            link["partner"]: link for link in http.get(f"{stack.url}/v1/readers/me/links", timeout=5).json()["links"]
        }
        if links.get(partner, {}).get("status") == status:
            return links[partner]
        time.sleep(0.2)
    raise AssertionError(f"{partner} did not become {status}: {links}")


def partner_view(stack, partner):
    return requests.get(f"{stack.simulator_url}/_control/{partner}/seen", timeout=5).json()


def faults(stack, partner, **settings):
    requests.post(f"{stack.simulator_url}/_control/{partner}", json=settings, timeout=5).raise_for_status()


def test_a_link_requested_in_personal_study_becomes_active_within_seconds(stack):
    faults(stack, "ntpc")
    http, reader_id = reader_session(stack)
    document = http.get(f"{stack.url}/v1/consent-documents/ntpc", timeout=5).json()

    asked = http.post(
        f"{stack.url}/v1/readers/me/links", json={"partner": "ntpc", "document_sha256": document["sha256"]}, timeout=10
    )
    again = http.post(
        f"{stack.url}/v1/readers/me/links", json={"partner": "ntpc", "document_sha256": document["sha256"]}, timeout=10
    )

    assert asked.status_code == 202 and asked.json()["status"] == "pending"
    assert again.status_code == 409
    link = wait_for(http, stack, "ntpc", "active")
    assert link["partner_card_number"].startswith("NTPC-")
    seen = requests.get(f"{stack.simulator_url}/_control/ntpc/seen", timeout=5).json()["seen"]
    mine = [s for s in seen if s["reader_id"] == reader_id]
    assert len(mine) == 1 and set(mine[0]["fields"]) == {"request_id", "reader_id", *document["data_fields"]} - {
        "email"
    } | ({"email"} if "email" in mine[0]["fields"] else set())


def test_taipei_card_receives_only_the_fields_its_document_lists(stack):
    faults(stack, "taipei-card")
    http, reader_id = reader_session(stack)
    document = http.get(f"{stack.url}/v1/consent-documents/taipei-card", timeout=5).json()
    http.post(
        f"{stack.url}/v1/readers/me/links",
        json={"partner": "taipei-card", "document_sha256": document["sha256"]},
        timeout=10,
    )
    wait_for(http, stack, "taipei-card", "active")

    seen = [
        s
        for s in requests.get(f"{stack.simulator_url}/_control/taipei-card/seen", timeout=5).json()["seen"]
        if s["reader_id"] == reader_id
    ]
    assert set(seen[0]["fields"]) <= {"request_id", *document["data_fields"]}
    assert "mailing_address" not in seen[0]["fields"] and "gender" not in seen[0]["fields"]


def test_a_partner_answering_by_callback_and_an_unlink_end_unlinked_at_the_partner(stack):
    faults(stack, "klcpl", mode="callback", callback_delay_ms=200, duplicate_callbacks=True, out_of_order=True)
    http, reader_id = reader_session(stack)
    sha = http.get(f"{stack.url}/v1/consent-documents/klcpl", timeout=5).json()["sha256"]
    http.post(f"{stack.url}/v1/readers/me/links", json={"partner": "klcpl", "document_sha256": sha}, timeout=10)
    wait_for(http, stack, "klcpl", "active")
    time.sleep(0.5)
    assert wait_for(http, stack, "klcpl", "active")["status"] == "active"  # the stale rejection changed nothing

    ended = http.delete(f"{stack.url}/v1/readers/me/links/klcpl", timeout=10)

    assert ended.status_code == 202
    wait_for(http, stack, "klcpl", "unlinked")
    linked = requests.get(f"{stack.simulator_url}/_control/klcpl/seen", timeout=5).json()["linked"]
    assert reader_id not in linked
    faults(stack, "klcpl")


def card_holders(count: int) -> list[dict[str, str]]:
    """Existing card holders of the library system, as most readers are, each with their own ID number and card."""
    people: dict[str, dict[str, str]] = {}
    while len(people) < count:
        person = unique_person()
        people[person["id_number"]] = person
    return [
        {
            **person,
            "barcode": f"T{person['id_number']}",
            "password": f"pw-{person['id_number'][-6:]}",
            "birth_date": dt.date(1950 + n % 55, 1 + n % 12, 1 + n % 28).isoformat(),
            "phone": f"09{n:08d}",
            **({"email": f"holder{n}@example.com"} if n % 2 else {}),
        }
        for n, person in enumerate(people.values())
    ]


def card_holder_session(stack, holder: dict[str, str], by_barcode: bool) -> tuple[requests.Session, str]:
    """A card holder's first login here (by card barcode or by ID number): the reader record is kept, active."""
    http = requests.Session()
    identifier = {"card_barcode": holder["barcode"]} if by_barcode else {"id_number": holder["id_number"]}
    login = http.post(f"{stack.url}/v1/sessions", json={**identifier, "password": holder["password"]}, timeout=30)
    assert login.status_code == 201, login.text
    http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return http, login.json()["reader_id"]


def card_holders_link_while_the_partner_fails_thirty_percent(stack, count: int, seconds: float) -> None:
    """``count`` card holders log in (half by barcode) and link with ntpc while it answers 30 % of calls with 5xx:
    every link ends active, the partner saw each reader once, and the failures were tried again."""
    from concurrent.futures import ThreadPoolExecutor

    holders = card_holders(count)
    added = requests.post(f"{stack.simulator_url}/_control/ils/patrons", json={"patrons": holders}, timeout=30)
    assert added.status_code == 201, added.text
    started = time.time()
    faults(stack, "ntpc", error_rate=0.3)
    sha = requests.get(f"{stack.url}/v1/consent-documents/ntpc", timeout=5).json()["sha256"]

    def linked_reader(numbered: tuple[int, dict[str, str]]) -> tuple[requests.Session, str]:
        n, holder = numbered
        http, reader_id = card_holder_session(stack, holder, by_barcode=n % 2 == 0)
        answer = http.post(
            f"{stack.url}/v1/readers/me/links", json={"partner": "ntpc", "document_sha256": sha}, timeout=30
        )
        assert answer.status_code == 202, answer.text
        return http, reader_id

    with ThreadPoolExecutor(max_workers=4) as pool:
        sessions = list(pool.map(linked_reader, enumerate(holders)))

    outcome: Counter[str] = Counter()

    def all_active():
        outcome.clear()
        outcome.update(
            link["status"]
            for http, _ in sessions
            for link in http.get(f"{stack.url}/v1/readers/me/links", timeout=10).json()["links"]
        )
        return outcome == {"active": count}

    eventually(all_active, seconds=seconds, what=lambda: f"every link becoming active (statuses: {dict(outcome)})")
    ntpc = partner_view(stack, "ntpc")
    seen = [s for s in ntpc["seen"] if s["action"] == "link"]
    counts = Counter(s["reader_id"] for s in seen)
    assert len({reader_id for _, reader_id in sessions}) == count
    assert {counts[reader_id] for _, reader_id in sessions} == {1}
    failed = [r for r in ntpc["refused"] if r["action"] == "link" and r["status"] >= 500 and r["at"] >= started]
    answered = [s for s in seen if s["at"] >= started]
    if count >= 100:  # enough calls for the share to say something of the simulator's rate
        assert 0.15 < len(failed) / (len(failed) + len(answered)) < 0.45, (len(failed), len(answered))
    else:  # at least one failure, tried again (none in 20 calls at 30 %: once in about 1,250 runs)
        assert failed, "the partner failed no call"
    faults(stack, "ntpc")


# Twenty readers prove what two hundred did: each link is retried past 5xx to active and the partner sees each reader
# once; the number only made it a load run (its many retries back off for minutes), which `make load` keeps.
def test_with_thirty_percent_5xx_twenty_card_holders_links_all_end_active_and_each_is_seen_once(stack):
    card_holders_link_while_the_partner_fails_thirty_percent(stack, 20, seconds=120)


@pytest.mark.load
def test_with_thirty_percent_5xx_two_hundred_card_holders_links_all_end_active_and_each_is_seen_once(stack):
    card_holders_link_while_the_partner_fails_thirty_percent(stack, 200, seconds=600)


def test_a_linked_readers_correction_is_sent_on_to_the_partner(stack):
    faults(stack, "ntpc")
    http, reader_id = reader_session(stack)
    sha = http.get(f"{stack.url}/v1/consent-documents/ntpc", timeout=5).json()["sha256"]
    http.post(f"{stack.url}/v1/readers/me/links", json={"partner": "ntpc", "document_sha256": sha}, timeout=10)
    wait_for(http, stack, "ntpc", "active")

    assert http.patch(f"{stack.url}/v1/readers/me", json={"mobile": "0933222111"}, timeout=10).status_code == 200

    eventually(
        lambda: any(
            s["reader_id"] == reader_id and s["action"] == "update" for s in partner_view(stack, "ntpc")["seen"]
        ),
        what="the partner receiving the update",
    )


def test_erasure_withdraws_every_link_and_tells_the_partner(stack):
    faults(stack, "klcpl")
    http, reader_id = reader_session(stack)
    sha = http.get(f"{stack.url}/v1/consent-documents/klcpl", timeout=5).json()["sha256"]
    http.post(f"{stack.url}/v1/readers/me/links", json={"partner": "klcpl", "document_sha256": sha}, timeout=10)
    wait_for(http, stack, "klcpl", "active")

    assert http.post(f"{stack.url}/v1/readers/me/erasure", json={"password": "read2026"}, timeout=10).status_code == 202

    eventually(lambda: reader_id not in partner_view(stack, "klcpl")["linked"], what="the partner being told")


def test_an_applications_links_wait_for_the_counter_then_each_partner_links(stack):
    for partner in ("ntpc", "klcpl", "taipei-card"):
        faults(stack, partner)
    http = requests.Session()
    partners = [
        {"partner": p, "document_sha256": http.get(f"{stack.url}/v1/consent-documents/{p}", timeout=5).json()["sha256"]}
        for p in ("ntpc", "klcpl", "taipei-card")
    ]
    body = personal_application(solve(http.get(f"{stack.url}/v1/captcha", timeout=10).json()), partners=partners)
    applied = http.post(f"{stack.url}/v1/readers", json=body, timeout=10)
    reader_id = applied.json()["reader_id"]
    assert [link["status"] for link in applied.json()["links"]] == ["waiting_for_verification"] * 3
    http.post(
        f"{stack.url}/v1/sessions", json={"id_number": body["id_number"], "password": body["password"]}, timeout=10
    )
    time.sleep(1)  # what the relay and worker would have sent by now, had the links not waited
    assert all(reader_id not in str(partner_view(stack, p)) for p in ("ntpc", "klcpl", "taipei-card"))

    stack.activate(reader_id)

    for partner in ("ntpc", "klcpl", "taipei-card"):
        wait_for(http, stack, partner, "active")


def test_an_existing_card_holder_links_with_the_fields_of_the_patron_record(stack):
    faults(stack, "klcpl")
    http = requests.Session()
    login = http.post(
        f"{stack.url}/v1/sessions", json={"card_barcode": "TP90000001", "password": "tpml2024"}, timeout=10
    )
    assert login.status_code == 201, login.text
    http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    reader_id = login.json()["reader_id"]
    document = http.get(f"{stack.url}/v1/consent-documents/klcpl", timeout=5).json()

    asked = http.post(
        f"{stack.url}/v1/readers/me/links", json={"partner": "klcpl", "document_sha256": document["sha256"]}, timeout=10
    )

    assert asked.status_code == 202 and asked.json()["status"] == "pending"
    wait_for(http, stack, "klcpl", "active")
    [sent] = [s for s in partner_view(stack, "klcpl")["seen"] if s["reader_id"] == reader_id and s["action"] == "link"]
    assert "name" in sent["fields"] and set(sent["fields"]) <= {"request_id", "reader_id", *document["data_fields"]}


def test_an_expired_card_holder_is_told_to_renew_and_the_partner_hears_nothing(stack):
    http = requests.Session()
    login = http.post(f"{stack.url}/v1/sessions", json={"id_number": "L118159085", "password": "exp12345"}, timeout=10)
    assert login.status_code == 201, login.text
    http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    sha = http.get(f"{stack.url}/v1/consent-documents/ntpc", timeout=5).json()["sha256"]

    asked = http.post(f"{stack.url}/v1/readers/me/links", json={"partner": "ntpc", "document_sha256": sha}, timeout=10)

    assert asked.status_code == 409 and asked.json()["code"] == "card_expired"
    time.sleep(1)
    assert login.json()["reader_id"] not in str(partner_view(stack, "ntpc"))
