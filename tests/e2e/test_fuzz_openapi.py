"""schemathesis against /v1/openapi.json on the running local stack: client input never causes a server error.

`make test` runs a short profile; `make fuzz` (ONECARD_FUZZ_PROFILE=long) runs many more examples.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_generated_requests_to_every_route_never_get_a_5xx(stack, tmp_path):
    examples = "300" if os.environ.get("ONECARD_FUZZ_PROFILE") == "long" else "15"
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{stack.url}/v1/openapi.json",
               "--url", stack.url, "--checks", "not_a_server_error", "--max-examples", examples, "--seed", "2026",
               "--phases", "examples,coverage,fuzzing", "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
