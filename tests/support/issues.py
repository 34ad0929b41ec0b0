"""The issue a rule reported, for tests that look into it."""

from __future__ import annotations

from onecard.domain.issues import FieldIssue


def reported(issue: FieldIssue | None) -> FieldIssue:
    """The issue, or an AssertionError when the rule found nothing wrong."""
    assert issue is not None, "the rule reported no issue"
    return issue
