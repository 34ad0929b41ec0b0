"""What every emulation of one process can share instead of building again: a test builds a fresh emulated AWS,
and two parts of that build cost far more than the emulated resources themselves.

- botocore's service models: a new boto3 Session parses each service's JSON model again (about half a second for
  the dozen services the template uses). The models never change while the process runs, so one loader serves all.
- moto's user-pool signing key: every user pool imports the same bundled RSA key, and importing it recovers the
  key's primes (about half a second per pool). The key is the same file each time, so it is imported once.
"""

from __future__ import annotations

import functools
import json
from typing import Any


@functools.cache
def service_models() -> Any:
    import botocore.loaders

    return botocore.loaders.create_loader()


def session(region: str) -> Any:
    """A boto3 Session of its own (credentials, clients) with the process's one loader of service models."""
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    core.register_component("data_loader", service_models())
    return boto3.Session(region_name=region, botocore_session=core)


class _KeysImportedOnce:
    """Stands for joserfc's jwk module where moto's user pools import their key."""

    def __init__(self, jwk: Any):
        self._jwk = jwk
        self.RSAKey = self._Rsa(jwk.RSAKey)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jwk, name)

    class _Rsa:
        def __init__(self, rsa_key: Any):
            self._rsa_key = rsa_key
            self._imported: dict[str, Any] = {}

        def import_key(self, value: Any, *args: Any, **kwargs: Any) -> Any:
            if args or kwargs or not isinstance(value, dict):
                return self._rsa_key.import_key(value, *args, **kwargs)
            text = json.dumps(value, sort_keys=True)
            if text not in self._imported:
                self._imported[text] = self._rsa_key.import_key(value)
            return self._imported[text]

        def __getattr__(self, name: str) -> Any:
            return getattr(self._rsa_key, name)


def install() -> None:
    """Patch moto's user pools in this process (idempotent)."""
    from moto.cognitoidp import models

    if not isinstance(models.jwk, _KeysImportedOnce):
        models.jwk = _KeysImportedOnce(models.jwk)  # type: ignore[assignment]
