"""The code base stays ruff- and mypy-clean (settings in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks"],
    [sys.executable, "-m", "mypy", "src"],
])
def test_linters_are_clean(command: list[str]) -> None:
    tool = command[2]
    if shutil.which(tool) is None and subprocess.run([sys.executable, "-m", tool, "--version"],
                                                     check=False, capture_output=True).returncode != 0:
        pytest.skip(f"{tool} is not installed (it is in the test extras)")
    res = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
