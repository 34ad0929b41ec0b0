"""The one place that chooses the language of the API's words: Accept-Language, the catalogue, the split of
"中文 (English)" texts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from onecard.domain.identity import IdType, NationalityType, id_number_issue, id_type_issue
from onecard.web.language import (
    EN,
    FIELD_MESSAGES,
    ZH_TW,
    detail_text,
    field_message,
    has_han,
    localise_problem,
    negotiate,
    split_bilingual,
)
from onecard.web.validation import _BUILTIN_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
# A field issue's code as written where it is raised: FieldIssue(<field>, "<code>", …) or CaptchaRejected("<code>", …).
_RAISED_CODE = re.compile(r'(?:FieldIssue\(\s*[^,()]+(?:\([^()]*\))?[^,()]*,\s*|CaptchaRejected\(\s*)"([a-z0-9_]+)"')


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("fr-FR", None),
        ("*", None),
        ("en", EN),
        ("en-US,en;q=0.9", EN),
        ("zh-TW", ZH_TW),
        ("zh-Hant-TW", ZH_TW),
        ("zh", ZH_TW),
        ("zh-TW,zh;q=0.9,en-US;q=0.8", ZH_TW),
        ("fr, en;q=0.5, zh;q=0.4", EN),
        ("en;q=0, zh-TW", ZH_TW),
        ("zh;q=0.5, en;q=0.5", ZH_TW),
        ("en;q=abc", None),
    ],
)
def test_accept_language_names_zh_tw_or_en_or_neither(header, expected):
    assert negotiate(header) == expected


def test_a_bilingual_text_is_split_and_a_chinese_only_one_is_left_whole():
    assert split_bilingual("找不到此網址 (No such route)") == ("找不到此網址", "No such route")
    assert split_bilingual("資料刪除尚未完成「刪除我的資料」(The erasure could not finish)") == (
        "資料刪除尚未完成「刪除我的資料」",
        "The erasure could not finish",
    )
    assert split_bilingual("高中(職)") == ("高中(職)", None)
    assert split_bilingual("請重新登入") == ("請重新登入", None)


def test_every_field_issue_code_raised_in_the_code_has_an_english_message():
    raised = set()
    for path in [*ROOT.glob("layers/common/onecard/**/*.py"), *ROOT.glob("functions/**/*.py")]:
        raised |= set(_RAISED_CODE.findall(path.read_text("utf-8")))
    raised |= set(_BUILTIN_MESSAGES)

    assert len(raised) > 40  # the scan still finds the raise sites
    assert sorted(raised - set(FIELD_MESSAGES)) == []


@pytest.mark.parametrize("id_type", list(IdType))
def test_identity_messages_name_the_document_in_english(id_type):
    for number in ("", "?", "A123456788"):
        issue = id_number_issue(id_type, number)
        if issue is None:
            continue
        english = field_message(issue.code, issue.message, EN)
        assert not has_han(english), english
        assert field_message(issue.code, issue.message, ZH_TW) == issue.message
    for nationality in NationalityType:
        issue = id_type_issue(nationality, id_type)
        if issue is not None:
            assert not has_han(field_message(issue.code, issue.message, EN)), issue.message


def test_a_problem_body_keeps_its_shape_in_every_language():
    body: dict[str, Any] = {
        "type": "/problems/rate-limited",
        "title": "請求過於頻繁 (Too many requests)",
        "status": 429,
        "detail": "查詢次數過多，請稍後再試",
        "retry_after_seconds": 30,
        "errors": [{"field": "email", "code": "verification_mail_limit", "message": "次數過多 (Too many mails)"}],
    }

    english, chinese, unchanged = (localise_problem(body, lang) for lang in (EN, ZH_TW, None))

    assert english == {
        **body,
        "title": "Too many requests",
        "detail": "Too many checks; try again later",
        "errors": [{**body["errors"][0], "message": "Too many mails"}],
    }
    assert chinese == {**body, "title": "請求過於頻繁", "errors": [{**body["errors"][0], "message": "次數過多"}]}
    assert unchanged == body


def test_an_unknown_chinese_detail_is_kept_rather_than_lost():
    assert detail_text("某個新的訊息", EN) == "某個新的訊息"
