"""The contract of the consent documents (個資同意書) and the receipts of readers' decisions."""

from __future__ import annotations

import datetime as dt

from onecard.models.common import ResponseModel


class ConsentDocumentSummary(ResponseModel):
    partner: str
    version: int
    title: str
    title_en: str
    effective_from: dt.date
    sha256: str
    data_fields: list[str]


class ConsentDocumentText(ConsentDocumentSummary):
    text_zh: str
    text_en: str
    summary_of_changes: str | None = None


class ConsentDocumentList(ResponseModel):
    documents: list[ConsentDocumentSummary]
