"""E-mail address syntax, checked offline (no DNS look-up on a request path)."""

from __future__ import annotations

from onecard.domain.issues import FieldIssue


def normalise_email(raw: str) -> str | None:
    # Imported on first use: its tables take a noticeable part of a cold start that most requests do not need.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def email_issue(field: str, raw: str) -> FieldIssue | None:
    if normalise_email(raw) is None:
        return FieldIssue(field, "email_format", "電子信箱格式不正確，例如 name@example.com")
    return None
