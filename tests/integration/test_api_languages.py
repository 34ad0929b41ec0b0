"""The API's own words follow Accept-Language: English on request, Chinese only for zh-TW, and, when the request
names no language, the original answer (Chinese, with the English beside it where both exist)."""

from __future__ import annotations

import re

from tests.support.applications import personal_application
from tests.support.captcha import solved_captcha

HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
CHINESE = {"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}

# Several mistakes at once: a pydantic check, domain rules with and without parameters, a cross-field rule.
MISTAKES = {
    "id_number": "A123456788",
    "password": "ab",
    "password_confirm": "cd",
    "name": "",
    "gender": "other",
    "mobile": "12345",
    "mailing_address": {"city": "臺北市", "district": "", "street": "中山南路 1 號"},
}


def _current_hash(api, partner):
    return api.get(f"/v1/consent-documents/{partner}").json()["sha256"]


def _apply(api, headers=None, **changes):
    return api.post("/v1/readers", personal_application(solved_captcha(api), **changes), headers=headers)


def test_in_english_a_form_with_mistakes_answers_an_english_title_detail_and_field_messages(api):
    answer = _apply(api, ENGLISH, **MISTAKES)

    problem = answer.json()
    assert answer.status == 422
    assert answer.header("Content-Language") == "en"
    assert "Accept-Language" in answer.header("Vary")
    assert problem["title"] == "Validation failed"
    assert problem["detail"].endswith("to correct: " + ", ".join(dict.fromkeys(e["field"] for e in problem["errors"])))
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert messages["id_number"] == "The check digit of the national ID number is not right; please check it"
    assert messages["password"] == "The password must be 4 to 10 characters long"
    assert messages["gender"].startswith("Not one of the allowed options: ")
    assert messages["mailing_address.district"] == "Choose a district of 臺北市"  # the city as the list shows it
    for field, message in messages.items():
        if field != "mailing_address.district":
            assert not HAN.search(message), (field, message)
    assert not HAN.search(problem["detail"] + problem["title"])


def test_in_chinese_only_chinese_is_answered(api):
    problem = _apply(api, CHINESE, **MISTAKES).json()

    assert problem["title"] == "資料有誤，請修正標示的欄位"
    assert problem["detail"].startswith("共有 ")
    assert all(HAN.search(e["message"]) for e in problem["errors"]), problem["errors"]
    assert "(" not in problem["title"]


def test_without_a_language_the_answer_is_as_it_always_was(api):
    answer = _apply(api, **MISTAKES)

    problem = answer.json()
    assert answer.header("Content-Language") is None
    assert problem["title"] == "資料有誤，請修正標示的欄位 (Validation failed)"
    assert problem["detail"].startswith("共有 ")
    assert {e["field"]: e["message"] for e in problem["errors"]}["password"] == "密碼長度應為 4 到 10 碼"


def test_titles_and_details_written_in_both_languages_are_split_by_the_request(api):
    english = api.get("/v1/readers/me", headers=ENGLISH).json()
    chinese = api.get("/v1/readers/me", headers=CHINESE).json()
    both = api.get("/v1/readers/me").json()

    assert (english["title"], english["detail"]) == ("Authentication required", "Please log in")
    assert (chinese["title"], chinese["detail"]) == ("需要登入", "請先登入個人書房，或登入已逾時")
    assert both["title"] == "需要登入 (Authentication required)"
    assert both["detail"] == "請先登入個人書房，或登入已逾時 (Please log in)"


def test_a_chinese_only_detail_has_its_english_in_the_catalogue(api):
    answer = api.request(
        "POST", "/v1/readers", raw_body=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded", **ENGLISH}
    )

    assert answer.status == 415
    assert answer.json()["detail"] == "Send the data as application/json"


def test_the_next_steps_are_in_the_language_asked_for(api):
    partners = [{"partner": "ntpc", "document_sha256": _current_hash(api, "ntpc")}]

    english = _apply(api, ENGLISH, partners=partners)
    chinese = _apply(api, CHINESE, partners=partners)
    both = _apply(api, partners=partners)

    assert english.status == chinese.status == both.status == 201
    english_steps, chinese_steps = english.json()["next_steps"], chinese.json()["next_steps"]
    assert len(english_steps) == 2 and not any(HAN.search(step) for step in english_steps)
    assert "branch counter" in english_steps[0]
    assert len(chinese_steps) == 3 and all(HAN.search(step) for step in chinese_steps)
    assert not any(re.search(r"[A-Za-z]{4,}", step) for step in chinese_steps)
    assert both.json()["next_steps"] == chinese_steps + english_steps
    assert english.header("Content-Language") == "en"
