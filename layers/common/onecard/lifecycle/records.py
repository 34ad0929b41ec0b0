"""What the lifecycle's services and its repository exchange: pending applications, and how a write can be
refused (no AWS here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DueApplication:
    """A pending application as the deadline index holds it."""

    reader_id: str
    verify_by: str
    reminded: bool


class TokenRefused(Exception):
    """A verification link could not be spent: ``code`` is token_used or token_superseded."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class ActivationRefused(Exception):
    """A counter activation or card replacement was refused: ``code`` is not_pending, barcode_taken, links_changed,
    not_active or card_changed."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
