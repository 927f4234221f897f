"""Where tasks run: in this process, a local process pool (all cores), or a Dask cluster.

Every backend runs the same tasks and each task writes its own file under its own id, so the
results do not depend on the backend or the number of workers. A task whose file exists is
skipped; a task run twice (a worker lost after writing) rewrites the same bytes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from politburo.experiments.plan import Experiment, Task, engine_version
from politburo.experiments.store import Store, write_table
from politburo.loader import ScenarioError

BACKENDS = ("local", "dask")
LOCAL_RETRIES = 3  # fresh pools after a local worker dies


class EngineMismatch(RuntimeError):
    """A worker's engine differs from the one the experiment was planned with."""


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


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Backend:
    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or cpu_count()

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
                    raise
                queue = [t for t in queue if not store.task_path(t.experiment, t.id).exists()]

    def _pool(self, queue: list[Task], root: str, progress: Callable[[int], None]) -> None:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(self.workers, len(queue)), mp_context=ctx) as pool:
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
        try:
            self.client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ScenarioError("--scheduler", [f"cannot reach the Dask scheduler at {scheduler} ({msg})"]) from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def describe(self) -> str:
        return f"Dask at {self.scheduler} ({self.workers} workers)"

    def run(self, tasks: list[Task], store: Store, progress: Callable[[int], None]) -> None:
        from distributed import as_completed

        root = str(store.root.resolve())
        futures = [self.client.submit(run_task, t, root, key=f"politburo-{t.experiment}-{t.id}", pure=False,
                                      retries=3) for t in tasks]
        for fut in as_completed(futures, loop=self.client.loop):  # the client is not the default one
            try:
                progress(fut.result())
            except EngineMismatch as exc:
                raise ScenarioError("--scheduler", [str(exc)]) from None
            fut.release()

    def close(self) -> None:
        self.client.close()


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
