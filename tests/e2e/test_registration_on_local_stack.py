"""What a newcomer does with curl after `make run`, against the running local stack."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from onecard.captcha import solve
from tests.support.applications import new_national_id, personal_application
from tests.support.running_stack import start_stack


def captcha(base: str) -> str:
    return solve(requests.get(f"{base}/v1/captcha", timeout=10).json())


def test_the_stack_answers_health_and_prints_where_it_listens(stack):
    answer = requests.get(f"{stack.url}/v1/health", timeout=5)

    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert answer.headers["X-Request-Id"]
    assert f"listening on http://127.0.0.1:{stack.port}" in stack.output()


def test_apply_then_apply_again_then_a_form_with_mistakes(stack):
    id_number = new_national_id()
    first = requests.post(
        f"{stack.url}/v1/readers", json=personal_application(captcha(stack.url), id_number=id_number), timeout=10
    )
    again = requests.post(
        f"{stack.url}/v1/readers", json=personal_application(captcha(stack.url), id_number=id_number), timeout=10
    )
    wrong = requests.post(
        f"{stack.url}/v1/readers",
        json=personal_application(captcha(stack.url), id_number="A123456788", mobile="123", email="x@"),
        timeout=10,
    )

    assert first.status_code == 201 and first.json()["reader_id"].startswith("R")
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"id_number", "mobile", "email"}


def test_a_captcha_solution_is_accepted_only_once(stack):
    solution = captcha(stack.url)
    first = requests.post(f"{stack.url}/v1/readers", json=personal_application(solution), timeout=10)
    replay = requests.post(f"{stack.url}/v1/readers", json=personal_application(solution), timeout=10)

    assert first.status_code == 201
    assert replay.status_code == 422 and replay.json()["errors"][0]["field"] == "captcha"


def test_twenty_parallel_identical_applications_make_exactly_one_reader(stack):
    id_number = new_national_id()
    bodies = [personal_application(captcha(stack.url), id_number=id_number) for _ in range(20)]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(
            pool.map(lambda b: requests.post(f"{stack.url}/v1/readers", json=b, timeout=60).status_code, bodies)
        )

    assert statuses == [201] + [409] * 19


def test_unknown_routes_are_404_problems(stack):
    answer = requests.get(f"{stack.url}/v1/no-such-thing", timeout=5)

    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"


# A stop is not timed here (a busy machine makes any wall-clock bound a coin toss): the stack's loops share one
# 2-second deadline by design (LocalStack.stop), and the stop must end the process cleanly, its data saved.
def test_a_restart_keeps_the_reader_and_a_stop_ends_the_stack_cleanly_with_its_data_saved(tmp_path):
    first = start_stack(tmp_path / "state")
    id_number = new_national_id()
    try:
        created = requests.post(
            f"{first.url}/v1/readers", json=personal_application(captcha(first.url), id_number=id_number), timeout=10
        )
        assert created.status_code == 201
    finally:
        first.stop(timeout=60)
    assert first.process.returncode == 0
    assert first.output().rstrip().endswith("stopped"), first.output()[-500:]

    second = start_stack(tmp_path / "state")
    try:
        known = requests.get(
            f"{second.url}/v1/readers/availability",
            params={"id_type": "national_id", "id_number": id_number},
            timeout=5,
        )
        again = requests.post(
            f"{second.url}/v1/readers", json=personal_application(captcha(second.url), id_number=id_number), timeout=10
        )
        assert known.json() == {"registered": True}
        assert again.status_code == 409
    finally:
        second.stop()
