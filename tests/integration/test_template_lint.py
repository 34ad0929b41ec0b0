"""template.yaml passes cfn-lint (the checks `sam validate --lint` runs), with no warning or error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_template_passes_cfn_lint():
    lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(lint), str(ROOT / "template.yaml")], capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr
