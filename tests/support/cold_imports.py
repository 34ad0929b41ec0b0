"""What a handler imports at cold start: a fresh interpreter imports it as Lambda does (devstack.cold_import) and
reports every module it loaded and, for each top-level package, the chain of project lines that first brought it in."""

from __future__ import annotations

import json
from pathlib import Path

from devstack.cold_import import cold_import

ROOT = Path(__file__).resolve().parents[2]

_PROBE = r"""
import json, os, sys, traceback
project = tuple(os.path.join(p, "") for p in sys.path[:{project_paths}])
first = {{}}


class Recorder:
    # Declines every import (the usual finders load it) after noting who asked for a package the first time.
    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top not in first and top not in sys.modules:
            chain = [f"{{os.path.relpath(f.filename, {root!r})}}:{{f.lineno}} {{f.line}}"
                     for f in traceback.extract_stack()[:-1] if f.filename.startswith(project)]
            first[top] = {{"module": fullname, "chain": chain}}
        return None


before = set(sys.modules)
sys.meta_path.insert(0, Recorder())
import {module}
print(json.dumps({{"modules": sorted(set(sys.modules) - before), "first": first}}))
"""


def cold_imports(function: str) -> dict:
    """{"modules": [every module the handler loaded], "first": {top-level package: {"module", "chain"}}}, where
    "chain" lists the project's lines (file:line source) on the stack when the package was first imported."""
    lambda_like = cold_import(function)
    probe = _PROBE.format(project_paths=len(lambda_like.path), root=str(ROOT), module=lambda_like.module)
    return json.loads(lambda_like.last_line_printed(probe))
