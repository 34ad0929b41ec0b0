"""How a lifecycle write can be refused: shared by the services and the repository (no AWS here)."""

from __future__ import annotations


class TokenRefused(Exception):
    """A verification link could not be spent: ``code`` is token_used or token_superseded."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class ActivationRefused(Exception):
    """A counter activation was refused: ``code`` is not_pending or barcode_taken."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
