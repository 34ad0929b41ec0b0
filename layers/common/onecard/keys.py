"""The service's secret keys, fetched from the secret store on first use and cached.

Each secret may hold several key versions during a rotation (onecard.security.key_versions); a secret holding one
plain value, as the stack creates it, is version 1.
"""

from __future__ import annotations

from onecard.config import Settings
from onecard.infra.secrets import secret_text
from onecard.security.identity_indexes import IdentityIndexes
from onecard.security.key_versions import VersionedKeys


def _versions(secret_id: str) -> VersionedKeys:
    return VersionedKeys.parse(secret_text(secret_id))


class KeyRing:
    def __init__(self, settings: Settings):
        self._settings = settings

    def captcha_keys(self) -> VersionedKeys:
        return _versions(self._settings.captcha_secret_id)

    def captcha_hmac_key(self) -> bytes:
        """The key that signs new challenges (a solution is checked against every live version)."""
        return self.captcha_keys().current_key

    def captcha_verification_keys(self) -> list[bytes]:
        """Every live version: a challenge signed just before a rotation is still accepted until it expires."""
        return self.captcha_keys().live_keys()

    def blind_index_keys(self) -> VersionedKeys:
        return _versions(self._settings.blind_index_secret_id)

    def blind_index_key(self) -> bytes:
        """The current version's key (new indexes are made with it; IdentityIndexes knows every live version)."""
        return self.blind_index_keys().current_key

    def identity_indexes(self) -> IdentityIndexes:
        return IdentityIndexes(self.blind_index_keys())
