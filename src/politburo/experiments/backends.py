"""Where tasks run: in this process, a local process pool (all cores), or a Dask cluster.

Every backend runs the same tasks and each task writes its own file under its own id, so the
results do not depend on the backend or the number of workers. A task whose file exists is
skipped; a task run twice (a worker lost after writing) rewrites the same bytes.

When a run stops early (an exception, Ctrl-C, a signal turned into an exception), the local pool's
workers are terminated at once, not left to finish their queue, and their half-written files are
removed; a worker whose parent dies (even by SIGKILL) exits too. Failures of the machinery, not of
the caller's input, are raised as `BackendFailure`, naming the option and what happened.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from politburo.experiments.plan import Experiment, Task, engine_version
from politburo.experiments.store import Store, write_table
from politburo.loader import ScenarioError
from politburo.sizes import cores

BACKENDS = ("local", "dask")
LOCAL_RETRIES = 3  # fresh pools after a local worker dies
STOP_GRACE = 5.0  # seconds a terminated worker gets before it is killed
PARENT_POLL = 1.0  # seconds between a worker's checks that its parent is alive
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class EngineMismatch(RuntimeError):
    """A worker's engine differs from the one the experiment was planned with."""


class BackendFailure(RuntimeError):
    """The workers could not run a task (killed, lost, failing): `where` is the option that chose
    them (--workers, --scheduler), `problem` what happened. Finished tasks stay stored."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


def run_task(task: Task, store_root: str) -> int:
    """Run one task and store its table; returns the number of runs it stands for."""
    store = Store(store_root)
    path = store.task_path(task.experiment, task.id)
    if task.engine and task.engine != engine_version():
        # A long-running worker that imported another engine would store results under an id
        # that promises this one.
        raise EngineMismatch(f"a worker runs politburo engine {engine_version()}, the experiment needs "
                             f"{task.engine}: restart the workers")
    if not path.exists():
        table = task.compute()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_table(path, table)
    return task.runs


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)


def worker_init(parent: int) -> None:
    """Set up a local pool worker: leave Ctrl-C to the parent (which stops the pool), and exit
    when the parent is gone, however it died, instead of living on under init."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def stop_pool(pool: ProcessPoolExecutor) -> list[int]:
    """Terminate a pool's workers now (SIGTERM, then SIGKILL after `STOP_GRACE` seconds), without
    waiting for the tasks they run or have queued; returns their process ids."""
    # The standard library stops workers this way only from Python 3.14 (terminate_workers).
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        with contextlib.suppress(OSError, ValueError):
            proc.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for proc in procs:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.exitcode is None:
                proc.kill()
                proc.join()
    pool.shutdown(wait=True, cancel_futures=True)
    return [p.pid for p in procs if p.pid is not None]


class Backend:
    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or cores()

    def describe(self) -> str:
        return f"{self.workers} local process{'es' if self.workers != 1 else ''}"

    def run(self, tasks: list[Task], store: Store, progress: Callable[[int], None]) -> None:
        root = str(store.root.resolve())
        if self.workers == 1 or len(tasks) == 1:
            for task in tasks:
                progress(run_task(task, root))
            return
        queue = list(tasks)
        for attempt in range(LOCAL_RETRIES + 1):
            try:
                self._pool(queue, root, progress)
                return
            except BrokenProcessPool:
                # A worker died (killed, out of memory): finished tasks are on disk; run the rest
                # again in a fresh pool.
                if attempt == LOCAL_RETRIES:
                    raise BackendFailure("--workers", f"a local worker process died {attempt + 1} times "
                                         "(out of memory?)") from None
                queue = [t for t in queue if not store.task_path(t.experiment, t.id).exists()]

    def _pool(self, queue: list[Task], root: str, progress: Callable[[int], None]) -> None:
        ctx = multiprocessing.get_context("spawn")
        experiments = {t.experiment for t in queue}
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(queue)), mp_context=ctx,
                                   initializer=worker_init, initargs=(os.getpid(),))
        try:
            pending: dict[Future[int], Task] = {}
            todo = list(queue)
            # Keep a few tasks queued per worker: large plans are not all pickled at once.
            limit = 2 * self.workers
            while todo or pending:
                while todo and len(pending) < limit:
                    task = todo.pop(0)
                    pending[pool.submit(run_task, task, root)] = task
                finished, _ = wait(set(pending), return_when=FIRST_COMPLETED)
                for fut in finished:
                    runs = fut.result()
                    queue.remove(pending.pop(fut))
                    progress(runs)
        except BaseException:
            # Stopped (a failed task, Ctrl-C, a signal) or broken: end the workers now, and remove
            # what they were writing; finished tasks stay stored.
            pids = stop_pool(pool)
            for exp_id in experiments:
                Store(root).discard_partial(exp_id, pids)
            raise
        pool.shutdown(wait=True)

    def close(self) -> None:
        pass


class DaskBackend(Backend):
    name = "dask"

    def __init__(self, scheduler: str, timeout: float = 5.0):
        try:
            from distributed import Client
        except ImportError:
            raise ScenarioError("--backend", ["dask needs the cluster extra: pip install 'politburo[cluster]'"]) from None
        self.scheduler = scheduler
        self._log_levels: dict[str, int] = {}  # the distributed logs' levels, while they are silenced
        try:
            self.client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ScenarioError("--scheduler", [f"cannot reach the Dask scheduler at {scheduler} ({msg})"]) from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self._quiet()

    def describe(self) -> str:
        return f"Dask at {self.scheduler} ({self.workers} workers)"

    def _quiet(self) -> None:
        """Silence the distributed logs until the client is closed: every failure reaches the
        user as one line from the caller, and the client, trying to reconnect to a lost
        scheduler, would log tracebacks of its own."""
        if not self._log_levels:
            names = ["distributed", *(n for n in logging.root.manager.loggerDict if n.startswith("distributed."))]
            self._log_levels = {n: logging.getLogger(n).level for n in names}
            for name in names:
                logging.getLogger(name).setLevel(logging.CRITICAL + 1)

    def run(self, tasks: list[Task], store: Store, progress: Callable[[int], None]) -> None:
        from distributed import as_completed

        root = str(store.root.resolve())
        futures = {self.client.submit(run_task, t, root, key=f"politburo-{t.experiment}-{t.id}", pure=False,
                                      retries=3): t for t in tasks}
        try:
            for fut in as_completed(list(futures), loop=self.client.loop):  # not the default client
                task = futures.pop(fut)
                try:
                    runs = fut.result()
                except EngineMismatch as exc:
                    raise ScenarioError("--scheduler", [str(exc)]) from None
                except OSError as exc:
                    if _store_error(exc):  # the caller reports it with its path
                        raise
                    raise self._failure(task, exc) from exc
                except Exception as exc:
                    raise self._failure(task, exc) from exc
                progress(runs)
                fut.release()
        except (OSError, TimeoutError) as exc:  # from the client itself: the scheduler is gone
            if _store_error(exc):
                raise
            raise BackendFailure("--scheduler", self._lost(exc)) from None
        finally:
            if futures and self.client.status == "running":  # stopped early: drop the rest
                with contextlib.suppress(Exception):
                    self.client.cancel(list(futures))

    def _lost(self, exc: BaseException | None = None) -> str:
        why = f" ({_first_line(exc)})" if exc is not None else ""
        return f"lost the connection to the Dask scheduler at {self.scheduler}{why}"

    def _failure(self, task: Task, exc: Exception) -> BackendFailure:
        """What a failed Dask future means, naming the task."""
        from distributed import KilledWorker
        from distributed.comm.core import CommClosedError

        if isinstance(exc, CommClosedError) or self.client.status != "running":
            # the result could not be fetched: the scheduler (or the way to it) is gone
            return BackendFailure("--scheduler", self._lost())
        if isinstance(exc, KilledWorker):
            return BackendFailure("--scheduler", f"task {task.id} killed {exc.allowed_failures + 1} Dask "
                                  "workers (out of memory?)")
        if isinstance(exc, CancelledError):
            reason = getattr(exc, "reason", "")
            if reason == "scheduler-connection-lost":
                return BackendFailure("--scheduler", self._lost())
            return BackendFailure("--scheduler", f"task {task.id} was cancelled on the cluster "
                                  f"({reason or 'no reason given'})")
        return BackendFailure("--scheduler", f"task {task.id} failed on a Dask worker "
                              f"({type(exc).__name__}: {_first_line(exc)})")

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            for name, level in self._log_levels.items():
                logging.getLogger(name).setLevel(level)
            self._log_levels = {}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _store_error(exc: BaseException) -> bool:
    """An operating-system error on a file (the store's): the caller reports it with its path."""
    return isinstance(exc, OSError) and exc.errno is not None and exc.filename is not None


def make_backend(name: str, scheduler: str | None, workers: int | None) -> Backend:
    if name not in BACKENDS:
        raise ScenarioError("--backend", [f"unknown backend {name!r} (known: {', '.join(BACKENDS)})"])
    if workers is not None and workers <= 0:
        raise ScenarioError("--workers", [f"workers must be a positive integer, not {workers}"])
    if name == "dask":
        if not scheduler:
            raise ScenarioError("--scheduler", ["the dask backend needs --scheduler tcp://HOST:PORT"])
        return DaskBackend(scheduler)
    if scheduler:
        raise ScenarioError("--scheduler", ["--scheduler needs --backend dask"])
    return Backend(workers)


def runs_done(exp: Experiment, store: Store) -> int:
    """Runs of the experiment already in the store (from an earlier, perhaps interrupted, run)."""
    done = store.done(exp.id)
    return sum(t.runs for t in exp.tasks() if t.id in done)


def execute(exp: Experiment, store: Store, backend: Backend,
            progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run the experiment's unfinished tasks; returns its manifest. Tasks done before (by an
    earlier, perhaps interrupted, run) are reused; `progress` hears of the runs done now."""
    manifest = exp.manifest()
    store.begin(manifest)
    tasks = exp.tasks()
    done = store.done(exp.id)
    todo = [t for t in tasks if t.id not in done]
    report = progress or (lambda n: None)
    if todo:
        backend.run(todo, store, report)
    missing = [t.id for t in tasks if not Path(store.task_path(exp.id, t.id)).exists()]
    if missing:  # pragma: no cover - a backend that reported success without writing
        raise RuntimeError(f"{len(missing)} tasks of experiment {exp.id} left no results")
    return manifest
