"""The contract of e-mail verification and of the counter staff's API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from onecard.models.common import RequestModel, ResponseModel


class EmailVerificationRequest(RequestModel):
    token: Annotated[str, Field(min_length=1, max_length=200, description="驗證信中連結的 token")]


class EmailVerified(ResponseModel):
    email_verified: Literal[True]


class VerificationSent(ResponseModel):
    sent_to: Annotated[str, Field(description="收件信箱（遮蔽）")]
    valid_hours: int


LookupPurpose = Literal["identity_check", "reader_enquiry"]
"""Why the counter looks a reader up (recorded in the reader's audit trail): to check the identity document and
activate the card (核對身分證件、啟用借閱證), or to answer the reader at the counter (臨櫃讀者查詢)."""

DocumentChecked = Literal["national_id_card", "resident_certificate", "passport", "household_register", "entry_permit"]


class ReviewFlag(ResponseModel):
    status: Literal["open", "distinct", "duplicate"]
    resembles: list[str]
    flagged_at: str
    decided_at: str | None = None
    source: str | None = None
    """``library_system`` when the library system refused the patron as a duplicate of one it holds."""


class StaffHousehold(ResponseModel):
    """A family card's household as the 戶口名簿 shows it, for the counter to compare."""

    register_number: str
    head_name: str


class LibrarySystemStatus(ResponseModel):
    """Whether the library system has the application: held (since when, in which category), waiting (what, why,
    since when), refused (the library system's code and detail, when), or not sent yet. The staff page draws it
    from these fields in its own language; ``words`` says the same in one zh-TW sentence, for other clients."""

    state: Literal["held", "waiting", "refused", "not_sent"]
    words: Annotated[str, Field(description="The status as one zh-TW sentence (the staff page draws its own)")]
    since: Annotated[
        str | None, Field(description="held: since when it holds the patron; waiting: since when; refused: when")
    ] = None
    category: Annotated[
        Literal["provisional", "full"] | None, Field(description="The category the library system holds them in")
    ] = None
    reason: Annotated[
        str | None,
        Field(
            description="waiting: why (queued, unreachable, down, rate); refused: the code (duplicate, cardnumber, "
            "password, data, failed)"
        ),
    ] = None
    pending: Annotated[
        Literal["create", "upgrade", "password", "card"] | None,
        Field(description="waiting: what waits to be written (card: a replaced card's new barcode)"),
    ] = None
    held_since: Annotated[
        str | None, Field(description="Since when the library system holds the patron, whatever the state")
    ] = None
    down_since: Annotated[str | None, Field(description="waiting while the library system is down: since when")] = None
    detail: Annotated[str | None, Field(description="refused: the library system's own words")] = None


class StaffApplication(ResponseModel):
    """What the counter sees to check an applicant's identity document: the ID number in clear. A card holder taken
    over from the library system has only what it gives (no nationality type or gender; their password is the
    library system's: ``password_source``)."""

    reader_id: str
    status: str
    verify_by: str | None = None
    card_type: str
    nationality_type: str | None = None
    id_type: str
    id_number: str
    passport_country: str | None = None
    name: str
    gender: str | None = None
    birth_date: str | None = None
    password_source: str | None = None
    card_status: str | None = None
    mailing_address: dict[str, str] | None = None
    mobile: str | None = None
    email: str | None = None
    email_verified: bool | None = None
    guardian: dict[str, Any] | None = None
    household: StaffHousehold | None = None
    household_address: dict[str, str] | None = None
    created_at: str
    card_barcode: str | None = None
    review: ReviewFlag | None = None
    library_system: LibrarySystemStatus | None = None


class ActivationRequest(RequestModel):
    """Who activates and at which branch come from the signed-in staff member's token, never from the body: any
    other field (an older client's staff_id or branch) is ignored."""

    model_config = ConfigDict(extra="ignore")

    card_barcode: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{6,20}$", description="借閱證條碼")]
    document_checked: Annotated[DocumentChecked, Field(description="臨櫃查驗之身分證件種類")]
    guardian_id_number: Annotated[
        str | None,
        Field(
            default=None,
            min_length=1,
            max_length=40,
            description="未成年申請：到場法定代理人證件上之證號（須與申請書所填相符）",
        ),
    ] = None


class Activated(ResponseModel):
    reader_id: str
    status: Literal["active"]
    card_barcode: str
    activated_at: str
    library_system: LibrarySystemStatus | None = None
    """The upgrade in the library system, which leaves with the activation and is waiting at first."""


class CardReplacementRequest(RequestModel):
    """Who gives the card and at which branch come from the signed-in staff member's token, never from the body."""

    card_barcode: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{6,20}$", description="新借閱證條碼（掃描）")]
    reason: Annotated[
        Literal["lost", "damaged", "refused_by_library_system"],
        Field(
            description="換證原因：lost 遺失，damaged 損壞，refused_by_library_system 圖書館系統已有此條碼（屬他人）"
        ),
    ]


class CardReplaced(ResponseModel):
    reader_id: str
    card_barcode: str
    previous_card_barcode: str
    reason: str
    replaced_at: str
    library_system: LibrarySystemStatus | None = None
    """The new barcode's write to the library system, which leaves with the replacement and is waiting at first."""


class ResemblingRecord(ResponseModel):
    reader_id: str
    status: str
    name: str
    birth_date: str
    id_type: str
    id_number_masked: str
    created_at: str


class Review(ResponseModel):
    reader_id: str
    flagged_at: str
    source: str | None = None
    """``library_system``: the library system holds a patron with this name and birth date (no record here)."""
    application: ResemblingRecord
    resembles: list[ResemblingRecord]


class ReviewList(ResponseModel):
    reviews: list[Review]


class ReviewDecisionRequest(RequestModel):
    decision: Annotated[
        Literal["distinct", "duplicate"],
        Field(description="distinct 不同人（解除標記）、duplicate 同一人重複申請（不予啟用）"),
    ]


class ReviewDecided(ResponseModel):
    reader_id: str
    decision: Literal["distinct", "duplicate"]
    decided_at: str


class AuditEntry(ResponseModel):
    """One entry of a reader's audit trail: who (the reader, or a staff member's user name) did what, where, when."""

    at: str
    field: str
    action: str
    by: str
    channel: str
    branch: str | None = None
    document_checked: str | None = None
    card_barcode: str | None = None
    purpose: str | None = None
    """Why a staff member read the reader's personal data (a lookup's purpose)."""


class AuditTrail(ResponseModel):
    reader_id: str
    entries: list[AuditEntry]


class PasswordResetRequest(RequestModel):
    """證號 or 借閱證條碼 (exactly one)."""

    id_number: Annotated[str | None, Field(min_length=1, max_length=40, description="證號")] = None
    card_barcode: Annotated[
        str | None, Field(min_length=4, max_length=20, pattern=r"^\s*[A-Za-z0-9-]+\s*$", description="借閱證條碼")
    ] = None


class PasswordResetAccepted(ResponseModel):
    """The same answer whoever asked: a link is mailed only to a verified address of a reader whose password this
    service holds."""

    accepted: Literal[True]
    valid_minutes: int


class PasswordResetCompletion(RequestModel):
    password: Annotated[str, Field(min_length=1, max_length=64)]
    password_confirm: Annotated[str, Field(min_length=1, max_length=64)]


class PasswordResetDone(ResponseModel):
    password_reset: Literal[True]
    sessions_ended: Literal[True]


class GuardianCheck(RequestModel):
    """The ID number on the identity document of the adult who came with a minor applicant."""

    id_number: Annotated[str, Field(min_length=1, max_length=40, description="到場成年人之證號")]


class GuardianCheckResult(ResponseModel):
    matches: Annotated[bool, Field(description="是否為申請書所填之法定代理人")]
