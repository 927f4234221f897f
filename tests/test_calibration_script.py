"""The calibration script's bad input (calibration/calibrate.py): one line naming the option,
file or key, exit code 2, nothing written. The calibration itself (pyabc, about two hours) is
not run here."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "calibration" / "calibrate.py"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], check=False, capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("calibrate: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.mark.parametrize(("args", "says"), [
    (["--population", "0"], "--population: must be positive"),
    (["--runs", "many"], "--runs: 'many' is not a number"),
    (["--minutes", "nan"], "--minutes: must be positive"),
    (["--scenario", "no-such-scenario"], "no-such-scenario"),
])
def test_bad_options_are_one_line(tmp_path: Path, args: list[str], says: str) -> None:
    assert says in _one_line(_run(*args, "--db", str(tmp_path / "db.sqlite"), cwd=tmp_path))
    assert not (tmp_path / "db.sqlite").exists()


def test_a_bad_prior_names_the_file_and_key(tmp_path: Path) -> None:
    text = (resources.files("politburo") / "scenarios" / "tutorial.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith("severity = {"))
    lines[k] = 'severity = { value = 0.6, prior = [2.0, 1.0], source = "broken on purpose" }'
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = _one_line(_run("--scenario", str(bad), "--db", str(tmp_path / "db.sqlite"), cwd=tmp_path))
    assert "bad.toml" in line and "severity" in line


def test_an_unwritable_database_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = _one_line(_run("--scenario", "tutorial", "--db", str(blocker / "db.sqlite"), cwd=tmp_path))
    assert "--db" in line


@pytest.mark.skipif(importlib.util.find_spec("pyabc") is not None, reason="pyabc is installed: it would calibrate")
def test_without_the_calibration_extra_it_says_what_to_install(tmp_path: Path) -> None:
    line = _one_line(_run("--scenario", "tutorial", "--db", str(tmp_path / "db.sqlite"), cwd=tmp_path))
    assert "pip install -e '.[calibration]'" in line
