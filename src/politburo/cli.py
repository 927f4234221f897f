"""The `politburo` command line: a thin Typer + Rich layer over the library API.

It parses options, calls `politburo.api` / `politburo.fidelity` / `politburo.loader`, and
prints what they return; it adds nothing to the model. Results and tables go to stdout (only
JSON with `--json`); progress bars and errors go to stderr. Every bad input ends with one line
per problem on stderr and exit code 2, never a traceback.

Exit codes: 0 done; 1 a fidelity pattern fails; 2 a bad input, or an environment that refuses
what an option asks for, found up front or midway (a read-only or full disk under --store, --out,
--report or --plot, an unreachable or failing Dask cluster): one line naming the option, the path
and the system's reason, and for experiments how many tasks are stored (a rerun resumes);
128 + N stopped by signal N (130 Ctrl-C, 129 SIGHUP, 143 SIGTERM), worker processes stopped,
nothing half-written. See `politburo.cli_errors`.
"""

import json
import os
import secrets
import shlex
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.table import Column
from rich.text import Text

from politburo import __version__
from politburo.cli_errors import critical, guarded, reason
from politburo.loader import ScenarioError, builtin_names, load_scenario
from politburo.schema import Scenario
from politburo.terminal import Cell, Col, Terminal, can_show, protect

if TYPE_CHECKING:  # the engine is imported only by the commands that run it
    from politburo.api import RunResult
    from politburo.fidelity import PatternResult

__all__ = ["app", "main"]

MAX_SEED = 2**63 - 1
OUT_FILES = ("runs.parquet", "votes.parquet")

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

# ------------------------------------------------------------------ options shared by commands

ScenarioOpt = Annotated[str, typer.Option(
    "--scenario", "-s", metavar="NAME|FILE", help="A built-in scenario name or a scenario TOML file.")]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", metavar="PATH=VALUE",
    help="Override one scenario value, e.g. parameters.insight=0.5 or leaders.stalin.rigidity=0.3 "
         "(repeatable).")]
FactorOpt = Annotated[list[str] | None, typer.Option(
    "--factor", metavar="NAME=off", help="Switch one of the scenario's factors off (repeatable).")]
SeedOpt = Annotated[str, typer.Option("--seed", metavar="N", help="Random seed.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout, nothing else.")]


# ------------------------------------------------------------------ input parsing and errors


def _say(console: Terminal, line: str) -> None:
    """One line, printed as is: no markup, no highlighting, no wrapping at the console width."""
    console.say(line)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn a ScenarioError (bad scenario, option or value) into one stderr line per problem
    and exit code 2."""
    try:
        yield
    except ScenarioError as exc:
        for problem in exc.problems or ["invalid input"]:
            _say(err, f"politburo: {exc.where}: {problem}")
        raise typer.Exit(2) from None


MAX_DIGITS = 30  # no integer option takes more digits; longer ones are refused unread


def _integer(option: str, text: str, what: str) -> int:
    """`text` as an int, or a ScenarioError for `option`. Integers of more than MAX_DIGITS digits
    are refused by their length (Python reads at most 4300 digits, and no option needs 30)."""
    digits = text.strip().lstrip("+-").replace("_", "")
    if digits.isdecimal() and len(digits) > MAX_DIGITS:
        too_long = f"{what} must be an integer of at most {MAX_DIGITS} digits, not one of {len(digits):,} digits"
        raise ScenarioError(option, [too_long])
    try:
        return int(text.strip())
    except ValueError:
        raise ScenarioError(option, [f"{what} must be an integer, not {text!r}"]) from None


def _seed(text: str | None) -> int:
    """The seed as given, or a fresh random one (printed with the run, so it can be repeated)."""
    if text is None:
        return secrets.randbelow(2**32)
    seed = _integer("--seed", text, "seed")
    if not 0 <= seed <= MAX_SEED:
        raise ScenarioError("--seed", [f"seed must be between 0 and 2**63-1, not {seed}"])
    return seed


def _positive(option: str, text: str, what: str) -> int:
    value = _integer(option, text, what)
    if value <= 0:
        raise ScenarioError(option, [f"{what} must be a positive integer, not {value}"])
    return value


def _factors_off(items: list[str] | None) -> list[str]:
    names = []
    for item in items or []:
        name, sep, state = item.partition("=")
        if not sep or not name.strip() or state.strip() != "off":
            raise ScenarioError("--factor", [f"{item!r} is not NAME=off (a factor can only be switched off)"])
        names.append(name.strip())
    return names


@contextmanager
def _reading(source: str) -> Iterator[None]:
    """File-system errors while reading `source`, reported like scenario problems."""
    try:
        yield
    except UnicodeDecodeError:
        raise ScenarioError(source, ["not a UTF-8 text file"]) from None
    except OSError as exc:
        raise ScenarioError(source, [exc.strerror or str(exc)]) from None


def _load(source: str, overrides: list[str] | None = None, factors_off: list[str] | None = None) -> Scenario:
    """`load_scenario`, with file-system errors reported like scenario problems."""
    with _reading(source):
        return load_scenario(source, list(overrides or []), list(factors_off or []))


def _compiling_note() -> None:
    """One line on a terminal's stderr when this engine's kernels are not compiled yet (the first
    run after an install or a change to the engine spends about a minute compiling)."""
    if not sys.stderr.isatty():
        return
    from politburo.engine.jit import cache_dir

    folder = cache_dir()
    if folder is None:
        _say(err, "politburo: compiling the engine's kernels in memory (about a minute)")
    elif not any(folder.glob("*.nbi")):
        _say(err, "politburo: compiling the engine's kernels, once for this version (about a minute)")


def _print_json(data: Any) -> None:
    """JSON on stdout, with every character as it is where the stream can show it, else escaped
    as \\uXXXX (still valid JSON that decodes to the same values)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if not can_show(text, getattr(sys.stdout, "encoding", None) or "utf-8"):
        text = json.dumps(data, indent=2, ensure_ascii=True)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


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
def _progress(total: int, label: str, reused: int = 0) -> Iterator[Callable[[int], None]]:
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


# ------------------------------------------------------------------ --out: parquet files, atomically


def _prepare_out(text: str) -> tuple[Path, Path]:
    """Check that DIR can be written, and make an empty temporary directory next to it."""
    target = Path(os.path.abspath(os.path.expanduser(text)))
    if target.exists() and not target.is_dir():
        raise ScenarioError("--out", [f"{text} exists and is not a directory"])
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise ScenarioError("--out", [f"cannot write to {text}: permission denied"])
    parent = target.parent
    if not parent.is_dir():
        raise ScenarioError("--out", [f"cannot create {text}: {parent} does not exist"])
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name or 'out'}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise ScenarioError("--out", [f"cannot create {text}: {exc.strerror or exc}"]) from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)
    return target, tmp


def _move_out(target: Path, tmp: Path, text: str) -> None:
    """Move the files written into `tmp` into place: a new DIR is renamed in whole; in an
    existing DIR each file is replaced atomically."""
    with critical():  # a stop signal waits until the files are in place
        if target.is_dir():
            for name in OUT_FILES:
                os.replace(tmp / name, target / name)
            tmp.rmdir()
        else:
            os.rename(tmp, target)


def _duckdb_hint(target: Path) -> str:
    runs = str(target / OUT_FILES[0]).replace("'", "''")
    sql = f"select winner, count(*) as runs from '{runs}' group by 1 order by 2 desc"
    quoted = f'"{sql}"' if not set(sql) & set('"$`\\!') else shlex.quote(sql)
    return f"Query them with DuckDB: duckdb -c {quoted}"


# ------------------------------------------------------------------ rendering


def _render_run(res: "RunResult") -> None:
    _say(out, f"{res.scenario}, seed {res.seed}")
    out.print()
    for _, date, sentence in res.chronicle:
        out.say((date, "bold"), " — ", sentence)
    out.print()
    columns = (Col("Leader"), Col("Status", wrap=True), Col("Offices", wrap=True), Col("Prestige", "right"),
               Col("Heir legitimacy", "right"), Col("Committee share", "right"))
    rows: list[list[Cell]] = [
        [s["leader"], s["status"], ", ".join(s["offices"]) or "—", f"{s['prestige']:.2f}",
         f"{s['heir_legitimacy']:.2f}", f"{s['committee_share']:.0%}"] for s in res.standings]
    out.table("Final standings", columns, rows)
    out.print()
    if res.winner is not None:
        _say(out, f"{res.winner} won in {res.victory_date}")
    else:
        end = res.spec.date(res.spec.months - 1)
        _say(out, f"No one won by {end}: the run ends as an oligarchy")
    if res.elimination_order:
        _say(out, "Elimination order: " + " > ".join(res.elimination_order))
    else:
        _say(out, "Elimination order: no one was eliminated")
    if res.stages:
        out.print()
        _say(out, "Stages of the struggle:")
        for k, stage in enumerate(res.stages, 1):
            span = stage["from"] if stage["from"] == stage["to"] else f"{stage['from']} – {stage['to']}"
            members = ", ".join(m for m in stage["members"] if m != stage["target"])
            _say(out, f"  {k}. {span}: {members} against {stage['target']}")


def _render_ensemble(summary: dict[str, Any]) -> None:
    rates: dict[str, dict[str, float]] = summary["win_rates"]
    by_decisive: dict[str, float] = summary["win_rates_by_decisive_date"]
    median: dict[str, str | None] = summary["median_victory"]
    decisive = summary["decisive_date"]
    order = sorted(rates, key=lambda k: (k == "nobody", -rates[k]["rate"]))
    labels = {key: "no one" if key == "nobody" else key for key in order}

    _say(out, f"{summary['scenario']}: {summary['runs']:,} runs, seed {summary['seed']}")
    out.print()
    columns = (Col("Leader"), Col("Wins", "right"), Col("Rate", "right"), Col("95% interval", "right"),
               Col(f"By {decisive}", "right"), Col("Median victory", "right"))
    rows: list[list[Cell]] = []
    for key in order:
        r = rates[key]
        by = f"{by_decisive[key]:.1%}" if key in by_decisive else "—"
        rows.append([labels[key], f"{int(r['count']):,}", f"{r['rate']:.1%}",
                     f"{100 * r['low']:.1f}–{100 * r['high']:.1f}%", by, median.get(key) or "—"])
    out.table("Who wins", columns, rows)
    out.print()
    out.chart("Win rates", [(labels[key], rates[key]["rate"], f"{rates[key]['rate']:.1%}") for key in order])
    out.print()
    out.table("Most common elimination orders",
              (Col("Runs", "right"), Col("Share", "right"), Col("Order (first out first)", wrap=True)),
              [[f"{row['runs']:,}", f"{row['runs'] / summary['runs']:.1%}", row["order"]]
               for row in summary["elimination_orders"]])


def _render_fidelity(results: "list[PatternResult]") -> None:
    columns = (Col("#", "right"), Col("Pattern", wrap=True, ratio=3), Col("Observed", "right"), Col("Band"),
               Col("Result"), Col("Detail", wrap=True, ratio=2))
    rows: list[list[Cell]] = [
        [str(r.id), r.text, f"{r.observed:.1%}", r.band, ("PASS", "green") if r.passed else ("FAIL", "bold red"),
         r.detail] for r in results]
    out.table("Fidelity patterns", columns, rows, expand=True)
    passed = sum(r.passed for r in results)
    _say(out, f"{passed} of {len(results)} patterns hold")


# ------------------------------------------------------------------ commands


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


@app.command()
def run(
    scenario: ScenarioOpt = "soviet-1924",
    seed: Annotated[str | None, typer.Option(
        "--seed", metavar="N", help="Random seed (default: a fresh one, printed with the run).")] = None,
    as_json: JsonOpt = False,
    set_: SetOpt = None,
    factor: FactorOpt = None,
) -> None:
    """Simulate one run and tell its story: chronicle, final standings, winner."""
    from politburo.api import simulate

    with _reported():
        seed_value = _seed(seed)
        sc = _load(scenario, set_, _factors_off(factor))
        _compiling_note()
        res = simulate(sc, seed_value)
    if as_json:
        _print_json(res.to_dict())
    else:
        _render_run(res)


@app.command(name="ensemble")
def ensemble_cmd(
    scenario: ScenarioOpt = "soviet-1924",
    runs: Annotated[str, typer.Option("--runs", metavar="N", help="Number of runs.")] = "1000",
    seed: SeedOpt = "0",
    batch_size: Annotated[str, typer.Option(
        "--batch-size", metavar="N", help="Runs simulated together (results do not depend on it).")] = "4000",
    as_json: JsonOpt = False,
    out_dir: Annotated[str | None, typer.Option(
        "--out", metavar="DIR", help="Write runs.parquet and votes.parquet into DIR.")] = None,
    set_: SetOpt = None,
    factor: FactorOpt = None,
) -> None:
    """Run many replicates and summarise who wins, when, and in what order rivals fall."""
    from politburo.api import check_ensemble, ensemble, ensemble_to_parquet

    with guarded(), _reported():
        seed_value = _seed(seed)
        n_runs = _positive("--runs", runs, "the number of runs")
        batch = _positive("--batch-size", batch_size, "batch size")
        sc = _load(scenario, set_, _factors_off(factor))
        result, target = None, None
        check_ensemble(sc, n_runs, seed_value, batch, None if out_dir is None else Path(out_dir).parent,
                       "; write them to Parquet with --out DIR, which streams them in constant memory")
        _compiling_note()
        if out_dir is None:
            with _progress(n_runs, "Ensemble") as advance:
                summary = ensemble(sc, n_runs, seed_value, batch, progress=advance).summary()
        else:
            target, tmp = _prepare_out(out_dir)
            try:
                with _progress(n_runs, "Ensemble") as advance:
                    result = ensemble_to_parquet(sc, n_runs, seed_value, tmp, batch, progress=advance)
                _move_out(target, tmp, out_dir)
            except OSError as exc:
                raise ScenarioError("--out", [f"cannot write to {out_dir}: {reason(exc)}"]) from None
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            summary = result.summary
    if as_json:
        _print_json(summary)
    else:
        _render_ensemble(summary)
    if result is not None and target is not None:
        console = err if as_json else out
        if not as_json:
            console.print()
        _say(console, f"Wrote {OUT_FILES[0]} ({result.runs:,} runs) and {OUT_FILES[1]} "
                      f"({result.votes:,} votes) to {target}")
        _say(console, _duckdb_hint(target))


@app.command(name="fidelity")
def fidelity_cmd(
    scenario: ScenarioOpt = "soviet-1924",
    runs: Annotated[str, typer.Option("--runs", metavar="N", help="Runs per ensemble.")] = "2000",
    seed: SeedOpt = "0",
    as_json: JsonOpt = False,
    set_: SetOpt = None,
    factor: FactorOpt = None,
) -> None:
    """Check the scenario's calibration patterns against an ensemble (exit 1 if any fails)."""
    from politburo.api import check_ensemble
    from politburo.fidelity import fidelity

    with _reported():
        seed_value = _seed(seed)
        n_runs = _positive("--runs", runs, "the number of runs")
        factors_off = _factors_off(factor)
        sc = _load(scenario, set_, factors_off)
        check_ensemble(sc, n_runs, seed_value, 4000, hint="")
        _compiling_note()
        ensembles = 2 if any(p.kind == "all_factors_off" for p in sc.patterns) else 1
        with _progress(ensembles * n_runs, "Fidelity") as advance:
            results = fidelity(scenario, list(set_ or []), factors_off, n_runs, seed_value, progress=advance)
    if as_json:
        _print_json([r.to_dict() for r in results])
    else:
        _render_fidelity(results)
    if not all(r.passed for r in results):
        raise typer.Exit(1)


@app.command()
def scenarios(as_json: JsonOpt = False) -> None:
    """List the built-in scenarios (exit 2 if one of them does not load)."""
    rows: list[list[Cell]] = []
    broken: list[ScenarioError] = []
    listed: list[dict[str, Any]] = []
    for name in builtin_names():
        try:
            sc = _load(name)
        except ScenarioError as exc:
            broken.append(ScenarioError(name, exc.problems))
            continue
        meta = sc.scenario
        listed.append({"name": name, "title": meta.title, "description": meta.description,
                       "start": meta.start, "end": meta.end, "leaders": [x.id for x in sc.leaders],
                       "factors": {k: {"group": f.group, "description": f.description} for k, f in sc.factors.items()}})
        rows.append([name, meta.title, meta.description])
    if as_json:
        _print_json(listed)
    else:
        out.table("Built-in scenarios", (Col("Name"), Col("Title", wrap=True), Col("Description", wrap=True)), rows)
    for error in broken:
        for problem in error.problems:
            _say(err, f"politburo: {error.where}: {problem}")
    if broken:
        raise typer.Exit(2)


@app.command()
def check(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The scenario TOML file to validate.")],
    as_json: JsonOpt = False,
) -> None:
    """Validate a scenario file and list every problem with its key path."""
    problems: list[str] = []
    sc: Scenario | None = None
    if not Path(file).exists() and file not in builtin_names():
        problems.append("no such file")
    else:
        try:
            sc = _load(file)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if sc is not None:
        for name in sc.factors:  # each factor, switched off, must still give a valid scenario
            try:
                _load(file, factors_off=[name])
            except ScenarioError as exc:
                problems.extend(f"factors.{name}: switched off: {p}" for p in exc.problems)
    if as_json:
        _print_json({"file": file, "valid": not problems, "problems": problems})
    if problems:
        if not as_json:
            for problem in problems:
                _say(err, f"{file}: {problem}")
        raise typer.Exit(2)
    assert sc is not None
    if as_json:
        return
    _say(out, f"{file}: ok ({len(sc.leaders)} leaders, {len(sc.regions)} regions, "
              f"{len(sc.events)} events, {len(sc.factors)} factors)")


def _warn_in_one_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      file: Any = None, line: str | None = None) -> None:
    """Warnings reach the user as one line on stderr, like errors."""
    text = str(message).replace("\n", " ")
    try:
        (file or sys.stderr).write(f"politburo: warning: {text}\n")
    except (OSError, ValueError):  # a closed or broken stderr
        pass


def main() -> None:
    """Entry point of the `politburo` script."""
    warnings.showwarning = _warn_in_one_line
    protect(sys.stdout)  # what the terminal cannot show is written in ASCII, never a traceback
    protect(sys.stderr)
    app(prog_name="politburo")


if __name__ == "__main__":
    main()


# The experiment commands (explain, whatif, inevitability, claims, results) register themselves on `app`.
from politburo import cli_explain  # noqa: F401
