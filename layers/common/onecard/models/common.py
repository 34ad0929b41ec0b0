"""Building blocks shared by the request and response models."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from onecard.domain.issues import FieldIssue
from onecard.web.validation import CROSS_FIELD_ERROR


class RequestModel(BaseModel):
    """A request body: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def raise_issues(issues: list[FieldIssue]) -> None:
    """Carry several field issues out of a model validator (pydantic can only raise one error there)."""
    if issues:
        raise PydanticCustomError(CROSS_FIELD_ERROR, "cross-field rules failed", {"issues": issues})


def check_with(rules: Callable[[Mapping[str, Any]], list[FieldIssue]], model: BaseModel) -> None:
    raise_issues(rules(model.model_dump(mode="python")))
