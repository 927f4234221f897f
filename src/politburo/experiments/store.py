"""The results store: one folder per experiment, one Parquet file per task, read with DuckDB.

    .politburo/<experiment id>/experiment.json   what was run (written when it starts)
    .politburo/<experiment id>/tasks/<task id>.parquet
    .politburo/<experiment id>/result.json       the analysis (written when it completes)

Every file is written under a temporary name and renamed, so a reader (or a re-run after a
crash) sees a file whole or not at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Collection
from pathlib import Path
from typing import IO, Any

import numpy as np

from politburo.loader import ScenarioError

DEFAULT_STORE = ".politburo"


_ERRNO_IN_TEXT = re.compile(r"\[errno (\d+)\]", re.IGNORECASE)


def os_errno(exc: OSError) -> int | None:
    """An OS error's errno, also when a library reports it only in its message (pyarrow's own
    files can say "Error writing bytes to file. Detail: [errno 28] No space left on device")."""
    if exc.errno is not None:
        return int(exc.errno)
    found = _ERRNO_IN_TEXT.search(str(exc))
    return int(found[1]) if found else None


def os_reason(exc: OSError) -> str:
    """The system's reason for an OS error, e.g. "No space left on device" (also when a library
    gives it only inside its own message)."""
    code = os_errno(exc)
    if code is not None:
        return os.strerror(code)
    text = (exc.strerror or str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write a file under a temporary name in its folder (`.NAME.<pid>.<random>.tmp`), then rename
    it into place: a reader, or a re-run after a crash, sees it whole or not at all.

    An operating-system error (a full disk, a read-only or vanished folder) is raised as an
    `OSError` with its errno and reason and, as its filename, the file that was being written
    (not the temporary name), whichever call failed: open, write, flush, fsync or rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        code = os_errno(exc)
        if code is None:  # not an operating-system error (a library's own)
            raise
        raise OSError(code, os.strerror(code), str(path)) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def partial_files(folder: Path, pids: Collection[int] | None = None) -> list[Path]:
    """The temporary files `atomic_write` left in `folder` (a writer killed before its rename):
    all of them, or those of the processes `pids`."""
    if not folder.is_dir():
        return []
    found = []
    for tmp in folder.glob(".*.tmp"):
        parts = tmp.name.rsplit(".", 3)  # [".NAME", pid, random, "tmp"]
        if pids is None or (len(parts) == 4 and parts[1].isdigit() and int(parts[1]) in pids):
            found.append(tmp)
    return found


def atomic_write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    atomic_write(path, lambda fh: fh.write(text.encode()))


def write_table(path: Path, table: Any) -> None:
    """Write an Arrow table as Parquet, atomically."""
    import pyarrow.parquet as pq

    atomic_write(path, lambda fh: pq.write_table(table, fh, compression="zstd"))


class Store:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root if root is not None else DEFAULT_STORE)

    # ------------------------------------------------------------------ checks and layout

    def check_writable(self) -> None:
        """Fail with one line, before anything is written, if the store cannot be used."""
        where = "--store"
        node = self.root
        while not node.exists():
            if node.parent == node:
                break
            node = node.parent
        if node.exists() and not node.is_dir():
            raise ScenarioError(where, [f"{node} is not a folder"])
        if not os.access(node, os.W_OK | os.X_OK):
            raise ScenarioError(where, [f"{node} is not writable"])
        if self.root.exists():
            try:
                with tempfile.TemporaryFile(dir=self.root):
                    pass
            except OSError as exc:
                raise ScenarioError(where, [f"{self.root} is not writable ({exc.strerror})"]) from None

    def folder(self, exp_id: str) -> Path:
        return self.root / exp_id

    def task_path(self, exp_id: str, task_id: str) -> Path:
        return self.folder(exp_id) / "tasks" / f"{task_id}.parquet"

    def begin(self, manifest: dict[str, Any]) -> None:
        folder = self.folder(manifest["id"])
        (folder / "tasks").mkdir(parents=True, exist_ok=True)
        path = folder / "experiment.json"
        if not path.exists():
            atomic_write_json(path, manifest)
        self.discard_partial(manifest["id"])  # left by a killed run

    def discard_partial(self, exp_id: str, pids: Collection[int] | None = None) -> None:
        """Remove the temporary task files of writers that were stopped before their rename
        (all of them, or those of the processes `pids`)."""
        for stale in partial_files(self.folder(exp_id) / "tasks", pids):
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)

    def finish(self, exp_id: str, result: dict[str, Any]) -> None:
        atomic_write_json(self.folder(exp_id) / "result.json", result)

    # ------------------------------------------------------------------ reading

    def done(self, exp_id: str) -> set[str]:
        folder = self.folder(exp_id) / "tasks"
        return {p.stem for p in folder.glob("*.parquet")} if folder.exists() else set()

    def query(self, exp_id: str, columns: list[str], where: str = "", order: str = "") -> dict[str, np.ndarray]:
        """Selected columns of an experiment's runs, as NumPy arrays (read with DuckDB)."""
        import duckdb

        pattern = str(self.folder(exp_id) / "tasks" / "*.parquet").replace("'", "''")
        sql = f"SELECT {', '.join(columns)} FROM read_parquet('{pattern}')"
        if where:
            sql += f" WHERE {where}"
        if order:
            sql += f" ORDER BY {order}"
        con = duckdb.connect()
        try:
            data = con.execute(sql).fetchnumpy()
        finally:
            con.close()
        return {k: np.asarray(v) for k, v in data.items()}

    def experiments(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if not self.root.is_dir():
            return out
        for folder in sorted(self.root.iterdir()):
            path = folder / "experiment.json"
            if not path.is_file():
                continue
            try:
                man = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            man["tasks_done"] = len(self.done(man["id"]))
            man["complete"] = (folder / "result.json").is_file()
            man["modified"] = max(p.stat().st_mtime for p in folder.rglob("*") if p.is_file())
            out.append(man)
        return sorted(out, key=lambda m: m["modified"])

    def resolve(self, prefix: str) -> str:
        ids = [m["id"] for m in self.experiments()]
        hits = [i for i in ids if i.startswith(prefix)]
        if not prefix or not hits:
            raise ScenarioError("results show", [f"no stored experiment {prefix!r} in {self.root}"])
        if len(hits) > 1:
            raise ScenarioError("results show", [f"{prefix!r} matches {len(hits)} experiments: {', '.join(hits)}"])
        return hits[0]

    def manifest(self, exp_id: str) -> dict[str, Any]:
        return json.loads((self.folder(exp_id) / "experiment.json").read_text())

    def result(self, exp_id: str) -> dict[str, Any] | None:
        path = self.folder(exp_id) / "result.json"
        return json.loads(path.read_text()) if path.is_file() else None
