"""Secrets from AWS Secrets Manager, cached for the life of a warm container (rotation is picked up within max_age)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from onecard.infra.aws import client

_MAX_AGE_SECONDS = 300


def secret_bytes(secret_id: str) -> bytes:
    provider = _provider()
    value = provider.get(secret_id, max_age=_MAX_AGE_SECONDS)
    return str(value).encode("utf-8")


_cached_provider: parameters.SecretsProvider | None = None


def _provider() -> parameters.SecretsProvider:
    global _cached_provider
    if _cached_provider is None:
        _cached_provider = parameters.SecretsProvider(boto3_client=client("secretsmanager"))
    return _cached_provider


def forget() -> None:
    global _cached_provider
    _cached_provider = None
