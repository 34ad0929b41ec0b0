"""The service's secret keys, fetched from the secret store on first use and cached."""

from __future__ import annotations

from onecard.config import Settings
from onecard.infra.secrets import secret_bytes


class KeyRing:
    def __init__(self, settings: Settings):
        self._settings = settings

    def captcha_hmac_key(self) -> bytes:
        return secret_bytes(self._settings.captcha_secret_id)

    def blind_index_key(self) -> bytes:
        return secret_bytes(self._settings.blind_index_secret_id)
