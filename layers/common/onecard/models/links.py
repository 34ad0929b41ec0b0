"""The contract of one-card links (一證通用) and partners' callbacks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from onecard.models.common import RequestModel, ResponseModel
from onecard.models.readers import PartnerCode


class LinkRequest(RequestModel):
    partner: PartnerCode
    document_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="所同意之個資同意書 sha256")]


class LinkAccepted(ResponseModel):
    partner: PartnerCode
    status: Literal["pending", "waiting_for_verification", "unlinking", "withdrawn"]
    request_id: str


class LinkView(ResponseModel):
    partner: str
    status: str
    request_id: str | None = None
    partner_card_number: str | None = None
    reason: str | None = None
    updated_at: str | None = None


class LinkList(ResponseModel):
    links: list[LinkView]


class PartnerCallback(RequestModel):
    event_id: Annotated[str, Field(min_length=1, max_length=100)]
    request_id: Annotated[str, Field(min_length=1, max_length=100)]
    status: Literal["active", "rejected", "unlinked"]
    partner_card_number: Annotated[str | None, Field(max_length=40)] = None
    reason: Annotated[str | None, Field(max_length=500)] = None
