"""Secrets from AWS Secrets Manager, cached for the life of a warm container (rotation is picked up within max_age)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from onecard.infra.aws import client


def max_age_seconds() -> int:
    """How long a container keeps a secret (SECRET_CACHE_SECONDS, default 300): a rotation waits this out."""
    from onecard.config import settings

    return settings().secret_cache_seconds


def secret_text(secret_id: str) -> str:
    return str(_provider().get(secret_id, max_age=max_age_seconds()))


def secret_bytes(secret_id: str) -> bytes:
    return secret_text(secret_id).encode("utf-8")


_cached_provider: parameters.SecretsProvider | None = None


def _provider() -> parameters.SecretsProvider:
    global _cached_provider
    if _cached_provider is None:
        _cached_provider = parameters.SecretsProvider(boto3_client=client("secretsmanager"))
    return _cached_provider


def forget() -> None:
    global _cached_provider
    _cached_provider = None
