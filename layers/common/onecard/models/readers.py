"""The contract of 網路辦證 (applying for a card) and of 讀者證號是否辦過."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from onecard.domain.agreements import agreement_issues
from onecard.domain.choices import CardType, Education, Gender, Occupation
from onecard.domain.identity import IdType, NationalityType
from onecard.domain.issues import FieldIssue
from onecard.domain.people import TAIPEI
from onecard.domain.registration import registration_issues
from onecard.models.common import RequestModel, ResponseModel, check_with

Text = Annotated[str, Field(max_length=200)]


class AddressIn(RequestModel):
    city: Annotated[str, Field(max_length=10, description="縣市，例如 臺北市（台 亦可）", examples=["臺北市"])]
    district: Annotated[str, Field(max_length=10, description="鄉鎮市區，須屬於該縣市", examples=["中正區"])]
    street: Annotated[str, Field(max_length=200, description="路街巷弄號樓", examples=["中山南路 1 號"])]


class AddressOut(ResponseModel):
    postal_code: str
    city: str
    district: str
    street: str


PartnerCode = Literal["ntpc", "klcpl", "taipei-card"]


class PartnerAgreement(RequestModel):
    partner: Annotated[
        PartnerCode, Field(description="ntpc 新北市立圖書館、klcpl 基隆市公共圖書館、taipei-card 臺北卡")
    ]
    document_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="所閱讀並同意之個資同意書 sha256")]


def current_document_sha256(partner: str) -> str | None:
    from onecard.consent.documents import PARTNERS, default_library

    if partner not in PARTNERS:
        return None
    return default_library().current(partner, dt.datetime.now(TAIPEI).date()).sha256


def registration_rules(data: Mapping[str, Any]) -> list[FieldIssue]:
    """The cross-field rules, on today's date in Taipei (the library's day)."""
    return registration_issues(data, dt.datetime.now(TAIPEI).date()) + agreement_issues(
        data.get("partners"), current_document_sha256
    )


class HouseholdIn(RequestModel):
    register_number: Annotated[str, Field(max_length=20, description="戶號（依戶口名簿）")]
    head_name: Annotated[str, Field(max_length=200, description="戶長姓名")]
    head_id_number: Annotated[str, Field(max_length=20, description="戶長身分證字號")]


class GuardianIn(RequestModel):
    name: Annotated[str, Field(max_length=200, description="法定代理人姓名")]
    relationship: Literal["father", "mother", "legal_guardian"]
    id_number: Annotated[str, Field(max_length=20, description="法定代理人身分證字號或居留證號")]
    phone: Annotated[str, Field(max_length=40, description="法定代理人電話")]


class RegistrationRequest(RequestModel):
    card_type: Annotated[CardType, Field(description="辦證類型：personal 個人證、family 家庭證")]
    nationality_type: Annotated[
        NationalityType, Field(description="roc 中華民國國民、mainland 大陸人士、foreign 外籍人士")
    ]
    id_type: Annotated[IdType, Field(description="證件種類，須與身分別相符")]
    id_number: Annotated[
        str, Field(min_length=1, max_length=40, description="證號（不分大小寫）", examples=["A123456789"])
    ]
    passport_country: Annotated[str | None, Field(max_length=2, description="護照核發國家 ISO 3166-1 二碼")] = None
    password: Annotated[str, Field(max_length=64, description="4到10碼，英文或數字")]
    password_confirm: Annotated[str, Field(max_length=64)]
    name: Annotated[str, Field(max_length=200, description="姓名")]
    gender: Gender
    birth_date: dt.date
    occupation: Occupation
    education: Education
    mailing_address: AddressIn | None = None
    household_address: AddressIn | None = None
    household_same_as_mailing: bool = False
    phone_home: Annotated[str | None, Field(max_length=40, description="通訊電話（宅），可加分機 #123")] = None
    phone_office: Annotated[str | None, Field(max_length=40, description="通訊電話（公），可加分機 #123")] = None
    household_phone: Annotated[str | None, Field(max_length=40, description="戶籍電話；與行動電話至少填一個")] = None
    mobile: Annotated[str | None, Field(max_length=40, description="行動電話 09 開頭 10 碼，或 +886 9…")] = None
    email: Annotated[str | None, Field(max_length=254)] = None
    household: Annotated[HouseholdIn | None, Field(description="家庭證：戶號及戶長資料")] = None
    guardian: Annotated[GuardianIn | None, Field(description="未滿 18 歲者之法定代理人")] = None
    partners: Annotated[
        list[PartnerAgreement],
        Field(max_length=3, description="同時申請結合的合作館，每項為對其現行個資同意書之同意"),
    ] = []
    captcha: Annotated[str, Field(min_length=1, max_length=4000, description="ALTCHA 解答（base64）")]

    @model_validator(mode="after")
    def _cross_field_rules(self) -> RegistrationRequest:
        check_with(registration_rules, self)
        return self


class RequestedLink(ResponseModel):
    partner: PartnerCode
    status: Literal["waiting_for_verification", "agreed"]
    receipt_id: str


class RegistrationAccepted(ResponseModel):
    reader_id: str
    card_type: CardType
    status: Literal["pending_verification"]
    verify_by: Annotated[dt.date, Field(description="最後期限：請於此日（含）前至櫃檯完成身分確認 (Asia/Taipei)")]
    id_number_masked: str
    created_at: str
    next_steps: list[str]
    links: list[RequestedLink] = []


class Availability(ResponseModel):
    registered: bool


class Health(ResponseModel):
    status: Literal["ok"]


class CaptchaChallenge(ResponseModel):
    algorithm: str
    challenge: str
    salt: str
    signature: str
    maxnumber: int
