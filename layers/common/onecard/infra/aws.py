"""One boto3 client per service per container, created on first use (endpoints come from AWS_ENDPOINT_URL*)."""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
# DynamoDB checks every request itself (ValidationException); the SDK's own walk over each request's attributes
# is CPU on every request path (a tenth to a quarter of a millisecond for an application's transaction).
_UNVALIDATED = {"dynamodb"}


@functools.cache
def client(service: str) -> Any:
    # LOCAL_AWS_ENDPOINT_URL is declared (empty) in template.yaml so that `sam local --env-vars` can point the
    # functions at an emulated AWS; boto3 itself also honours AWS_ENDPOINT_URL, which the local stack sets.
    endpoint = os.environ.get("LOCAL_AWS_ENDPOINT_URL") or None
    config = _CONFIG.merge(Config(parameter_validation=False)) if service in _UNVALIDATED else _CONFIG
    return boto3.client(service, config=config, endpoint_url=endpoint)
