"""Both OpenAPI documents can be used as they are: a standard validator accepts them, and a well-known generator
makes a client from the public one that imports and speaks to the API's own models."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from devstack.openapi_document import DOCUMENT_PATH
from devstack.template import ROOT

PARTNER_DOCUMENT_PATH = ROOT / "docs/partner-openapi.yaml"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
CLIENT_PACKAGE = "onecard_api_client"


def test_the_served_api_document_is_valid_openapi_3_1(api):
    document = api.get("/v1/openapi.json").json()

    validate(document)  # raises on a dangling $ref or a malformed object
    assert document["openapi"].startswith("3.1")


def test_the_committed_api_document_is_valid_openapi_3_1():
    validate(json.loads(DOCUMENT_PATH.read_text("utf-8")))


def test_the_partner_document_is_valid_openapi_3_1():
    document = yaml.safe_load(PARTNER_DOCUMENT_PATH.read_text("utf-8"))

    validate(document)
    callback = document["paths"]["/v1/partners/{partner}/callbacks"]["post"]
    assert callback["responses"]["204"] == {"description": "Recorded, or already recorded"}


def _generate(document: Path, output: Path, package: str) -> subprocess.CompletedProcess[str]:
    config = output.parent / f"{package}-config.yaml"
    # No formatter hooks: the client is generated as the templates write it.
    config.write_text(yaml.safe_dump({"package_name_override": package, "post_hooks": []}))
    return subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(output),
            "--meta",
            "none",
            "--config",
            str(config),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def generated_client(tmp_path, monkeypatch):
    document = tmp_path / "openapi.json"
    document.write_text(DOCUMENT_PATH.read_text("utf-8"), encoding="utf-8")
    result = _generate(document, tmp_path / CLIENT_PACKAGE, CLIENT_PACKAGE)
    assert result.returncode == 0, result.stdout + result.stderr
    # The generator goes on past a schema it cannot read, leaving it out: that is a failure for us.
    assert "Warning" not in result.stdout, result.stdout
    monkeypatch.syspath_prepend(str(tmp_path))
    yield CLIENT_PACKAGE
    for name in [n for n in sys.modules if n == CLIENT_PACKAGE or n.startswith(f"{CLIENT_PACKAGE}.")]:
        del sys.modules[name]


def test_a_client_generated_from_the_public_document_imports_and_reads_the_apis_answers(generated_client, api):
    client_module = importlib.import_module(generated_client)
    models = importlib.import_module(f"{generated_client}.models")
    health_call = importlib.import_module(f"{generated_client}.api.service.health_v1_health_get")

    client = client_module.Client(base_url="http://127.0.0.1:3000")
    assert callable(health_call.sync_detailed)
    health = models.Health.from_dict(api.get("/v1/health").json())
    assert health.status == "ok"
    problem = models.ProblemDetails.from_dict(api.get("/v1/readers/me").json())
    assert problem.status == 401
    assert client._base_url == "http://127.0.0.1:3000"
