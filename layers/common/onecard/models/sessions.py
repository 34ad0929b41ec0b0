"""The contract of 個人書房 login and the reader's own view."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from onecard.domain.choices import Education, Occupation
from onecard.models.common import RequestModel, ResponseModel
from onecard.models.readers import AddressIn


class LoginRequest(RequestModel):
    """證號 or 借閱證條碼 (exactly one), and the password: the one chosen at 網路辦證, or for an existing card holder
    the library system's."""

    id_number: Annotated[str | None, Field(min_length=1, max_length=40, description="證號")] = None
    card_barcode: Annotated[
        str | None, Field(min_length=4, max_length=20, pattern=r"^\s*[A-Za-z0-9-]+\s*$", description="借閱證條碼")
    ] = None
    password: Annotated[str, Field(min_length=1, max_length=64)]


class SessionCreated(ResponseModel):
    reader_id: str
    csrf_token: str
    expires_at: int
    idle_timeout_seconds: int


class NoticePreferences(RequestModel):
    """Which notices by mail the reader wants (security notices always go)."""

    links: Annotated[bool | None, Field(description="一證通用結合完成、未獲同意或失敗")] = None
    consent_revisions: Annotated[bool | None, Field(description="已同意之個資同意書修訂")] = None


class NoticeSettings(ResponseModel):
    links: bool = True
    consent_revisions: bool = True


class ReaderProfile(ResponseModel):
    reader_id: str
    card_type: str
    status: str
    id_type: str
    id_number_masked: str
    name: str
    gender: str | None = None
    birth_date: str | None = None
    occupation: str | None = None
    education: str | None = None
    password_source: Annotated[
        str | None, Field(description="library_system: the library system holds the password (change it there)")
    ] = None
    changes_in_library_system: Annotated[
        bool | None,
        Field(
            description="true: this card holder's password and contact data are changed in the library system from here"
        ),
    ] = None
    card_barcode: str | None = None
    card_status: Annotated[
        str | None, Field(description="valid / expired / blocked, as the library system said at the last login")
    ] = None
    card_expires: str | None = None
    activated_at: Annotated[
        str | None, Field(description="when the counter handed the card over (this service's cards)")
    ] = None
    library_address: Annotated[str | None, Field(description="地址 as the library system holds it")] = None
    mailing_address: dict[str, str] | None = None
    household_address: dict[str, str] | None = None
    phone_home: str | None = None
    phone_office: str | None = None
    household_phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    email_verified: bool | None = None
    verify_by: Annotated[str | None, Field(description="待臨櫃確認時之最後期限 (Asia/Taipei date)")] = None
    created_at: str
    links: list[dict[str, Any]] = []
    consent_revisions: list[dict[str, Any]] = []
    notices: Annotated[NoticeSettings, Field(description="通知信設定 (security notices always go)")] = NoticeSettings()


class ConsentReceiptList(ResponseModel):
    receipts: list[dict[str, Any]]


class CorrectionRequest(RequestModel):
    """補充或更正: any of the correctable fields. The counter-only ones are accepted here only to be refused
    with a message that says where to go."""

    gender: Literal["female", "male"] | None = None
    occupation: Occupation | None = None
    education: Education | None = None
    mailing_address: AddressIn | None = None
    household_address: AddressIn | None = None
    household_same_as_mailing: bool | None = None
    phone_home: Annotated[str | None, Field(max_length=40)] = None
    phone_office: Annotated[str | None, Field(max_length=40)] = None
    household_phone: Annotated[str | None, Field(max_length=40)] = None
    mobile: Annotated[str | None, Field(max_length=40)] = None
    email: Annotated[str | None, Field(max_length=254)] = None
    id_number: Annotated[str | None, Field(max_length=40, description="不可線上修改（請至櫃檯）")] = None
    name: Annotated[str | None, Field(max_length=200, description="不可線上修改（請至櫃檯）")] = None
    birth_date: Annotated[str | None, Field(max_length=20, description="不可線上修改（請至櫃檯）")] = None
    id_type: Annotated[str | None, Field(max_length=40, description="不可線上修改（請至櫃檯）")] = None
    nationality_type: Annotated[str | None, Field(max_length=40, description="不可線上修改（請至櫃檯）")] = None
    notices: Annotated[NoticePreferences | None, Field(description="通知信設定：links、consent_revisions 可關閉")] = (
        None
    )


class PasswordChange(RequestModel):
    current_password: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(max_length=64)]
    password_confirm: Annotated[str, Field(max_length=64)]


class ErasureRequest(RequestModel):
    password: Annotated[str, Field(min_length=1, max_length=64)]


class ErasureAccepted(ResponseModel):
    request_id: str
    status: Literal["completed"]
    deadline: str
    completed_at: str


class ConsentDecisionRequest(RequestModel):
    """同意 / 不同意 a revised document: agreeing keeps the link, declining withdraws it."""

    partner: Literal["ntpc", "klcpl", "taipei-card"]
    document_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    decision: Literal["agree", "decline"]
