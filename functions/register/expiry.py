"""Daily (template.yaml's Schedule): reminders 7 days before the deadline, and expiry of overdue applications."""

from __future__ import annotations

from typing import Any

# Imported first and from here, at the same depth in every function: boto3 imported deeper made CPython 3.11 map
# and unmap a frame-stack chunk hundreds of times (README, cold start).
import boto3  # noqa: F401

from onecard.lifecycle import expiry_job
from onecard.observability import logger, start_tracing


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_tracing()
    report = expiry_job.run_on()
    summary = {
        "day": report.day,
        "reminded": len(report.reminded),
        "expired": len(report.expired),
        "partners_told": report.partners_told,
        "unfinished": len(report.unfinished),
    }
    logger.info("expiry run", extra=summary)
    if report.unfinished:  # an error, so the function's error alarm tells the operators; tomorrow's run resumes
        raise RuntimeError(f"{len(report.unfinished)} expiries could not finish: {summary}")
    return summary
