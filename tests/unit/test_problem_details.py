"""RFC 9457 problem bodies and the translation of pydantic errors into field issues."""

from __future__ import annotations

from onecard.domain.issues import FieldIssue
from onecard.web import problems
from onecard.web.validation import CROSS_FIELD_ERROR, field_path, is_body_shape_error, issues_from_errors


def test_field_paths_are_dotted_with_list_indexes_in_brackets():
    assert field_path(("body", "mailing_address", "district")) == "mailing_address.district"
    assert field_path(("body", "partners", 0, "document_sha256")) == "partners[0].document_sha256"
    assert field_path(("query", "id_number")) == "id_number"


def test_a_validation_problem_lists_every_issue_with_field_code_and_message():
    body = problems.InvalidFields([FieldIssue("a", "x", "甲"), FieldIssue("b.c", "y", "乙")]).body()

    assert body["status"] == 422 and body["type"].endswith("validation-error")
    assert body["errors"] == [
        {"field": "a", "code": "x", "message": "甲"},
        {"field": "b.c", "code": "y", "message": "乙"},
    ]
    assert "a" in body["detail"] and "b.c" in body["detail"]


def test_builtin_errors_get_traditional_chinese_messages():
    issues = issues_from_errors([{"type": "missing", "loc": ("body", "name"), "msg": "Field required"}])

    assert issues == [FieldIssue("name", "missing", "此欄位為必填")]


def test_cross_field_rules_run_on_the_raw_body_when_fields_fail_on_their_own():
    def rules(raw):
        return (
            [FieldIssue("password_confirm", "password_mismatch", "不一致")]
            if raw.get("password") != raw.get("password_confirm")
            else []
        )

    issues = issues_from_errors(
        [{"type": "missing", "loc": ("body", "name"), "msg": ""}], {"password": "a", "password_confirm": "b"}, rules
    )

    assert [i.field for i in issues] == ["name", "password_confirm"]


def test_cross_field_issues_carried_by_the_model_are_not_repeated():
    carried = {"type": CROSS_FIELD_ERROR, "loc": ("body",), "ctx": {"issues": [FieldIssue("mobile", "m", "x")]}}

    issues = issues_from_errors([carried], {"mobile": "1"}, lambda raw: [FieldIssue("mobile", "m", "x")])

    assert issues == [FieldIssue("mobile", "m", "x")]


def test_malformed_json_and_non_object_bodies_are_shape_errors_but_field_errors_are_not():
    assert is_body_shape_error({"type": "json_invalid", "loc": ("body", 3)})
    assert is_body_shape_error({"type": "model_attributes_type", "loc": ("body",)})
    assert not is_body_shape_error({"type": "missing", "loc": ("body", "name")})


def test_too_many_requests_carries_retry_after_of_at_least_one_second():
    problem = problems.TooManyRequests("slow down", retry_after_seconds=0)

    assert problem.headers == {"Retry-After": "1"} and problem.status == 429
