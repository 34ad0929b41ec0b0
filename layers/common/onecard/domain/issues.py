"""The one shape every rule uses to say what is wrong with a field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """A problem with one field of a request.

    ``field`` is a dotted path into the request body (``mailing_address.district``, ``partners.0.document_sha256``
    is written ``partners[0].document_sha256``); ``code`` is a stable machine-readable identifier; ``message`` is
    the text shown to the applicant, in Traditional Chinese.
    """

    field: str
    code: str
    message: str

    def under(self, prefix: str) -> FieldIssue:
        """The same issue, reported below a parent field."""
        return FieldIssue(f"{prefix}.{self.field}" if self.field else prefix, self.code, self.message)
