"""What a command can be asked to do: sizes are checked up front, before anything is planned,
allocated or written, and a size that cannot be met is refused with one line giving the
estimate (runs, time, memory or disk) and the limit.

The limits (documented in the README and docs/experiments.md):

- `MAX_RUNS`: the most runs one ensemble or experiment may plan (100 million: about five hours
  on two cores at the engine's nominal rate).
- an ensemble kept in memory (no `--out`) may not need more than half of the memory available
  now; with `--out DIR` it streams to Parquet in constant memory, and may not need more than
  the free space of DIR's disk.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from politburo.loader import ScenarioError

__all__ = ["MAX_RUNS", "NOMINAL_RATE", "check_disk", "check_memory", "check_runs", "cores", "duration"]

MAX_RUNS = 100_000_000
NOMINAL_RATE = 3_000  # full runs per second per core of the engine (README, Performance)


def cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def duration(seconds: float) -> str:
    """A rough duration in words: '40 seconds', '3.2 hours', '11 years'."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            value = seconds / size
            return f"{value:,.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{seconds:.0f} seconds"


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:.0f} bytes"


def check_runs(option: str, runs: int, what: str, workers: int | None = None) -> None:
    """Raise ScenarioError(option) if `runs` (described by `what`, e.g. '2 arms × 10 replicates',
    or '') exceed MAX_RUNS; the message gives the time they would take at NOMINAL_RATE on
    `workers` cores (default: all)."""
    if runs <= MAX_RUNS:
        return
    n = workers or cores()
    eta = duration(runs / (NOMINAL_RATE * n))
    size = f"{what} = {runs:,} runs" if what else f"{runs:,} runs"
    raise ScenarioError(option, [(
        f"{size} would take about {eta} on {n} core{'s' if n != 1 else ''} "
        f"(at about {NOMINAL_RATE:,} runs/s each); at most {MAX_RUNS:,} runs can be planned")])


def available_memory() -> int:
    """Bytes of memory available to new allocations now (psutil's `available`)."""
    import psutil

    return int(psutil.virtual_memory().available)


def check_memory(option: str, need: float, what: str, hint: str = "") -> None:
    """Raise ScenarioError(option) if `need` bytes exceed half of the memory available now."""
    have = available_memory()
    if need > have / 2:
        raise ScenarioError(option, [(f"{what} would need about {_bytes(need)} of memory, more than "
                                      f"half of the {_bytes(have)} available{hint}")])


def check_disk(option: str, folder: Path, need: float, what: str) -> None:
    """Raise ScenarioError(option) if `need` bytes exceed the free space of `folder`'s disk."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # the write itself will say what is wrong
    if need > free:
        raise ScenarioError(option, [(f"{what} would need about {_bytes(need)} of disk, more than the "
                                      f"{_bytes(free)} free at {folder}")])
