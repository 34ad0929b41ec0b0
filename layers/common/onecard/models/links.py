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
    partner_available: bool = Field(
        default=True, description="false while the partner is down: a pending request is sent when it is back"
    )


class LinkList(ResponseModel):
    links: list[LinkView]


class PartnerCallback(RequestModel):
    event_id: Annotated[str, Field(min_length=1, max_length=100)]
    request_id: Annotated[str, Field(min_length=1, max_length=100)]
    status: Literal["active", "rejected", "unlinked"]
    partner_card_number: Annotated[str | None, Field(max_length=40)] = None
    reason: Annotated[str | None, Field(max_length=500)] = None


class PartnerState(ResponseModel):
    partner: str
    state: Literal["up", "down"]
    down_since: str | None = Field(default=None, description="UTC, ISO 8601; only while down")
    failures_in_a_row: int
    rate_per_second: int | None = Field(description="Calls per second agreed with the partner (None: not limited)")
    backlog: int = Field(
        description="Requests waiting for the partner (held, over its rate or backing off); approximate"
    )


class PartnerStateList(ResponseModel):
    partners: list[PartnerState]
