"""New cards reach the library system: an application becomes a provisional patron there, the counter's activation
makes it a full one, and the library system holds the password from then on."""

LIBRARY_CARD = "library_card"
"""The ``kind`` of an outbox message for the library system (the relay sends it to the library-card queue)."""
LIBRARY_SYSTEM_PARTNER = "library-system"
"""The library system's name among the partners: its circuit breaker item and its rate counters."""


def password_associated_data(reader_id: str) -> str:
    """The associated data of the sealed password: it opens only as this reader's."""
    return f"{reader_id}:password"
