"""`sam validate --lint` and `sam build` succeed on template.yaml, and the build holds what Lambda will run:
each function's handler, the layer's code and every pinned dependency at its pinned version, built for arm64."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from devstack.template import ROOT, load_template, resources_of_type

# On one worker: each worker would otherwise run its own `sam build` (about 45 s).
pytestmark = pytest.mark.xdist_group("sam_build")

SAM = ROOT / ".venv-sam" / "bin" / "sam"
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
ELF_MACHINE_AARCH64 = 183


def run_sam(*arguments: str, timeout: int = 600) -> subprocess.CompletedProcess:
    assert SAM.exists(), f"{SAM} is missing: run `make install` (SAM CLI lives in its own virtualenv)"
    # No endpoint of the emulation and no credentials: neither command may need an AWS account.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update({"SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "ap-northeast-1"})
    return subprocess.run(
        [str(SAM), *arguments], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("sam")
    result = run_sam(
        "build",
        "--build-dir",
        str(work / "build"),
        "--cache-dir",
        str(work / "cache"),
        "--template-file",
        str(ROOT / "template.yaml"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return work / "build"


def pinned_requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "layers/common/requirements.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[re.sub(r"\[.*\]", "", name).lower().replace("-", "_")] = version
    return pins


def installed_distributions(site: Path) -> dict[str, str]:
    found = {}
    for info in site.glob("*.dist-info"):
        name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
        found[name.lower().replace("-", "_").replace(".", "_")] = version
    return found


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF shared object"
    return int.from_bytes(header[18:20], "little")


def test_sam_validate_with_lint_accepts_the_template():
    result = run_sam("validate", "--lint", "--template-file", str(ROOT / "template.yaml"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_the_build_holds_each_functions_handler(build_dir):
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")

    assert functions
    for name, resource in functions.items():
        module = resource["Properties"]["Handler"].rsplit(".", 1)[0]
        assert (build_dir / name / (module.replace(".", "/") + ".py")).is_file(), name


def test_the_layer_holds_our_package_and_every_pinned_dependency_at_its_version(build_dir):
    site = build_dir / "CommonLayer" / "python"
    installed = installed_distributions(site)

    assert (site / "onecard" / "__init__.py").is_file()
    assert (site / "onecard" / "data" / "openapi.json").is_file()
    for name, version in pinned_requirements().items():
        assert installed.get(name) == version, f"{name}: pinned {version}, built {installed.get(name)}"


def test_every_native_extension_in_the_layer_is_built_for_arm64(build_dir):
    extensions = list((build_dir / "CommonLayer").rglob("*.so"))

    assert extensions, "expected compiled dependencies (pydantic-core, cryptography, argon2)"
    wrong = [str(p.relative_to(build_dir)) for p in extensions if elf_machine(p) != ELF_MACHINE_AARCH64]
    assert wrong == []


def test_the_layer_and_a_function_fit_lambdas_unzipped_size_limit(build_dir):
    def size(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    largest_function = max(
        size(build_dir / name) for name in resources_of_type(load_template(), "AWS::Serverless::Function")
    )

    assert size(build_dir / "CommonLayer") + largest_function < LAMBDA_UNZIPPED_LIMIT_BYTES
