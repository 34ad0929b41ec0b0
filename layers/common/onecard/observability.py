"""One Logger, Tracer and Metrics for every function, configured by POWERTOOLS_* environment variables."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(utc=True)
tracer = Tracer()
metrics = Metrics()
