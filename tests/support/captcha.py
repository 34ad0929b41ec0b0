"""Solving the API's captcha as the browser widget does."""

from __future__ import annotations

from onecard.captcha import solve


def solved_captcha(api) -> str:
    answer = api.get("/v1/captcha")
    assert answer.status == 200, answer.body
    return solve(answer.json())
