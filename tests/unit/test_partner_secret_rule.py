"""A partner secret too short to be a real HMAC key (the stack's placeholder among them) is never used."""

from __future__ import annotations

import pytest

from onecard.partners.protocol import MIN_SECRET_BYTES, PartnerSecretNotSet, usable_secret


def test_the_stacks_placeholder_is_refused_with_a_message_that_tells_the_operator_what_to_do():
    with pytest.raises(PartnerSecretNotSet) as refused:
        usable_secret("ntpc", "arn:secret:ntpc", b"UNSET")

    assert "ntpc" in str(refused.value) and "arn:secret:ntpc" in str(refused.value)
    assert "operator" in str(refused.value)


@pytest.mark.parametrize("length", [0, 1, MIN_SECRET_BYTES - 1])
def test_a_secret_shorter_than_the_hash_is_refused(length):
    with pytest.raises(PartnerSecretNotSet):
        usable_secret("klcpl", "id", b"k" * length)


def test_a_secret_of_at_least_32_bytes_is_used_as_it_is():
    value = b"s" * MIN_SECRET_BYTES

    assert usable_secret("taipei-card", "id", value) is value
