"""The compiled engine always comes from the source on disk, and works without a writable cache.

Numba's own cache keys a kernel on its own file; a kernel that inlines a function from another
module would come back stale after only that module changed. The engine keys its kernel cache
by the digest of every engine file instead (`politburo.engine.jit`). These tests run the
package from a copy of its source, in subprocesses, exactly as a user's upgraded or read-only
install would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import politburo

SRC = Path(politburo.__file__).resolve().parent


def _copy_package(dest: Path) -> Path:
    """A copy of the package's source under dest/src (no compiled files); returns dest/src."""
    src = dest / "src"
    shutil.copytree(SRC, src / "politburo", ignore=shutil.ignore_patterns("__pycache__"))
    return src


def _env(pythonpath: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("POLITBURO_", "_POLITBURO_", "NUMBA_", "XDG_"))}
    env.update(PYTHONPATH=str(pythonpath), **extra)
    return env


def _politburo(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "politburo", *args], check=False, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=900)


def _wins(proc: subprocess.CompletedProcess[str]) -> dict[str, int]:
    assert proc.returncode == 0, proc.stderr
    return {k: v["count"] for k, v in json.loads(proc.stdout)["win_rates"].items()}


def test_a_changed_callee_changes_the_result_with_a_warm_cache(tmp_path: Path) -> None:
    """Change one small function in a module that the kernels call (the distance between two
    ideological positions, in the engine's shared module) and nothing else: with the cache
    warm from the old engine, the results must be the new engine's."""
    from politburo.engine import jit

    src = _copy_package(tmp_path)
    env = _env(src, POLITBURO_CACHE_DIR=str(tmp_path / "cache"))
    warm = jit.cache_dir()  # this engine's kernels, compiled by earlier tests: the cache is warm
    if warm is not None and any(warm.iterdir()):
        shutil.copytree(warm, tmp_path / "cache" / "kernels" / warm.name)
    args = ["ensemble", "--runs", "200", "--seed", "3", "--json"]
    before = _wins(_politburo(args, env, tmp_path))

    common = src / "politburo" / "engine" / "common.py"
    text = common.read_text()
    assert text.count("    return np.sqrt(acc)\n") == 1
    common.write_text(text.replace("    return np.sqrt(acc)\n", "    return 3.0 * np.sqrt(acc)\n"))
    kernels = tmp_path / "cache" / "kernels"
    folders_before = {p.name for p in kernels.iterdir()}

    after = _wins(_politburo(args, env, tmp_path))
    assert after != before, "a warm cache gave the old engine's results"
    # the new engine compiled into a folder of its own, beside the old one
    assert len({p.name for p in kernels.iterdir()} - folders_before) == 1

    # and the new engine's cached kernels give what a fresh compilation gives
    shutil.rmtree(tmp_path / "cache")
    assert _wins(_politburo(args, env, tmp_path)) == after


def test_old_engine_folders_are_pruned(tmp_path: Path) -> None:
    from politburo.engine import jit

    kernels = tmp_path / "kernels"
    for k in range(jit.KEEP + 3):
        folder = kernels / f"old{k}"
        folder.mkdir(parents=True)
        os.utime(folder, (1_000_000 + k, 1_000_000 + k))
    current = kernels / "current"
    current.mkdir()
    jit._prune(kernels, current)
    kept = sorted(p.name for p in kernels.iterdir())
    newest_old = [f"old{k}" for k in range(jit.KEEP + 3)][-(jit.KEEP - 1):]
    assert kept == sorted(["current", *newest_old])


def test_commands_that_need_no_engine_do_not_import_it() -> None:
    code = ("import sys, politburo, politburo.cli\n"
            "assert politburo.__version__\n"
            "print(sorted(m for m in sys.modules if m == 'numba' or m.startswith('politburo.engine.')"
            " and m not in ('politburo.engine.parameters', 'politburo.engine.powers', 'politburo.engine.sanctions')))")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def _read_only(path: Path) -> list[str]:
    """A command prefix that runs with `path` mounted read-only (a private mount namespace when
    root, who can write anywhere; otherwise the files' write permission is removed)."""
    if os.geteuid() != 0:
        for p in [path, *path.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        return []
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a read-only copy as root")
    probe = subprocess.run(["unshare", "-m", "true"], check=False, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a private mount namespace here")
    return ["unshare", "-m", "sh", "-c",
            f'mount --bind "{path}" "{path}" && mount -o remount,ro,bind "{path}" && exec "$@"', "sh"]


def test_a_read_only_install_with_no_writable_cache_runs(tmp_path: Path) -> None:
    """The package and the home folder read-only, no cache folder set: --version and check need
    no engine; a run compiles the kernels in memory, warns once, and gives the usual result."""
    root = tmp_path / "ro"
    src = _copy_package(root)
    home = root / "home"
    home.mkdir()
    reference = _politburo(["run", "--scenario", "tutorial", "--seed", "1", "--json"], _env(SRC.parent),
                           tmp_path)
    assert reference.returncode == 0, reference.stderr

    prefix = _read_only(root)
    env = _env(src, HOME=str(home))

    def ro(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*prefix, sys.executable, "-m", "politburo", *args], check=False, env=env, cwd=root,
                              capture_output=True, text=True, timeout=900)

    version = ro("--version")
    assert (version.returncode, version.stdout.strip(), version.stderr) == \
        (0, f"politburo {politburo.__version__}", "")
    check = ro("check", str(src / "politburo" / "scenarios" / "tutorial.toml"))
    assert check.returncode == 0 and check.stderr == "", check.stderr
    assert ": ok (" in check.stdout

    run = ro("run", "--scenario", "tutorial", "--seed", "1", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == json.loads(reference.stdout)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("politburo: warning: cannot write compiled kernels"), \
        run.stderr
    assert "Traceback" not in run.stderr
    assert not any(root.rglob("*.nbi")), "a read-only install was written to"
