"""Turns pydantic's validation errors into our field issues: dotted paths and Traditional Chinese messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from onecard.domain.issues import FieldIssue

CROSS_FIELD_ERROR = "cross_field"

# Messages for pydantic's built-in error types; our own rules raise PydanticCustomError with zh-TW text already.
_BUILTIN_MESSAGES: dict[str, str] = {
    "missing": "此欄位為必填",
    "extra_forbidden": "不接受此欄位，請移除",
    "string_type": "應為文字",
    "string_too_short": "長度不足",
    "string_too_long": "長度超過上限",
    "string_pattern_mismatch": "格式不正確",
    "bool_type": "應為 true 或 false",
    "bool_parsing": "應為 true 或 false",
    "int_type": "應為整數",
    "int_parsing": "應為整數",
    # Never the codes themselves: a reader chooses from the form's list, in words (issue 28).
    "literal_error": "不是允許的選項，請從清單中選擇",
    "enum": "不是允許的選項，請從清單中選擇",
    "date_type": "日期格式應為 YYYY-MM-DD",
    "date_parsing": "日期格式應為 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式應為 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式應為 YYYY-MM-DD",
    "list_type": "應為清單",
    "too_short": "項目不足",
    "too_long": "項目過多",
    "model_type": "應為物件",
    "model_attributes_type": "應為物件",
    "dict_type": "應為物件",
    "value_error": "格式不正確",
}


def field_path(loc: Sequence[Any]) -> str:
    """('body', 'partners', 0, 'document_sha256') -> 'partners[0].document_sha256'."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _with_length(kind: str, message: str, ctx: Mapping[str, Any]) -> str:
    """A length rule says the length: an empty answer to a field of at least one character is a missing one."""
    if kind == "string_too_short" and isinstance(ctx.get("min_length"), int):
        return _BUILTIN_MESSAGES["missing"] if ctx["min_length"] <= 1 else f"{message}，至少 {ctx['min_length']} 個字元"
    if kind == "string_too_long" and isinstance(ctx.get("max_length"), int):
        return f"{message}，最多 {ctx['max_length']} 個字元"
    return message


def issue_from_error(error: Mapping[str, Any]) -> list[FieldIssue]:
    kind = error.get("type", "value_error")
    if kind == CROSS_FIELD_ERROR:
        return list(error.get("ctx", {}).get("issues", []))
    path = field_path(error.get("loc", ()))
    message = _BUILTIN_MESSAGES.get(kind)
    if message is None:
        message = str(error.get("msg", "格式不正確"))
    message = _with_length(kind, message, error.get("ctx") or {})
    return [FieldIssue(path, kind, message)]


def issues_from_errors(
    errors: Iterable[Mapping[str, Any]],
    raw_body: Any = None,
    cross_field_rules: Callable[[Mapping[str, Any]], list[FieldIssue]] | None = None,
) -> list[FieldIssue]:
    """Every field issue once, in request order.

    When some field fails on its own, pydantic never runs the cross-field rules; we run them on the raw body so
    the applicant still sees every mistake at once.
    """
    issues: list[FieldIssue] = []
    saw_cross_field = False
    for error in errors:
        saw_cross_field |= error.get("type") == CROSS_FIELD_ERROR
        issues.extend(issue_from_error(error))
    if not saw_cross_field and cross_field_rules and isinstance(raw_body, Mapping):
        reported = {issue.field for issue in issues}
        issues.extend(i for i in cross_field_rules(raw_body) if i.field not in reported)
    unique: dict[tuple[str, str], FieldIssue] = {}
    for issue in issues:
        unique.setdefault((issue.field, issue.code), issue)
    return list(unique.values())


def is_body_shape_error(error: Mapping[str, Any]) -> bool:
    """Malformed JSON, or a body that is not a JSON object: the request as a whole is unusable (400)."""
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        return True
    return loc == ("body",) and error.get("type") in {"model_type", "model_attributes_type", "dict_type", "missing"}
