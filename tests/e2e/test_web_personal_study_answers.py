"""個人書房 reads every answer through the one helper (jsonMember): an answer of another shape — another route's
JSON, an error page, a list — is "not available", never a script error or a half-drawn page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.web import log_in, registered_reader

pytestmark = pytest.mark.browser
OTHER_SHAPES = {
    "a_list": ("application/json", "[1, 2]"),
    "an_error_page": ("text/html", "<html><body>502 Bad Gateway</body></html>"),
    "another_routes_answer": ("application/json", '{"cities": [], "links": "none", "receipts": {"a": 1}}'),
}


@pytest.mark.parametrize(("content_type", "body"), OTHER_SHAPES.values(), ids=OTHER_SHAPES.keys())
def test_a_profile_of_another_shape_says_the_service_is_not_available(stack, page, content_type, body):
    log_in(page, stack, registered_reader(stack))
    page.route("**/v1/readers/me", lambda route: route.fulfill(status=200, content_type=content_type, body=body))

    page.reload()

    expect(page.locator("#loading")).to_have_text("目前無法連線，請稍後再試。")
    expect(page.locator("#study")).to_be_hidden()


@pytest.mark.parametrize(("content_type", "body"), OTHER_SHAPES.values(), ids=OTHER_SHAPES.keys())
def test_links_and_receipts_of_another_shape_leave_what_is_shown(stack, page, content_type, body):
    import requests

    # The partner holds its answer, so the page keeps asking for the link's status.
    held = {"mode": "callback", "callback_delay_ms": 20_000}
    requests.post(f"{stack.simulator_url}/_control/ntpc", json=held, timeout=5).raise_for_status()
    try:
        reader = registered_reader(stack)
        stack.activate(reader["reader_id"])  # a card holder's link goes to the partner at once
        log_in(page, stack, reader)

        def other_shape_for_reads(route):
            if route.request.method == "GET":
                route.fulfill(status=200, content_type=content_type, body=body)
            else:
                route.continue_()  # the request itself reaches the API

        for path in ("**/v1/readers/me/links", "**/v1/readers/me/consents"):
            page.route(path, other_shape_for_reads)

        page.get_by_role("button", name="啟用雙北市立圖書館一證通用服務").click()
        page.get_by_role("dialog").get_by_role("button", name="同意", exact=True).click()

        status = page.locator("#status-ntpc")
        expect(status).to_contain_text("已送出申請")  # the request's own answer; the polls answer nothing usable
        for _ in range(2):  # two polls of the links, answered in another shape
            with page.expect_request(lambda r: r.method == "GET" and r.url.endswith("/v1/readers/me/links")):
                pass
        expect(status).to_contain_text("已送出申請")
        expect(page.get_by_text("尚無同意紀錄。")).to_be_visible()
        expect(page.locator("#receipt-list li")).to_have_count(0)
    finally:
        requests.post(f"{stack.simulator_url}/_control/ntpc", json={}, timeout=5).raise_for_status()
