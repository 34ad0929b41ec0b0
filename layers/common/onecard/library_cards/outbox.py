"""When a card's writes for the library system leave, committed with the step that causes them (transactional
outbox): the application seals the chosen password; the verified e-mail address (or, without one, the application
itself) makes the reader a provisional patron; the counter's activation upgrades it; a card replaced at the counter sends its new barcode; a reviewer's "not a duplicate"
sends a refused create again; an expiry or a duplicate rejection deletes the provisional patron. No AWS import here:
``cards`` is the LibraryCardRepository, ``cipher`` the envelope cipher.
"""

from __future__ import annotations

from typing import Any

from onecard.library_cards import password_associated_data

CREATE, UPGRADE, PASSWORD, CARD = "create", "upgrade", "password", "card"


def at_registration(
    cards: Any, cipher: Any, profile: dict[str, Any], password: str, at: str, now_epoch: int
) -> list[dict[str, Any]]:
    """The password sealed under the service's key, with the reader id as associated data, until the library
    system has it; an applicant who gave no e-mail address becomes a provisional patron at once."""
    reader_id = profile["reader_id"]
    sealed = cipher.encrypt(password, password_associated_data(reader_id))
    actions = cards.password_actions(reader_id, sealed, profile["password_hash"], at)
    if not profile.get("email"):
        actions += cards.queue_actions(reader_id, CREATE, at, now_epoch)
    return actions


def at_verification(cards: Any, reader_id: str, at: str, now_epoch: int) -> list[dict[str, Any]]:
    return cards.queue_actions(reader_id, CREATE, at, now_epoch)


def at_activation(cards: Any, reader_id: str, at: str, now_epoch: int) -> list[dict[str, Any]]:
    return cards.queue_actions(reader_id, UPGRADE, at, now_epoch)


def at_card_replacement(cards: Any, reader_id: str, at: str, now_epoch: int) -> list[dict[str, Any]]:
    """The counter gave the reader another card: the library system gets its cardnumber (and any refusal of the
    old one is cleared with the write queued)."""
    return cards.queue_actions(reader_id, CARD, at, now_epoch)


def at_deletion(cards: Any, reader_id: str, state: dict[str, Any] | None, at: str, now_epoch: int) -> list[dict]:
    """An expired or rejected application's provisional patron is deleted (none when nothing was ever sent)."""
    if not state:
        return []
    return cards.delete_actions(reader_id, state.get("patron_id"), at, now_epoch)


def after_review(cards: Any, reader_id: str, decision: str, at: str, now_epoch: int) -> None:
    """A reviewer's decision: "duplicate" deletes the provisional patron; "distinct" sends again, confirmed not a
    duplicate, a create the library system refused as one."""
    state = cards.state(reader_id)
    if decision == "duplicate":
        cards.commit(at_deletion(cards, reader_id, state, at, now_epoch))
    elif state and (state.get("refused") or {}).get("code") == "duplicate":
        cards.commit(cards.queue_actions(reader_id, CREATE, at, now_epoch, confirmed_not_duplicate=True))


def at_password_change(
    cards: Any,
    cipher: Any,
    reader_id: str,
    password: str,
    password_hash: str,
    waiting: tuple[dict[str, Any] | None, dict[str, Any] | None],
    at: str,
    now_epoch: int,
) -> list[dict[str, Any]]:
    """A password changed here (個人書房, 忘記密碼) while this service still holds it: what the library system is to
    get instead of the one it was waiting for. ``waiting``: the sealed copy and the reader's state there, as read
    (LibraryCardRepository.password_and_state).

    The new password is sealed in place of the waiting copy, in the change's own transaction (refused when that
    copy went meanwhile), so the first delivery carries it. Where the library system holds the patron already and
    no write is queued (its password refused earlier, or a reader brought in by the operators' command), a write
    is queued for it. Nothing goes where nothing waits: an application not yet sent is sealed at registration,
    and a reader not yet brought in hands their password over at the first login after."""
    sealed, state = waiting
    state = state or {}
    if sealed is None and not (state.get("pending") or state.get("held_since")):
        return []
    envelope = cipher.encrypt(password, password_associated_data(reader_id))
    replacing = sealed["for_hash"] if sealed else None
    actions = cards.reseal_actions(reader_id, envelope, password_hash, at, replacing)
    if state.get("held_since") and not state.get("pending"):
        actions += cards.queue_actions(reader_id, PASSWORD, at, now_epoch)
    return actions
