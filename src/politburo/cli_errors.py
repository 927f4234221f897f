"""How a command ends when it cannot finish: stopped by a signal, or refused by its environment.

Both end in one line on stderr, never a traceback, and leave nothing half-written:

- SIGINT (Ctrl-C), SIGTERM and SIGHUP stop a command the same way: its local worker processes
  are terminated, files being written are removed, and it prints `politburo: stopped by SIGTERM;
  5 of 16 tasks are stored, rerun to resume`, with exit code 128 + the signal's number (130, 143,
  129).
- An operating-system error on the results store or an output file (a full disk, a read-only
  file system, no permission, an I/O error) and workers that fail (a Dask task that kills its
  workers, a lost scheduler, a local worker that keeps dying) print `politburo: WHERE: PROBLEM`,
  naming the option, the path or task and the system's reason, with how many tasks are stored,
  e.g. `politburo: --store: cannot write PATH: No space left on device; 4 of 16 tasks are stored,
  rerun to resume`; exit code 2, as for every other problem with what a command was asked to use.
  (The experiments' library functions raise those as ScenarioError, see
  `politburo.experiments.library.experiment_failures`; the commands print them.)
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import typer

from politburo.experiments.store import os_errno, os_reason
from politburo.loader import ScenarioError
from politburo.terminal import Terminal

__all__ = ["Stopped", "critical", "guarded", "writing"]

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

_err = Terminal(stderr=True)


class Stopped(KeyboardInterrupt):
    """A stop signal arrived. A KeyboardInterrupt, so that code which cleans up after Ctrl-C does
    the same for SIGTERM and SIGHUP; `detail` says what was kept (set on the way out)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.detail = ""

    @property
    def name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:  # pragma: no cover - only the signals above are handled
            return f"signal {self.signum}"


class _Signals:
    """What the handler knows: a stop under way, a critical section, a signal held back by it."""

    stopping = False
    critical = 0
    pending: int | None = None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _Signals.stopping:  # a second Ctrl-C while cleaning up: let the clean-up finish
        return
    if _Signals.critical:
        _Signals.pending = signum
        return
    _Signals.stopping = True
    raise Stopped(signum)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn the stop signals into `Stopped` in the main thread (elsewhere, signals cannot be
    handled and nothing changes); the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Signals.stopping, _Signals.critical, _Signals.pending = False, 0, None
    previous: dict[int, Any] = {}
    try:
        for sig in STOP_SIGNALS:
            previous[sig] = signal.signal(sig, _on_signal)
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """A few steps that must not be cut in half (moving finished files into place): a stop signal
    that arrives meanwhile takes effect at the end."""
    _Signals.critical += 1
    try:
        yield
    finally:
        _Signals.critical -= 1
    if not _Signals.critical and _Signals.pending is not None and not _Signals.stopping:
        signum, _Signals.pending = _Signals.pending, None
        _Signals.stopping = True
        raise Stopped(signum)


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # a closed terminal (SIGHUP) cannot be told
        _err.say(line)


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Run a command so that SIGINT, SIGTERM and SIGHUP stop it cleanly: one line and exit code
    128 + the signal's number."""
    try:
        with _stop_on_signals():
            yield
    except Stopped as exc:
        _say(f"politburo: stopped by {exc.name}" + (f"; {exc.detail}" if exc.detail else ""))
        raise typer.Exit(128 + exc.signum) from None
    except Exception as exc:
        # A signal handled while compiled code was calling back into Python comes out of the
        # compiled call as SystemError("... returned a result with an exception set"), with the
        # stop as its context.
        stop = _stop_behind(exc)
        if stop is None:
            raise
        _say(f"politburo: stopped by {stop.name}" + (f"; {stop.detail}" if stop.detail else ""))
        raise typer.Exit(128 + stop.signum) from None


def _stop_behind(exc: BaseException) -> Stopped | None:
    """The `Stopped` among an exception's causes and contexts, if any."""
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        if isinstance(node, Stopped):
            return node
        seen.add(id(node))
        node = node.__cause__ or node.__context__
    return None


@contextlib.contextmanager
def writing(option: str, path: Path | str) -> Iterator[None]:
    """An OS error while writing the file an option names, as one line with the system's reason."""
    try:
        yield
    except OSError as exc:
        if os_errno(exc) is None:
            raise
        raise ScenarioError(option, [f"cannot write {path}: {os_reason(exc)}"]) from None
