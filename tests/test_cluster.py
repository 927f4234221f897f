"""Experiments on a Dask cluster give the same results as on the local pool: with a LocalCluster,
with real `dask scheduler` / `dask worker` processes, and when a worker is killed mid-experiment."""

from __future__ import annotations

import json
import os
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
from politburo.experiments import plan

distributed = pytest.importorskip("distributed")

runner = CliRunner()
BIN = Path(sys.executable).parent
EXPLAIN_60 = ("explain", "--level", "groups", "-n", "60")


def cli_json(*args: str) -> tuple[str, dict[str, Any]]:
    res = runner.invoke(app, [*args, "--json"], env={"COLUMNS": "160"})
    assert res.exit_code == 0, (res.stdout, res.stderr, res.exception)
    return res.stdout, json.loads(res.stdout)


def task_files(store: Path, exp_id: str) -> list[Path]:
    return sorted((store / exp_id / "tasks").glob("*.parquet"))


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
    def __init__(self, address: str, workers: list[subprocess.Popen[bytes]], pids: dict[str, int]):
        self.address, self.workers = address, workers
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
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")
        workers = [start(f"worker{i}", "worker", address, "--nthreads", "1", "--no-dashboard") for i in range(2)]
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            pids = client.run(os.getpid)
        yield Cluster(address, workers, pids)
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
