"""Commands that cannot finish end cleanly: a stop signal (SIGTERM, SIGHUP, Ctrl-C) stops the local
worker processes and says how much is stored; a worker outlives no parent, even one killed with
SIGKILL; an operating-system error on the results store or an output file (a full disk, a
read-only file system, an I/O error) is one line with the option, the path and the system's
reason. Never a traceback, never a half-written file, and a rerun resumes."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner

from politburo import cli_explain, report
from politburo.cli import app
from politburo.experiments import backends, plan
from politburo.experiments import store as store_module

runner = CliRunner()
ENV = {**os.environ, "COLUMNS": "160"}
POLITBURO = [sys.executable, "-m", "politburo"]
# 16 tasks of a few seconds each on two workers: long enough to be stopped midway.
LONG = ["inevitability", "--scenario", "tutorial", "--replicates", "200", "--futures", "10", "--every", "1",
        "--workers", "2", "--json"]
LONG_TASKS = 16
EXPLAIN_60 = ("explain", "--level", "groups", "-n", "60", "--workers", "1")  # eight tasks (TASK_RUNS = 100)

PROGRESS = re.compile(r" \d[\d,]*/[\d,]+ runs ")
needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def error_lines(stderr: str) -> list[str]:
    """stderr without its progress bars (printed once, at their end, when not on a terminal)."""
    assert "Traceback" not in stderr, stderr
    return [x for x in stderr.splitlines() if x.strip() and not PROGRESS.search(x)]


def one_line(stderr: str) -> str:
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    return lines[0]


def stored(store: Path) -> list[Path]:
    return sorted(store.glob("*/tasks/*.parquet"))


def partial(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.name.endswith(".tmp"))


def wait_until(condition: Callable[[], Any], timeout: float, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def session(sid: int) -> list[int]:
    """The live processes of a session (a command started in its own session, with every process
    it started: pool workers and multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def end_session(proc: subprocess.Popen[str]) -> None:
    """Kill whatever is left of a session (by process id), if a test failed midway."""
    for pid in session(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """The long experiment, started in its own session and running on its pool once a task is
    stored."""
    store = tmp_path / "store"
    proc = subprocess.Popen([*POLITBURO, *LONG, "--store", str(store)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=ENV,
                            start_new_session=True)
    try:
        wait_until(lambda: stored(store) or proc.poll() is not None, 300, 0.05)
        assert proc.poll() is None, proc.communicate()
        assert stored(store), "no task was stored in time"
        yield proc, store
    finally:
        end_session(proc)


# ------------------------------------------------------------------ signals


@needs_proc
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_stop_signal_ends_the_workers_and_says_what_is_stored(
        started: tuple[subprocess.Popen[str], Path], name: str) -> None:
    proc, store = started
    signum = getattr(signal, name)
    workers = [p for p in session(proc.pid) if p != proc.pid]
    assert len(workers) >= 2, "the pool's workers are not running"
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole foreground process group
    else:
        os.kill(proc.pid, signum)
    stdout, stderr = proc.communicate(timeout=120)
    took = time.monotonic() - sent
    assert proc.returncode == 128 + signum, stderr
    line = one_line(stderr)
    found = re.fullmatch(rf"politburo: stopped by {name}; (\d+) of {LONG_TASKS} tasks are stored, rerun to resume",
                         line)
    assert found, line
    assert stdout == ""
    # The workers were terminated, not left to finish their queue (a task takes seconds; the rest
    # of the experiment, a minute or more).
    assert took < 30, took
    assert wait_until(lambda: not session(proc.pid), 20), f"left running: {session(proc.pid)}"
    files = stored(store)
    assert int(found[1]) == len(files) < LONG_TASKS
    assert partial(store) == []
    time.sleep(1)
    assert stored(store) == files  # nothing goes on writing


@needs_proc
def test_workers_do_not_outlive_a_parent_killed_with_sigkill(started: tuple[subprocess.Popen[str], Path]) -> None:
    proc, store = started
    assert len(session(proc.pid)) >= 3  # the parent, its two workers and the resource tracker
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    left = wait_until(lambda: not session(proc.pid), 20)
    assert left, f"left running after their parent died: {session(proc.pid)}"
    files = stored(store)
    time.sleep(1)
    assert stored(store) == files


@needs_proc
def test_sigterm_during_an_ensemble_leaves_no_out_folder(tmp_path: Path) -> None:
    target = tmp_path / "results"
    proc = subprocess.Popen([*POLITBURO, "ensemble", "--scenario", "tutorial", "--runs", "400000",
                             "--out", str(target), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, env=ENV, start_new_session=True)
    try:
        # The folder the tables are written into before they are moved into place: the run has started.
        assert wait_until(lambda: list(tmp_path.iterdir()) or proc.poll() is not None, 120, 0.05)
        assert proc.poll() is None, proc.communicate()
        time.sleep(1)
        os.kill(proc.pid, signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        end_session(proc)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert one_line(stderr) == "politburo: stopped by SIGTERM"
    assert stdout == ""
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ a real full disk (root)


def _tmpfs_reason() -> str | None:
    """Why a private tmpfs cannot be mounted here, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "mounting a private tmpfs needs root"
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "unshare(1) and mount(8) are not installed"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs "$d"'],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"cannot mount a tmpfs in a private mount namespace: {probe.stderr.strip()}"
    return None


def on_a_small_tmpfs(size: str, where: Path, keep: Path, command: list[str],
                     fill_when: str = "") -> subprocess.CompletedProcess[str]:
    """Run `command` with a `size` tmpfs mounted on `where` in a private mount namespace (the mount
    ends with it); what was on it is copied to `keep`. With `fill_when` (a glob under `where`),
    another process fills the disk as soon as that path appears."""
    keep.mkdir()
    where.mkdir()
    script = """
        mount -t tmpfs -o size="$1" tmpfs "$2" || exit 99
        dir="$2"; keep="$3"; fill="$4"; shift 4
        "$@" & pid=$!
        if [ -n "$fill" ]; then
            until ls -d "$dir"/$fill > /dev/null 2>&1 || ! kill -0 $pid 2> /dev/null; do sleep 0.05; done
            cat /dev/zero > "$dir/filler" 2> /dev/null
        fi
        wait $pid; code=$?
        rm -f "$dir/filler"
        cp -a "$dir/." "$keep/"
        exit $code
    """
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", size, str(where), str(keep), fill_when,
                           *command], capture_output=True, text=True, env=ENV, timeout=600, check=False)


NO_TMPFS = _tmpfs_reason()
needs_tmpfs = pytest.mark.skipif(NO_TMPFS is not None, reason=str(NO_TMPFS))


@needs_tmpfs
def test_a_full_store_is_one_line_with_the_stored_tasks_and_whole_files(tmp_path: Path) -> None:
    mount, kept = tmp_path / "disk", tmp_path / "kept"
    res = on_a_small_tmpfs("40k", mount, kept, [*POLITBURO, *LONG, "--store", str(mount / "st")])
    assert res.returncode == 2, res.stderr
    line = one_line(res.stderr)
    found = re.fullmatch(rf"politburo: --store: cannot write {re.escape(str(mount / 'st'))}/(\w+)/tasks/(\w+)"
                         rf"\.parquet: No space left on device; (\d+) of {LONG_TASKS} tasks are stored, rerun to resume",
                         line)
    assert found, line
    assert res.stdout == ""
    files = stored(kept / "st")
    assert 1 <= int(found[3]) == len(files) < LONG_TASKS
    assert found[2] not in {p.stem for p in files}
    assert partial(kept) == []
    import pyarrow.parquet as pq

    for path in files:  # whole files
        assert pq.read_metadata(path).num_rows > 0


@needs_tmpfs
def test_a_disk_filled_during_ensemble_out_is_one_line(tmp_path: Path) -> None:
    # The disk has room for the estimate when the ensemble starts; another process fills it
    # while the ensemble writes.
    mount, kept = tmp_path / "disk", tmp_path / "kept"
    target = mount / "results"
    res = on_a_small_tmpfs("48m", mount, kept, [*POLITBURO, "ensemble", "--scenario", "tutorial", "--runs", "20000",
                                                "--batch-size", "500", "--out", str(target), "--json"],
                           fill_when=".results.*.tmp/*.parquet")
    assert res.returncode == 2, res.stderr
    line = one_line(res.stderr)
    assert line == f"politburo: --out: cannot write to {target}: {os.strerror(errno.ENOSPC)}"
    assert res.stdout == ""
    assert list(kept.iterdir()) == []  # neither the folder nor a temporary one


# ------------------------------------------------------------------ simulated OS errors (anyone)


def failing_writes(monkeypatch: pytest.MonkeyPatch, module: Any, code: int,
                   fails: Callable[[Path, int], bool]) -> list[Path]:
    """Make `module.atomic_write` fail with OS error `code` (after writing part of the file) for the
    paths `fails(path, n)` picks (n: how many writes of that suffix came before); returns them."""
    real = store_module.atomic_write
    seen: dict[str, int] = {}
    failed: list[Path] = []

    def write(path: Path, fill: Callable[[IO[bytes]], object]) -> None:
        path = Path(path)
        n = seen.get(path.suffix, 0)
        seen[path.suffix] = n + 1
        if not fails(path, n):
            real(path, fill)
            return
        failed.append(path)

        def part(fh: IO[bytes]) -> None:
            fh.write(b"PAR1 half a file")
            raise OSError(code, os.strerror(code))

        real(path, part)

    monkeypatch.setattr(module, "atomic_write", write)
    return failed


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT])
def test_an_os_error_on_a_task_file_is_one_line_and_a_rerun_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    monkeypatch.setattr(plan, "TASK_RUNS", 100)  # one task per arm: eight tasks
    st = tmp_path / "store"
    failed = failing_writes(monkeypatch, store_module, code, lambda p, n: p.suffix == ".parquet" and n == 3)
    res = cli(*EXPLAIN_60, "--store", str(st), "--json")
    assert res.exit_code == 2, (res.stdout, res.stderr, res.exception)
    assert res.stdout == ""
    (path,) = failed
    assert one_line(res.stderr) == (f"politburo: --store: cannot write {path}: {os.strerror(code)}; 3 of 8 tasks "
                                    "are stored, rerun to resume")
    assert path.parent == st / path.parent.parent.name / "tasks" and not path.exists()
    assert len(stored(st)) == 3 and partial(st) == []
    monkeypatch.undo()
    monkeypatch.setattr(plan, "TASK_RUNS", 100)
    resumed = cli(*EXPLAIN_60, "--store", str(st), "--json")
    fresh = cli(*EXPLAIN_60, "--store", str(tmp_path / "fresh"), "--json")
    assert resumed.exit_code == fresh.exit_code == 0, resumed.stderr
    assert resumed.stdout == fresh.stdout
    assert json.loads(resumed.stdout)["experiment"] == path.parent.parent.name


@pytest.mark.parametrize("name, stored_tasks", [("experiment.json", 0), ("result.json", 8)])
def test_an_os_error_on_the_experiments_own_files_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, stored_tasks: int) -> None:
    monkeypatch.setattr(plan, "TASK_RUNS", 100)
    st = tmp_path / "store"
    failed = failing_writes(monkeypatch, store_module, errno.ENOSPC, lambda p, n: p.name == name)
    res = cli(*EXPLAIN_60, "--store", str(st), "--json")
    assert res.exit_code == 2, (res.stdout, res.stderr, res.exception)
    (path,) = failed
    assert one_line(res.stderr) == (f"politburo: --store: cannot write {path}: No space left on device; "
                                    f"{stored_tasks} of 8 tasks are stored, rerun to resume")
    assert not path.exists() and partial(st) == []
    assert len(stored(st)) == stored_tasks


@pytest.mark.parametrize("option, suffix", [("--report", ".html"), ("--plot", ".png")])
def test_an_os_error_on_a_report_or_chart_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str, suffix: str) -> None:
    monkeypatch.setattr(cli_explain, "REPORT_ENSEMBLE", 50)  # what a report adds, kept small
    monkeypatch.setattr(cli_explain, "REPORT_REPLICATES", 20)
    target = tmp_path / "out" / f"result{suffix}"
    target.parent.mkdir()
    failed = failing_writes(monkeypatch, report, errno.ENOSPC, lambda p, n: p == target)
    res = cli("whatif", "--factor", "testament=off", "-n", "20", "--workers", "1", "--store", str(tmp_path / "store"),
              option, str(target))
    assert res.exit_code == 2, (res.stdout, res.stderr, res.exception)
    assert failed == [target]
    assert one_line(res.stderr) == f"politburo: {option}: cannot write {target}: No space left on device"
    assert list(target.parent.iterdir()) == []  # neither the file nor a temporary one


# ------------------------------------------------------------------ local workers that keep dying


def die_in_worker(task: Any, store_root: str) -> int:
    """Run in a pool worker instead of a task: the worker ends at once, as the out-of-memory
    killer would end it."""
    os._exit(1)


def test_local_workers_that_keep_dying_end_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "TASK_RUNS", 100)  # eight tasks
    monkeypatch.setattr(backends, "run_task", die_in_worker)
    st = tmp_path / "store"
    res = cli(*EXPLAIN_60[:-1], "2", "--store", str(st), "--json")
    assert res.exit_code == 2, (res.stdout, res.stderr, res.exception)
    assert res.stdout == ""
    assert one_line(res.stderr) == (f"politburo: --workers: a local worker process died {backends.LOCAL_RETRIES + 1} "
                                    "times (out of memory?); 0 of 8 tasks are stored, rerun to resume")
    assert stored(st) == [] and partial(st) == []


def test_a_stop_inside_compiled_code_is_a_stop() -> None:
    """A signal handled while a compiled kernel called back into Python surfaces as SystemError
    ("returned a result with an exception set") with the stop as its context: still one line and
    128 + the signal's number, not a traceback."""
    import typer

    from politburo import cli_errors

    with pytest.raises(typer.Exit) as exit_info, cli_errors.guarded():
        try:
            raise cli_errors.Stopped(signal.SIGTERM)
        except cli_errors.Stopped:
            raise SystemError("CPUDispatcher(...) returned a result with an exception set")
    assert exit_info.value.exit_code == 128 + signal.SIGTERM
    with pytest.raises(SystemError), cli_errors.guarded():  # any other SystemError is not a stop
        raise SystemError("something else")
