"""The contract of 個人書房 login and the reader's own view."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from onecard.models.common import RequestModel, ResponseModel


class LoginRequest(RequestModel):
    id_number: Annotated[str, Field(min_length=1, max_length=40, description="證號")]
    password: Annotated[str, Field(min_length=1, max_length=64)]


class SessionCreated(ResponseModel):
    reader_id: str
    csrf_token: str
    expires_at: int
    idle_timeout_seconds: int


class ReaderProfile(ResponseModel):
    reader_id: str
    card_type: str
    status: str
    id_type: str
    id_number_masked: str
    name: str
    gender: str
    birth_date: str
    occupation: str
    education: str
    mailing_address: dict[str, str] | None = None
    household_address: dict[str, str] | None = None
    phone_home: str | None = None
    phone_office: str | None = None
    household_phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    created_at: str
    consents: list[dict[str, Any]] = []


class ConsentReceiptList(ResponseModel):
    receipts: list[dict[str, Any]]
