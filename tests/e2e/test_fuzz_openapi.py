"""schemathesis against /v1/openapi.json on the running local stack: no generated request gets a server error, and
every answer — status, content type, body and headers — is one the document promises.

The reader routes are fuzzed with a logged-in reader's Bearer token, so their validation is reached, not only 401.
`make test` runs a short profile; `make fuzz` (ONECARD_FUZZ_PROFILE=long) runs many more examples.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from onecard.captcha import solve
from onecard.sessions.service import SESSION_COOKIE
from tests.support.applications import personal_application

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
    "response_headers_conformance,unsupported_method"
)


def _reader_token(url: str) -> str:
    http = requests.Session()
    body = personal_application(solve(http.get(f"{url}/v1/captcha", timeout=10).json()))
    assert http.post(f"{url}/v1/readers", json=body, timeout=30).status_code == 201
    login = http.post(
        f"{url}/v1/sessions", json={"id_number": body["id_number"], "password": body["password"]}, timeout=30
    )
    assert login.status_code == 201, login.text
    return http.cookies[SESSION_COOKIE]


def test_generated_requests_never_get_a_5xx_and_every_answer_conforms_to_the_document(stack, tmp_path):
    examples = "300" if os.environ.get("ONECARD_FUZZ_PROFILE") == "long" else "15"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{stack.url}/v1/openapi.json",
        "--url",
        stack.url,
        "--checks",
        CHECKS,
        "--max-examples",
        examples,
        "--seed",
        "2026",
        "--phases",
        "examples,coverage,fuzzing",
        "--no-color",
        "--header",
        f"Authorization: Bearer {_reader_token(stack.url)}",
        # Logging out would end the session the other reader routes are fuzzed with.
        "--exclude-path",
        "/v1/sessions/current",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
