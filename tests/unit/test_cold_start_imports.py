"""What each function loads before its first request stays what every request needs (issue #19), checked without
timing anything: a fresh interpreter imports the handler as Lambda does and its modules are compared

* with a deny-list of packages that only some requests need (they are imported where first used), and
* with the committed list of top-level packages of that function (cold_start_modules/<function>.txt),

and a failure names the project line that brought the new import in. After a deliberate change, rewrite the lists
with ``python -m tests.unit.test_cold_start_imports``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from devstack.cold_import import HANDLER_FUNCTIONS, cold_import
from tests.support.cold_imports import cold_imports

FUNCTIONS = HANDLER_FUNCTIONS
LISTS = Path(__file__).resolve().parent / "cold_start_modules"
PROJECT_PACKAGES = frozenset({"onecard", "register", "consent", "link"})

# Loaded by the first request that needs them, never at import.
HEAVY_PACKAGES = frozenset(
    {
        "aws_xray_sdk",
        "wrapt",
        "email_validator",
        "idna",
        "argon2",
        "_argon2_cffi_bindings",
        "cryptography",
        "altcha",
        "jwt",
        "jose",
        "requests",
        "moto",
    }
)
LAZY_PROJECT_MODULES = frozenset(
    {"onecard.infra.sip2_library", "onecard.infra.sip2_codec", "onecard.rotation", "onecard.mail.local_sink"}
)


def top_level_packages(modules: list[str]) -> list[str]:
    """Top-level packages outside the project, leaving out private (underscore) extension modules."""
    return sorted(
        {m.partition(".")[0] for m in modules}
        - PROJECT_PACKAGES
        - {m for m in (x.partition(".")[0] for x in modules) if m.startswith("_")}
    )


def _who_imported(report: dict, package: str) -> str:
    first = report["first"].get(package.partition(".")[0])
    if not first:
        return f"{package} (importer not recorded)"
    chain = "\n      ".join(first["chain"]) or "(no project line on the stack)"
    return f"{package}, first as {first['module']}, brought in by:\n      {chain}"


@pytest.fixture(scope="module", params=FUNCTIONS)
def cold(request: pytest.FixtureRequest) -> tuple[str, dict]:
    return request.param, cold_imports(request.param)


def test_no_heavy_package_is_imported_before_the_first_request(cold: tuple[str, dict]) -> None:
    function, report = cold
    loaded = set(report["modules"])
    heavy = sorted({m.partition(".")[0] for m in loaded} & HEAVY_PACKAGES)
    heavy += sorted(m for m in loaded if any(m == lazy or m.startswith(lazy + ".") for lazy in LAZY_PROJECT_MODULES))
    assert not heavy, (
        f"{function} imports at cold start what only some requests need; import it where it is first "
        "used:\n  " + "\n  ".join(_who_imported(report, package) for package in heavy)
    )


def test_cold_start_packages_are_the_committed_ones(cold: tuple[str, dict]) -> None:
    function, report = cold
    committed = (LISTS / f"{function}.txt").read_text(encoding="utf-8").split()
    loaded = top_level_packages(report["modules"])
    new = sorted(set(loaded) - set(committed))
    assert not new, (
        f"{function} now imports more packages at cold start than cold_start_modules/{function}.txt "
        "lists; import them where first used, or (if every request needs them) add them to the list "
        "(python -m tests.unit.test_cold_start_imports):\n  "
        + "\n  ".join(_who_imported(report, package) for package in new)
    )


def test_the_handler_module_imports_the_aws_sdk_itself_first(cold: tuple[str, dict]) -> None:
    """At the same call depth in every function (README, cold start): imported deeper, the SDK's import made CPython
    3.11 map and unmap a frame-stack chunk hundreds of times in the staff function."""
    function, report = cold
    module_file = cold_import(function).module.replace(".", "/") + ".py"
    for package in ("botocore", "boto3"):
        chain = report["first"][package]["chain"]
        assert len(chain) == 1, f"{function} first imports {package} through:\n  " + "\n  ".join(chain)
        assert chain[0].startswith(f"functions/{module_file}:") and chain[0].endswith("import boto3  # noqa: F401")


if __name__ == "__main__":
    for name in FUNCTIONS:
        packages = top_level_packages(cold_imports(name)["modules"])
        (LISTS / f"{name}.txt").write_text("\n".join(packages) + "\n", encoding="utf-8")
        print(f"{name}: {len(packages)} packages", file=sys.stderr)
