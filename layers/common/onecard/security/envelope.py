"""Envelope encryption: AES-256-GCM under a KMS data key, which is cached for a while like the AWS Encryption SDK does.

Each ciphertext carries its encrypted data key, so staff tools decrypt with KMS and a key rotation never strands data.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def _aesgcm(key: bytes) -> AESGCM:
    # cryptography is imported by the first request that encrypts or decrypts, not at a cold start.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


_DATA_KEY_MAX_AGE_SECONDS = 300
_DATA_KEY_MAX_USES = 1000


@dataclass
class _DataKey:
    plaintext: bytes
    encrypted: bytes
    created: float
    uses: int = 0


class EnvelopeCipher:
    def __init__(self, kms: Any, key_id: str, *, context: dict[str, str] | None = None):
        self._kms = kms
        self._key_id = key_id
        self._context = dict(context or {"service": "onecard"})
        self._lock = threading.Lock()
        self._current: _DataKey | None = None
        self._decrypted: dict[bytes, bytes] = {}

    def encrypt(self, plaintext: str, associated_data: str) -> dict[str, str]:
        key = self._data_key_for_encryption()
        nonce = os.urandom(12)
        ciphertext = _aesgcm(key.plaintext).encrypt(nonce, plaintext.encode("utf-8"), associated_data.encode("utf-8"))
        return {
            "v": "1",
            "edk": base64.b64encode(key.encrypted).decode("ascii"),
            "nonce": base64.b64encode(nonce).decode("ascii"),
            "ct": base64.b64encode(ciphertext).decode("ascii"),
        }

    def decrypt(self, envelope: dict[str, str], associated_data: str) -> str:
        encrypted_key = base64.b64decode(envelope["edk"])
        key = self._plaintext_key(encrypted_key)
        plaintext = _aesgcm(key).decrypt(
            base64.b64decode(envelope["nonce"]), base64.b64decode(envelope["ct"]), associated_data.encode("utf-8")
        )
        return plaintext.decode("utf-8")

    def _data_key_for_encryption(self) -> _DataKey:
        with self._lock:
            key = self._current
            if (
                key is None
                or key.uses >= _DATA_KEY_MAX_USES
                or time.monotonic() - key.created > _DATA_KEY_MAX_AGE_SECONDS
            ):
                answer = self._kms.generate_data_key(
                    KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=self._context
                )
                key = _DataKey(answer["Plaintext"], answer["CiphertextBlob"], time.monotonic())
                self._current = key
                self._decrypted[key.encrypted] = key.plaintext
            key.uses += 1
            return key

    def _plaintext_key(self, encrypted_key: bytes) -> bytes:
        with self._lock:
            cached = self._decrypted.get(encrypted_key)
        if cached is not None:
            return cached
        answer = self._kms.decrypt(CiphertextBlob=encrypted_key, EncryptionContext=self._context)
        with self._lock:
            if len(self._decrypted) > 256:
                self._decrypted.clear()
            plaintext: bytes = answer["Plaintext"]
            self._decrypted[encrypted_key] = plaintext
        return plaintext
