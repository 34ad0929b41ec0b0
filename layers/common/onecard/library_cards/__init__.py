"""New cards reach the library system: an application becomes a provisional patron there, the counter's activation
makes it a full one, and the library system holds the password from then on."""

LIBRARY_CARD = "library_card"
"""The ``kind`` of an outbox message for the library system (the relay sends it to the library-card queue)."""
READ_RECORD = "read_record"
"""The ``action`` of a message that reads a card holder's patron record rather than writing one."""
LIBRARY_SYSTEM_PARTNER = "library-system"
"""The library system's name among the partners: its circuit breaker item and its rate counters."""


def password_associated_data(reader_id: str) -> str:
    """The associated data of the sealed password: it opens only as this reader's."""
    return f"{reader_id}:password"


PASSWORD_SK = "LIBRARY_PASSWORD"
"""The sort key of a reader's sealed password (under their READER# partition) while it waits for the library system."""


class SealedPasswordMoved(Exception):
    """A password change here found the sealed copy it replaces delivered or replaced meanwhile: nothing was
    written, and the change is to be asked again (it then goes where the password is now)."""
