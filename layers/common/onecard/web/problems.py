"""RFC 9457 problem details: the exceptions domain code raises and the one mapping of each to a response."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from onecard.domain.issues import FieldIssue

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """An error a client can act upon. Subclasses fix the status and the type."""

    status: int = 500
    slug: str = "internal-error"
    title: str = "系統發生錯誤 (Internal error)"

    def __init__(
        self, detail: str, *, extra: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    @property
    def type(self) -> str:
        return f"/problems/{self.slug}"

    def body(self) -> dict[str, Any]:
        return {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail, **self.extra}


class MalformedRequest(Problem):
    status, slug, title = 400, "malformed-request", "請求格式錯誤 (Malformed request)"


class Unauthenticated(Problem):
    status, slug, title = 401, "unauthenticated", "需要登入 (Authentication required)"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "沒有權限 (Forbidden)"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "找不到資源 (Not found)"


class MethodNotAllowed(Problem):
    status, slug, title = 405, "method-not-allowed", "不支援此方法 (Method not allowed)"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "資料衝突 (Conflict)"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "不支援的內容格式 (Unsupported media type)"


class InvalidFields(Problem):
    """422: every failing field, each with a dotted path into the request body."""

    status, slug, title = 422, "validation-error", "資料有誤，請修正標示的欄位 (Validation failed)"

    def __init__(self, issues: Iterable[FieldIssue], detail: str | None = None, **kwargs: Any):
        self.issues = list(issues)
        fields = "、".join(dict.fromkeys(issue.field for issue in self.issues))
        super().__init__(detail or f"共有 {len(self.issues)} 項資料需要修正：{fields}", **kwargs)

    def body(self) -> dict[str, Any]:
        errors = [{"field": i.field, "code": i.code, "message": i.message} for i in self.issues]
        return {**super().body(), "errors": errors}


class TooManyRequests(Problem):
    status, slug, title = 429, "rate-limited", "請求過於頻繁 (Too many requests)"

    def __init__(self, detail: str, *, retry_after_seconds: int, **kwargs: Any):
        retry_after = max(1, int(retry_after_seconds))
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **kwargs)


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "服務暫時無法使用 (Service unavailable)"
