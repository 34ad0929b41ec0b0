"""A password changed here while the library system is still to get one: which sealed copy goes, and whether a
write is queued for it (onecard.library_cards.outbox.at_password_change). Pure: the repository's actions are
recorded as what was asked for."""

from __future__ import annotations

from onecard.library_cards.outbox import PASSWORD, at_password_change

READER = "R0123456789ABCDEF0123"


class Cards:
    def reseal_actions(self, reader_id, envelope, password_hash, at, replacing):
        return [("reseal", reader_id, envelope, password_hash, replacing)]

    def queue_actions(self, reader_id, what, at, now_epoch):
        return [("queue", reader_id, what)]


class Cipher:
    def encrypt(self, text, associated_data):
        return {"sealed": f"<{len(text)} characters>", "aad": associated_data}


def change(sealed=None, state=None):
    return at_password_change(Cards(), Cipher(), READER, "New2026", "hash-new", (sealed, state), "at", 1)


def test_the_new_password_replaces_the_copy_waiting_for_the_first_delivery_and_nothing_more_is_queued():
    actions = change({"for_hash": "hash-old"}, {"pending": "create"})

    assert actions == [
        ("reseal", READER, {"sealed": "<7 characters>", "aad": f"{READER}:password"}, "hash-new", "hash-old")
    ]


def test_a_copy_waiting_for_an_address_still_unverified_is_replaced_too():
    assert [a[0] for a in change({"for_hash": "hash-old"}, None)] == ["reseal"]


def test_a_patron_held_without_our_password_is_given_the_new_one_by_a_write_of_its_own():
    actions = change(None, {"held_since": "2026-12-01T00:00:00.000Z"})

    assert actions[0][0] == "reseal" and actions[0][4] is None  # no copy to replace: none may appear meanwhile
    assert actions[1:] == [("queue", READER, PASSWORD)]


def test_a_write_already_queued_takes_the_new_copy_with_it():
    actions = change(None, {"held_since": "2026-12-01T00:00:00.000Z", "pending": "upgrade"})

    assert [a[0] for a in actions] == ["reseal"]


def test_a_reader_the_library_system_is_not_to_get_yet_has_nothing_sealed():
    assert change(None, None) == []
    assert change(None, {"refused": {"code": "duplicate"}}) == []
