"""Experiments on a Dask cluster give the same results as on the local pool: with a LocalCluster,
with real `dask scheduler` / `dask worker` processes, and when a worker is killed mid-experiment.
A task that kills every worker it runs on, a task that fails, and a scheduler that dies end in
one line that says so and how many tasks are stored, never a traceback."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from politburo.cli import app
from politburo.experiments import analyses, backends, plan
from politburo.loader import read_scenario

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
cloudpickle = pytest.importorskip("cloudpickle")

runner = CliRunner()
BIN = Path(sys.executable).parent
EXPLAIN_60 = ("explain", "--level", "groups", "-n", "60")


def cli_json(*args: str) -> tuple[str, dict[str, Any]]:
    res = runner.invoke(app, [*args, "--json"], env={"COLUMNS": "160"})
    assert res.exit_code == 0, (res.stdout, res.stderr, res.exception)
    return res.stdout, json.loads(res.stdout)


def task_files(store: Path, exp_id: str) -> list[Path]:
    return sorted((store / exp_id / "tasks").glob("*.parquet"))


def error_line(stderr: str) -> str:
    """The one line on stderr besides the progress bar (printed once, at its end, when not on a
    terminal)."""
    assert "Traceback" not in stderr, stderr
    lines = [x for x in stderr.splitlines() if x.strip() and not re.search(r" \d[\d,]*/[\d,]+ runs ", x)]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture(scope="module")
def local_60(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The reference: the 60-replicate explain on one local process."""
    text, _ = cli_json(*EXPLAIN_60, "--workers", "1", "--store", str(tmp_path_factory.mktemp("local") / "store"))
    return text


# ------------------------------------------------------------------ LocalCluster


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[str]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with distributed.Client(cluster.scheduler_address) as client:
            client.wait_for_workers(2, timeout=60)
        yield cluster.scheduler_address
    finally:
        cluster.close()


def test_a_local_dask_cluster_gives_the_local_result(local_cluster: str, local_60: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "TASK_RUNS", 100)  # one task per arm: eight tasks spread over the workers
    store = tmp_path / "store"
    text, data = cli_json(*EXPLAIN_60, "--backend", "dask", "--scheduler", local_cluster, "--store", str(store))
    assert text == local_60
    assert len(task_files(store, data["experiment"])) == 8


# ------------------------------------------------------------------ a task that kills or fails its workers


def run_task_except(victim: str, action: str, task: plan.Task, store_root: str) -> int:
    """Run on a Dask worker instead of `run_task`: the victim task ends its worker process at once,
    as the out-of-memory killer would, or raises; the others run as usual."""
    if task.id == victim:
        if action == "die":
            os._exit(1)
        raise RuntimeError("the engine broke")
    return backends.run_task(task, store_root)


@pytest.fixture
def victim(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The first task of EXPLAIN_60 split in eight tasks; the task function is sent to the workers
    by value (they cannot import the test module)."""
    monkeypatch.setattr(plan, "TASK_RUNS", 100)
    where, raw = read_scenario("soviet-1924")
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    try:
        yield analyses.build_explain(where, raw, {}, "groups", 60, 0).tasks()[0].id
    finally:
        cloudpickle.unregister_pickle_by_value(module)


@pytest.mark.slow  # about 30 s: the worker is restarted twice
def test_a_task_that_kills_its_workers_ends_in_one_line(victim: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "run_task", functools.partial(run_task_except, victim, "die"))
    store = tmp_path / "store"
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):  # two deaths, not four
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
    try:
        res = runner.invoke(app, [*EXPLAIN_60, "--backend", "dask", "--scheduler", cluster.scheduler_address,
                                  "--store", str(store), "--json"], env={"COLUMNS": "160"})
    finally:
        cluster.close()
    assert res.exit_code == 2, (res.stdout, res.stderr, res.exception)
    assert res.stdout == ""
    found = re.fullmatch(r"politburo: --scheduler: task ([0-9a-f]{16}) killed 2 Dask workers \(out of memory\?\); "
                         r"(\d) of 8 tasks are stored, rerun to resume", error_line(res.stderr))
    assert found, res.stderr
    (folder,) = store.iterdir()
    stored = {p.stem for p in task_files(store, folder.name)}
    assert int(found[2]) <= len(stored) <= 7  # tasks still running may finish
    # Dask names the task it blames: the victim, or a task queued on the same dying worker
    # (queued tasks count as running there); neither was stored.
    assert victim not in stored and found[1] not in stored


def test_a_task_that_fails_on_a_worker_ends_in_one_line(victim: str, local_cluster: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "run_task", functools.partial(run_task_except, victim, "raise"))
    store = tmp_path / "store"
    res = runner.invoke(app, [*EXPLAIN_60, "--backend", "dask", "--scheduler", local_cluster, "--store", str(store),
                              "--json"], env={"COLUMNS": "160"})
    assert res.exit_code == 2, (res.stdout, res.stderr, res.exception)
    assert res.stdout == ""
    found = re.fullmatch(rf"politburo: --scheduler: task {victim} failed on a Dask worker \(RuntimeError: the "
                         r"engine broke\); (\d) of 8 tasks are stored, rerun to resume", error_line(res.stderr))
    assert found, res.stderr
    (folder,) = store.iterdir()
    assert victim not in {p.stem for p in task_files(store, folder.name)}


# ------------------------------------------------------------------ real scheduler and worker processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and whatever it started (a worker's nanny child)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.wait(timeout=15)


class Cluster:
    def __init__(self, address: str, scheduler: subprocess.Popen[bytes], workers: list[subprocess.Popen[bytes]],
                 pids: dict[str, int]):
        self.address, self.scheduler, self.workers = address, scheduler, workers
        self.pids = pids  # worker address -> the pid of the process running its tasks

    def process_of(self, worker: str) -> subprocess.Popen[bytes]:
        """The `dask worker` process (its session) whose worker has this address."""
        group = os.getpgid(self.pids[worker])
        return next(w for w in self.workers if w.pid == group)


@pytest.fixture
def dask_processes(tmp_path: Path) -> Iterator[Cluster]:
    dask = BIN / "dask"
    if not dask.exists():
        pytest.skip("the dask command is not installed next to this Python")
    address = f"tcp://127.0.0.1:{free_port()}"
    logs = tmp_path / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        with open(logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen([str(dask), *args], stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, cwd=tmp_path)
        procs.append(proc)
        return proc

    try:
        port = address.rsplit(":", 1)[1]
        scheduler = start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")
        workers = [start(f"worker{i}", "worker", address, "--nthreads", "1", "--no-dashboard") for i in range(2)]
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            pids = client.run(os.getpid)
        yield Cluster(address, scheduler, workers, pids)
    except Exception:
        for f in sorted(logs.iterdir()):
            sys.stderr.write(f"--- {f.name}\n{f.read_text(errors='replace')[-3000:]}\n")
        raise
    finally:
        for proc in reversed(procs):
            stop(proc)


def test_dask_worker_processes_give_the_local_result(dask_processes: Cluster, local_60: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "TASK_RUNS", 100)
    store = tmp_path / "store"
    text, data = cli_json(*EXPLAIN_60, "--backend", "dask", "--scheduler", dask_processes.address,
                          "--store", str(store))
    assert text == local_60
    assert len(task_files(store, data["experiment"])) == 8
    # Run again: everything is reused, nothing is sent to the cluster, the result is the same.
    again, _ = cli_json(*EXPLAIN_60, "--backend", "dask", "--scheduler", dask_processes.address,
                        "--store", str(store))
    assert again == text


@pytest.mark.slow  # about 25 s: a four-task experiment on the cluster, and again locally
def test_an_experiment_survives_a_worker_killed_mid_run(dask_processes: Cluster, tmp_path: Path) -> None:
    # 1500 replicates of 8 arms: four tasks of two arms each, a few seconds apiece.
    args = ["explain", "--level", "groups", "-n", "1500"]
    store = tmp_path / "store"
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.Popen([str(BIN / "politburo"), *args, "--backend", "dask", "--scheduler",
                             dask_processes.address, "--store", str(store), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not list(store.glob("*/tasks/*.parquet")):
            time.sleep(0.02)
        assert proc.poll() is None, "the experiment finished (or failed) before a worker could be killed"
        done_at_kill = len(list(store.glob("*/tasks/*.parquet")))
        assert done_at_kill >= 1, "no task finished in time"
        # Kill (SIGKILL, with its nanny) a worker that is running a task.
        with distributed.Client(dask_processes.address, timeout=30) as client:
            busy = sorted(addr for addr, keys in client.processing().items() if keys)
        victim = dask_processes.process_of(busy[0]) if busy else dask_processes.workers[0]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert done_at_kill < 4, "every task had finished before the worker was killed"
    data = json.loads(stdout)
    manifest = json.loads((store / data["experiment"] / "experiment.json").read_text())
    assert manifest["tasks"] == 4
    assert len(task_files(store, data["experiment"])) == manifest["tasks"]
    reference, _ = cli_json(*args, "--workers", "2", "--store", str(tmp_path / "local"))
    assert stdout == reference


@pytest.mark.slow  # about 20 s
def test_a_lost_scheduler_ends_in_one_line(dask_processes: Cluster, tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "politburo", "explain", "--level", "groups", "-n", "1500",
                             "--backend", "dask", "--scheduler", dask_processes.address, "--store", str(store),
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "160"}, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not list(store.glob("*/tasks/*.parquet")):
            time.sleep(0.02)
        assert proc.poll() is None, "the experiment finished (or failed) before the scheduler could be stopped"
        os.killpg(dask_processes.scheduler.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
    assert proc.returncode == 2, stderr
    assert stdout == ""
    found = re.fullmatch(rf"politburo: --scheduler: lost the connection to the Dask scheduler at "
                         rf"{re.escape(dask_processes.address)}; ([1-3]) of 4 tasks are stored, rerun to resume",
                         error_line(stderr))
    assert found, stderr
