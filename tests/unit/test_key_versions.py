"""Versioned key secrets and the blind indexes made under each live version."""

from __future__ import annotations

import json

import pytest

from onecard.lifecycle.duplicates import person_index
from onecard.lifecycle.email_verification import new_outbox_token, token_for_nonce, token_from_nonce
from onecard.registration.service import identity_index
from onecard.security.identity_indexes import IdentityIndexes, version_of
from onecard.security.key_versions import KeyVersionsInvalid, VersionedKeys

OLD, NEW = "o" * 64, "n" * 64


def test_a_plain_secret_is_version_1_and_is_written_back_unchanged():
    keys = VersionedKeys.parse(OLD)

    assert keys.current == 1 and keys.live_versions == (1,) and not keys.rotating
    assert keys.text() == OLD


def test_a_rotation_adds_a_current_version_keeps_the_old_live_and_retiring_leaves_only_the_new():
    rotated = VersionedKeys.parse(OLD).with_new_version(NEW.encode())

    assert rotated.current == 2 and rotated.live_versions == (2, 1) and rotated.rotating
    assert VersionedKeys.parse(rotated.text()) == rotated
    assert json.loads(rotated.text()) == {"current": 2, "keys": {"1": OLD, "2": NEW}}
    assert rotated.retired().live_versions == (2,) and rotated.retired().current_key == NEW.encode()
    assert rotated.rolled_back().current == 1 and rotated.rolled_back().live_versions == (1, 2)


@pytest.mark.parametrize(
    "text", ['{"current": 3, "keys": {"1": "x"}}', '{"keys": {}}', '{"current": 1, "keys": {"1": ""}}']
)
def test_a_secret_without_a_usable_current_version_is_refused(text):
    with pytest.raises(KeyVersionsInvalid):
        VersionedKeys.parse(text)


def test_a_partner_secret_signs_with_the_old_version_until_the_switch_time():
    keys = VersionedKeys.parse(OLD).with_new_version(NEW.encode(), switch_at=1000)

    assert keys.signing_version(999) == 1 and keys.signing_version(1000) == 2
    assert keys.live_keys() == [NEW.encode(), OLD.encode()]


def test_indexes_carry_their_version_and_version_1_is_the_index_stored_before_versions_existed():
    indexes = IdentityIndexes(VersionedKeys.parse(OLD).with_new_version(NEW.encode()))
    found = indexes.identity("a123456789")

    assert [version_of(i) for i in found] == [2, 1]
    assert found.all[1] == identity_index(OLD.encode(), "A123456789")
    assert found.current == "v2." + identity_index(NEW.encode(), "A123456789")
    assert indexes.person("林 小明", "1990-05-17").all[1] == person_index(OLD.encode(), "林小明", "1990-05-17")
    assert indexes.household("A1234567").current != indexes.household("A1234567").all[1]


def test_a_verification_nonce_keeps_the_key_version_it_was_issued_under():
    import datetime as dt

    before = IdentityIndexes(VersionedKeys.parse(OLD))
    issued, nonce = new_outbox_token(dt.datetime.now(dt.UTC), before)
    during = IdentityIndexes(VersionedKeys.parse(OLD).with_new_version(NEW.encode()))
    issued_during, nonce_during = new_outbox_token(dt.datetime.now(dt.UTC), during)
    after = IdentityIndexes(VersionedKeys.parse(during.keys.text()).retired())

    assert token_for_nonce(during, nonce) == issued.token == token_from_nonce(OLD.encode(), nonce)
    assert nonce_during.startswith("v2.") and token_for_nonce(after, nonce_during) == issued_during.token
