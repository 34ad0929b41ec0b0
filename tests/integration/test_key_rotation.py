"""Rotating every key without downtime: the blind-index key (re-index and clean-up while readers register and log
in), the captcha key, partner secrets and e-mail verification links made before a rotation."""

from __future__ import annotations

import json
import time

import pytest

from onecard.infra import secrets as secret_cache
from onecard.rotation import runner
from onecard.security.identity_indexes import version_of
from onecard.sessions import service as sessions
from tests.integration.test_family_and_minor_applications import family
from tests.support.applications import new_national_id
from tests.support.captcha import solved_captcha
from tests.support.lifecycle import apply, log_in, mail_to, token_in


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def options(clock: Clock, **changes) -> runner.Options:
    settings = {
        "settle_seconds": 60,
        "lockout_seconds": 120,
        "wait": False,
        "rate": 0,
        "page_size": 3,
        "report": lambda line: None,
        "clock": clock,
        "sleep": clock.sleep,
        **changes,
    }
    return runner.Options(**settings)


def readers_items(aws) -> list[dict]:
    from onecard.infra.dynamo import from_item

    table = aws.resources.table_names["ReadersTable"]
    return [
        from_item(i) for p in aws.client("dynamodb").get_paginator("scan").paginate(TableName=table) for i in p["Items"]
    ]


def index_entries(aws, version: int) -> list[str]:
    found = []
    for item in readers_items(aws):
        pk = item.get("ref_pk", item["pk"]) if item["sk"].startswith("REF#") else item["pk"]
        kind, _, index = pk.partition("#")
        if kind in ("IDENTITY", "HOUSEHOLD", "PERSON", "ERASED") and version_of(index) == version:
            found.append(f"{item['pk']} {item['sk']}")
    return found


def containers_reread_secrets() -> None:
    """What a deployed container does once the secret cache's age has passed."""
    secret_cache.forget()


def blind_index_versions(aws) -> dict:
    value = aws.client("secretsmanager").get_secret_value(SecretId=aws.resources.secret_ids["BlindIndexKeySecret"])[
        "SecretString"
    ]
    return json.loads(value) if value.startswith("{") else {"current": 1, "keys": {"1": value}}


def test_a_blind_index_rotation_keeps_every_reader_findable_and_every_number_registered_once(api, aws):
    clock = Clock()
    before, _ = apply(api)
    household = family(api, register_number="C7654321")
    assert household.status == 201

    runner.BlindIndexRotation(options(clock)).run()  # a new version, current; containers have not seen it yet
    assert blind_index_versions(aws)["current"] == 2 and set(blind_index_versions(aws)["keys"]) == {"1", "2"}
    stale, _ = apply(api)  # registered by a container that still knows only version 1
    containers_reread_secrets()
    during, _ = apply(api)  # guarded under both versions

    for body in (before, stale, during):
        again = api.post("/v1/readers", {**body, "captcha": solved_captcha(api)})
        assert again.status == 409, again.body
        assert api.get(
            "/v1/readers/availability", query={"id_type": "national_id", "id_number": body["id_number"]}
        ).json()["registered"]
        log_in(api, body)
    assert family(api, register_number="C7654321").status == 409

    clock.sleep(61)
    state = runner.BlindIndexRotation(options(clock)).run()  # re-index, then wait for the lockout window
    assert state["phase"] == "reindexed" and state["progress"]["conflicts"] == []
    profiles = [i for i in readers_items(aws) if i["sk"] == "PROFILE"]
    assert profiles and all(version_of(p["identity_index"]) == 2 for p in profiles)
    assert all(version_of(p["household"]["household_index"]) == 2 for p in profiles if p.get("household"))

    clock.sleep(121)
    assert runner.BlindIndexRotation(options(clock)).run()["phase"] == "retired"
    assert set(blind_index_versions(aws)["keys"]) == {"2"}
    containers_reread_secrets()
    clock.sleep(61)
    done = runner.BlindIndexRotation(options(clock)).run()

    assert done["phase"] == "done" and done["entries_left_under_previous"] == 0
    assert index_entries(aws, 1) == []
    after, _ = apply(api)
    for body in (before, stale, during, after):
        log_in(api, body)
        assert api.get(
            "/v1/readers/availability", query={"id_type": "national_id", "id_number": body["id_number"]}
        ).json()["registered"]
    assert family(api, register_number="C7654321").status == 409
    identities = [i for i in readers_items(aws) if i["pk"].startswith("IDENTITY#")]
    assert len(identities) == len({i["reader_id"] for i in identities}) == 5


def test_a_registration_seen_by_a_stale_container_collides_with_one_seen_by_a_fresh_one(aws):
    from onecard import wiring
    from onecard.registration.records import IdentityTaken, NewReader
    from onecard.security.identity_indexes import Indexes

    runner.BlindIndexRotation(options(Clock())).run()
    containers_reread_secrets()
    both = wiring.identity_indexes().identity(new_national_id())
    repository = wiring.readers()
    repository.create(NewReader(profile={"reader_id": "RFRESH", "identity_index": both.current}, identity_index=both))

    with pytest.raises(IdentityTaken):  # the old container knows only the version-1 index
        repository.create(
            NewReader(
                profile={"reader_id": "RSTALE", "identity_index": both.all[1]}, identity_index=Indexes((both.all[1],))
            )
        )


def test_an_erasure_during_the_rotation_window_removes_the_entries_under_both_versions(api, aws):
    runner.BlindIndexRotation(options(Clock())).run()
    containers_reread_secrets()
    body, accepted = apply(api)
    headers = log_in(api, body)

    erased = api.post("/v1/readers/me/erasure", {"password": body["password"]}, headers=headers)

    assert erased.status in (200, 202), erased.body
    left = [
        f"{i['pk']} {i['sk']}"
        for i in readers_items(aws)
        if i.get("reader_id") == accepted["reader_id"] or accepted["reader_id"] in i["pk"]
    ]
    assert left == []
    assert [i for i in readers_items(aws) if i["pk"].startswith(("IDENTITY#", "PERSON#"))] == []


def test_a_rollback_before_retirement_moves_every_reader_back_and_retires_the_new_version(api, aws):
    clock = Clock()
    body, _ = apply(api)
    runner.BlindIndexRotation(options(clock)).run()
    containers_reread_secrets()
    during, _ = apply(api)

    state = runner.BlindIndexRotation(options(clock, rollback=True)).run()
    assert state["rolled_back"] and state["version"] == 1
    containers_reread_secrets()
    while state["phase"] != "done":  # run again as the command says, until it is done
        clock.sleep(200)
        state = runner.BlindIndexRotation(options(clock)).run()
        containers_reread_secrets()

    assert state["phase"] == "done"
    assert set(blind_index_versions(aws)["keys"]) == {"1"}
    assert index_entries(aws, 2) == []
    for reader in (body, during):
        log_in(api, reader)


def attack(api, body, clock: Clock, rotate: bool) -> int:
    """Wrong passwords once a minute for an hour (a rotation in the middle): how many reached the check."""
    checked = 0
    start = clock.now
    rotation = runner.Options(
        settle_seconds=330, wait=False, rate=0, report=lambda line: None, clock=clock, sleep=clock.sleep
    )
    state: dict = {}
    while clock.now < start + 3600:
        if rotate and clock.now >= start + 600 and state.get("phase") != "done":
            state = runner.BlindIndexRotation(rotation).run()
            if (
                state["phase"] in ("settling", "retired")
                and clock.now >= float(state.get("retired_at", state["started_at"])) + 300
            ):
                containers_reread_secrets()  # after the cache's age, every container has read the secret again
        answer = api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Wrong000"})
        checked += answer.status == 401
        clock.sleep(60)
    if rotate:
        assert state["phase"] == "done"
    return checked


def test_a_rotation_gives_an_attacker_no_extra_guesses(api, aws, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(sessions, "clock", clock)
    body, _ = apply(api)
    other, _ = apply(api)

    without = attack(api, body, clock, rotate=False)
    with_rotation = attack(api, other, clock, rotate=True)

    assert with_rotation <= without


def test_a_verification_mail_committed_before_a_rotation_links_to_a_working_token(api, aws, read_mail):
    address = f"rotation.{new_national_id()}@example.com"
    apply(api, email=address)  # committed to the outbox with a version-1 nonce
    runner.BlindIndexRotation(options(Clock())).run()
    containers_reread_secrets()

    token = token_in(mail_to(read_mail, address)[0])  # the relay sends it after the rotation started

    assert api.post("/v1/email-verifications", {"token": token}).status == 200


def test_a_captcha_solved_just_before_its_key_was_rotated_is_accepted_once_and_refused_after_retirement(api, aws):
    from tests.support.applications import personal_application

    clock = Clock()
    solved_before = solved_captcha(api)
    runner.rotate_captcha(options(clock))
    containers_reread_secrets()

    accepted = api.post("/v1/readers", personal_application(solved_before))
    replayed = api.post("/v1/readers", personal_application(solved_before))
    assert accepted.status == 201, accepted.body
    assert replayed.status == 422 and replayed.json()["errors"][0]["code"] == "captcha_used"

    clock.sleep(600 + 60 + 1)
    assert runner.rotate_captcha(options(clock))["phase"] == "done"
    containers_reread_secrets()
    versions = aws.client("secretsmanager").get_secret_value(SecretId=aws.resources.secret_ids["CaptchaKeySecret"])[
        "SecretString"
    ]
    assert list(json.loads(versions)["keys"]) == ["2"]
    assert api.post("/v1/readers", personal_application(solved_captcha(api))).status == 201  # signed by the new key


def test_a_callback_signed_with_the_partners_old_secret_is_accepted_inside_the_window_and_refused_after(api, aws):
    from onecard import wiring
    from tests.integration.test_partner_callbacks import pending_link, send
    from tests.integration.test_partner_secrets import set_secret

    old, new = b"old-" + b"o" * 40, b"new-" + b"n" * 40
    set_secret(aws, "NtpcPartnerSecret", old.decode())
    first = pending_link(api)
    clock = Clock()
    runner.rotate_partner("ntpc", new, int(time.time()) + 120, 600, options(clock))
    containers_reread_secrets()

    assert wiring.partner_secret("ntpc") == old  # the worker signs with the old secret until the switch time
    assert send(api, "ntpc", {"event_id": "E-old", "request_id": first, "status": "active"}, old).status == 204
    assert send(api, "ntpc", {"event_id": "E-new", "request_id": first, "status": "active"}, new).status == 204

    clock.sleep(120 + 600 + 1)
    assert runner.rotate_partner("ntpc", None, None, 600, options(clock))["phase"] == "done"
    containers_reread_secrets()

    assert wiring.partner_secret("ntpc") == new
    refused = send(api, "ntpc", {"event_id": "E-old-2", "request_id": first, "status": "active"}, old)
    assert refused.status == 401
    assert send(api, "ntpc", {"event_id": "E-new-2", "request_id": first, "status": "active"}, new).status == 204


def test_the_worker_signs_with_the_new_partner_secret_from_the_switch_time(aws):
    from onecard import wiring
    from tests.integration.test_partner_secrets import set_secret

    old, new = b"old-" + b"o" * 40, b"new-" + b"n" * 40
    set_secret(aws, "NtpcPartnerSecret", old.decode())
    runner.rotate_partner("ntpc", new, int(time.time()) - 1, 600, options(Clock()))
    containers_reread_secrets()

    assert wiring.partner_secret("ntpc") == new
    assert wiring.partner_secrets("ntpc").live_keys() == [new, old]


def test_a_lock_set_before_the_rotation_still_holds_inside_the_window_and_attempts_count_under_both(api, aws):
    from onecard import wiring

    body, _ = apply(api)
    for _ in range(5):
        assert api.post("/v1/sessions", {"id_number": body["id_number"], "password": "Wrong000"}).status == 401
    runner.BlindIndexRotation(options(Clock())).run()
    containers_reread_secrets()

    locked = api.post("/v1/sessions", {"id_number": body["id_number"], "password": body["password"]})

    assert locked.status == 429
    both = wiring.identity_indexes().identity(body["id_number"])
    assert wiring.lockout().locked_for(both.all[1], int(time.time())) > 0
    table = aws.resources.table_names["SessionsTable"]
    new_counter = aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": f"LOCK#{both.current}"}})
    assert "Item" in new_counter  # the attempt was counted under the new index too
