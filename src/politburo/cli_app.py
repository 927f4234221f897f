"""The `politburo` Typer application and what its commands share: the terminals they print
through, one-line errors, JSON on stdout, progress bars and the notice while the engine compiles.

The commands themselves live in `politburo.cli_run` (run, ensemble, fidelity, scenarios, check)
and `politburo.cli_explain` (the experiments and the results store); `politburo.cli` imports
both and is the entry point. Results and tables go to stdout (only JSON with `--json`); progress
bars, notices and errors go to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.table import Column
from rich.text import Text

from politburo import __version__
from politburo.experiments.library import reading
from politburo.loader import ScenarioError, load_scenario
from politburo.terminal import Terminal, can_show

if TYPE_CHECKING:
    from politburo.schema import Scenario

__all__ = ["COMPILING", "app", "compiling", "err", "load", "out", "print_json", "progress_bar", "reported", "say",
           "warm_up"]

# Every command prints through these (see politburo.terminal): no markup in names, text fitted to
# the stream's encoding, tables that never cut a value.
out = Terminal()
err = Terminal(stderr=True)

app = typer.Typer(
    name="politburo",
    help="Simulate, play and explain the struggle for power in a one-party state.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"politburo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Simulate, play and explain the struggle for power in a one-party state."""


# ------------------------------------------------------------------ printing and errors


def say(console: Terminal, line: str) -> None:
    """One line, printed as is: no markup, no highlighting, no wrapping at the console width."""
    console.say(line)


@contextmanager
def reported() -> Iterator[None]:
    """Turn a ScenarioError (bad scenario, option or value) into one stderr line per problem
    and exit code 2."""
    try:
        yield
    except ScenarioError as exc:
        for problem in exc.problems or ["invalid input"]:
            say(err, f"politburo: {exc.where}: {problem}")
        raise typer.Exit(2) from None


def load(source: str, overrides: list[str] | None = None, factors_off: list[str] | None = None) -> Scenario:
    """`load_scenario`, with file-system errors reported like scenario problems."""
    with reading(source):
        return load_scenario(source, list(overrides or []), list(factors_off or []))


def print_json(data: Any) -> None:
    """JSON on stdout, with every character as it is where the stream can show it, else escaped
    as \\uXXXX (still valid JSON that decodes to the same values)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if not can_show(text, getattr(sys.stdout, "encoding", None) or "utf-8"):
        text = json.dumps(data, indent=2, ensure_ascii=True)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# ------------------------------------------------------------------ the engine's first compile

COMPILING = "Compiling the simulation engine, first run only (a minute or two)…"
IN_MEMORY = "Compiling the simulation engine in memory (no writable cache folder)…"


def _compile_folder() -> tuple[bool, bool]:
    """(the kernels need compiling, they are cached on disk)."""
    from politburo.api import engine_needs_compiling

    return engine_needs_compiling()


def _compiled() -> None:
    from politburo.api import engine_compiled

    engine_compiled()


@contextmanager
def compiling() -> Iterator[None]:
    """Run a block that may compile the engine's kernels (the first run after an install or a
    change to the engine spends a minute or two compiling). If they need compiling: on a
    terminal, a spinner on stderr says so while the block runs and leaves nothing behind; on a
    stderr that is no terminal (a log), one plain line, and nothing more (none at all when the
    kernels cannot be cached: the cache's warning has said so). Nothing goes to stdout."""
    needed, cached = _compile_folder()
    if not needed:
        yield
        return
    if sys.stderr.isatty():
        with err.status(COMPILING if cached else IN_MEMORY, spinner="dots"):
            yield
    else:
        if cached:
            say(err, f"politburo: {COMPILING[0].lower()}{COMPILING[1:]}")
        yield
    _compiled()


def warm_up(scenario: Scenario) -> None:
    """Compile the engine's kernels now, under the notice of `compiling`, by one run of
    `scenario`, if they are not compiled yet: the progress bar that follows then counts runs,
    and a local pool's workers load the kernels from the cache instead of each compiling them."""
    if not _compile_folder()[0]:
        return
    from politburo.api import ensemble

    with compiling():
        ensemble(scenario, 1, 0, 1)


# ------------------------------------------------------------------ progress on stderr


class _RateColumn(ProgressColumn):
    """Runs per second and time left, from the average rate so far (updates come per batch)."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        done_now = task.completed - task.fields.get("reused", 0)
        if not done_now and task.total is not None and task.completed >= task.total:
            return Text("all reused from the store", style="progress.data.speed")
        if not elapsed or not done_now:
            return Text("? runs/s", style="progress.data.speed")
        rate = done_now / elapsed
        if task.finished:
            return Text(f"{rate:,.0f} runs/s, done in {elapsed:.1f}s", style="progress.data.speed")
        left = (task.total or 0) - task.completed
        return Text(f"{rate:,.0f} runs/s, {left / rate:.0f}s left", style="progress.data.speed")


class _StatusColumn(ProgressColumn):
    """The whole status as one text that wraps at word boundaries (for a narrow terminal)."""

    def __init__(self) -> None:
        super().__init__(table_column=Column(overflow="fold"))
        self._rate = _RateColumn()

    def render(self, task: Task) -> Text:
        done = f"{int(task.completed)}/{int(task.total or 0)}"
        return Text.assemble(err.fit(task.description), " ", done, " runs ", self._rate.render(task))


# The room a status line usually takes next to the bar besides the description and "M/N": " runs",
# a rate with its time, the gaps (the bar, not the text, gives way when the rate is longer).
_STATUS = len(" runs ") + len("9,999 runs/s, 9999s left") + 4


@contextmanager
def progress_bar(total: int, label: str, reused: int = 0) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields the callback the library calls with each batch's size.
    `reused` runs (found in a results store) start the bar and do not count toward the rate.
    On a terminal too narrow for the bar, only the status is shown, wrapped, never cut."""
    text = err.fit(label)
    room = err.width - len(text) - 2 * len(str(total)) - 1 - _STATUS
    columns: tuple[ProgressColumn, ...]
    if room >= 10:
        whole = Column(no_wrap=True)
        columns = (TextColumn("{task.description}", markup=False, table_column=whole),
                   BarColumn(bar_width=min(40, room)), MofNCompleteColumn(table_column=whole),
                   TextColumn("runs", table_column=whole), _RateColumn(table_column=whole))
    else:
        columns = (_StatusColumn(),)
    with Progress(*columns, console=err) as progress:
        task = progress.add_task(text, total=total, completed=reused, reused=reused)
        yield lambda n: progress.advance(task, n)
