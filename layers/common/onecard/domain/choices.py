"""The fixed choices of the library's application form, with their zh-TW labels (the form's own wording)."""

from __future__ import annotations

from enum import StrEnum


class CardType(StrEnum):
    PERSONAL = "personal"  # 個人證
    FAMILY = "family"  # 家庭證


class Gender(StrEnum):
    FEMALE = "female"  # 女
    MALE = "male"  # 男


class Occupation(StrEnum):
    AGRICULTURE = "agriculture"
    SERVICE = "service"
    STUDENT = "student"
    FREELANCE = "freelance"
    BUSINESS = "business"
    INDUSTRY = "industry"
    EDUCATION = "education"
    MILITARY_PUBLIC = "military_public"
    CHILD = "child"
    OTHER = "other"


class Education(StrEnum):
    BELOW_PRIMARY = "below_primary"
    PRIMARY = "primary"
    JUNIOR_HIGH = "junior_high"
    SENIOR_HIGH = "senior_high"
    COLLEGE = "college"
    GRADUATE = "graduate"
    OTHER = "other"


OCCUPATION_LABELS = {
    Occupation.AGRICULTURE: "農漁礦牧",
    Occupation.SERVICE: "服務業",
    Occupation.STUDENT: "學生",
    Occupation.FREELANCE: "自由業",
    Occupation.BUSINESS: "商",
    Occupation.INDUSTRY: "工",
    Occupation.EDUCATION: "教",
    Occupation.MILITARY_PUBLIC: "軍公",
    Occupation.CHILD: "兒童",
    Occupation.OTHER: "其他",
}

EDUCATION_LABELS = {
    Education.BELOW_PRIMARY: "小學以下",
    Education.PRIMARY: "小學",
    Education.JUNIOR_HIGH: "國中",
    Education.SENIOR_HIGH: "高中(職)",
    Education.COLLEGE: "大學(專)",
    Education.GRADUATE: "研究所以上",
    Education.OTHER: "其他",
}
