"""The commands that simulate and check scenarios: `run`, `ensemble`, `fidelity`, `scenarios` and
`check`. Each parses its options, calls `politburo.api`, `politburo.fidelity` or
`politburo.loader`, and prints what they return; it adds nothing to the model.

Exit codes: 0 done; 1 a fidelity pattern fails; 2 a bad input, or an environment that refuses
what an option asks for (a read-only or full disk under --out); 128 + N stopped by signal N.
See `politburo.cli`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from politburo.cli_app import (
    app,
    compiling,
    err,
    load,
    out,
    print_json,
    progress_bar,
    reported,
    say,
    warm_up,
)
from politburo.cli_errors import critical, guarded
from politburo.cli_options import (
    FactorOpt,
    JsonOpt,
    ScenarioOpt,
    SeedOpt,
    SetOpt,
    parse_factors_off,
    parse_positive,
    parse_seed,
)
from politburo.experiments.store import os_reason
from politburo.experiments.worlds import priors, read_worlds, worlds_file
from politburo.loader import ScenarioError, builtin_names, scenario_folder
from politburo.terminal import Cell, Col

if TYPE_CHECKING:  # the engine is imported only by the commands that run it
    from politburo.api import RunResult
    from politburo.fidelity import FidelityReport
    from politburo.schema import Scenario

__all__ = ["check", "ensemble_cmd", "fidelity_cmd", "run", "scenarios"]

OUT_FILES = ("runs.parquet", "votes.parquet")


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


def _render_run(res: RunResult) -> None:
    say(out, f"{res.scenario}, seed {res.seed}")
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
        say(out, f"{res.winner} won in {res.victory_date}")
    else:
        end = res.spec.date(res.spec.months - 1)
        say(out, f"No one won by {end}: the run ends as an oligarchy")
    if res.elimination_order:
        say(out, "Elimination order: " + " > ".join(res.elimination_order))
    else:
        say(out, "Elimination order: no one was eliminated")
    if res.stages:
        out.print()
        say(out, "Stages of the struggle:")
        for k, stage in enumerate(res.stages, 1):
            span = stage["from"] if stage["from"] == stage["to"] else f"{stage['from']} – {stage['to']}"
            members = ", ".join(m for m in stage["members"] if m != stage["target"])
            say(out, f"  {k}. {span}: {members} against {stage['target']}")


def _render_ensemble(summary: dict[str, Any]) -> None:
    rates: dict[str, dict[str, float]] = summary["win_rates"]
    by_decisive: dict[str, float] = summary["win_rates_by_decisive_date"]
    median: dict[str, str | None] = summary["median_victory"]
    decisive = summary["decisive_date"]
    order = sorted(rates, key=lambda k: (k == "nobody", -rates[k]["rate"]))
    labels = {key: "no one" if key == "nobody" else key for key in order}

    say(out, f"{summary['scenario']}: {summary['runs']:,} runs, seed {summary['seed']}")
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


def _render_fidelity(report: FidelityReport) -> None:
    n = len(report.ensembles)
    say(out, f"{report.scenario}, seed {report.seed}: " + (f"{report.runs:,} runs" if n == 1 else
             f"{n} ensembles of {report.runs:,} runs ({'; '.join(report.ensembles)})"))
    columns = (Col("#", "right"), Col("Pattern", wrap=True, ratio=3), Col("Observed", "right"), Col("Band"),
               Col("Result"), Col("Detail", wrap=True, ratio=2))
    for group, patterns in report.groups:
        rows: list[list[Cell]] = [
            [str(r.id), r.text, r.shown, r.band, ("PASS", "green") if r.passed else ("FAIL", "bold red"), r.detail]
            for v in patterns for r in v.results]
        out.print()
        out.table(group[:1].upper() + group[1:] if group else "Patterns", columns, rows, expand=True)
    failed = report.failed
    say(out, f"{report.passed} of {len(report.patterns)} patterns pass"
             + (f"; failing: {', '.join(map(str, failed))}" if failed else ""))


# ------------------------------------------------------------------ commands


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

    with reported():
        seed_value = parse_seed(seed)
        sc = load(scenario, set_, parse_factors_off(factor))
        with compiling():
            res = simulate(sc, seed_value)
    if as_json:
        print_json(res.to_dict())
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

    with guarded(), reported():
        seed_value = parse_seed(seed)
        n_runs = parse_positive("--runs", runs, "the number of runs")
        batch = parse_positive("--batch-size", batch_size, "batch size")
        sc = load(scenario, set_, parse_factors_off(factor))
        result, target = None, None
        check_ensemble(sc, n_runs, seed_value, batch, None if out_dir is None else Path(out_dir).parent,
                       "; write them to Parquet with --out DIR, which streams them in constant memory")
        if out_dir is None:
            warm_up(sc)
            with progress_bar(n_runs, "Ensemble") as advance:
                summary = ensemble(sc, n_runs, seed_value, batch, progress=advance).summary()
        else:
            target, tmp = _prepare_out(out_dir)
            try:
                warm_up(sc)
                with progress_bar(n_runs, "Ensemble") as advance:
                    result = ensemble_to_parquet(sc, n_runs, seed_value, tmp, batch, progress=advance)
                _move_out(target, tmp, out_dir)
            except OSError as exc:
                raise ScenarioError("--out", [f"cannot write to {out_dir}: {os_reason(exc)}"]) from None
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            summary = result.summary
    if as_json:
        print_json(summary)
    else:
        _render_ensemble(summary)
    if result is not None and target is not None:
        console = err if as_json else out
        if not as_json:
            console.print()
        say(console, f"Wrote {OUT_FILES[0]} ({result.runs:,} runs) and {OUT_FILES[1]} "
                     f"({result.votes:,} votes) to {target}")
        say(console, _duckdb_hint(target))


@app.command(name="fidelity")
def fidelity_cmd(
    scenario: ScenarioOpt = "soviet-1924",
    runs: Annotated[str, typer.Option("--runs", metavar="N", help="Runs per ensemble.")] = "2000",
    seed: SeedOpt = "0",
    as_json: JsonOpt = False,
    set_: SetOpt = None,
    factor: FactorOpt = None,
) -> None:
    """Check the scenario's calibration patterns, over its ensemble and those of the changed
    scenarios the patterns about causes compare it with (exit 1 if any fails)."""
    from politburo.api import check_ensemble
    from politburo.fidelity import comparisons, fidelity

    with reported():
        seed_value = parse_seed(seed)
        n_runs = parse_positive("--runs", runs, "the number of runs")
        factors_off = parse_factors_off(factor)
        sc = load(scenario, set_, factors_off)
        check_ensemble(sc, n_runs, seed_value, 4000, hint="")
        warm_up(sc)
        ensembles = 1 + len(comparisons(sc.patterns))  # the scenario's, and each changed one's
        with progress_bar(ensembles * n_runs, "Fidelity") as advance:
            report = fidelity(scenario, list(set_ or []), factors_off, n_runs, seed_value, progress=advance)
    if as_json:
        print_json(report.to_dict())
    else:
        _render_fidelity(report)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def scenarios(as_json: JsonOpt = False) -> None:
    """List the built-in scenarios (exit 2 if one of them does not load)."""
    rows: list[list[Cell]] = []
    broken: list[ScenarioError] = []
    listed: list[dict[str, Any]] = []
    for name in builtin_names():
        try:
            sc = load(name)
        except ScenarioError as exc:
            broken.append(ScenarioError(name, exc.problems))
            continue
        meta = sc.scenario
        listed.append({"name": name, "title": meta.title, "description": meta.description,
                       "start": meta.start, "end": meta.end, "leaders": [x.id for x in sc.leaders],
                       "factors": {k: {"group": f.group, "description": f.description} for k, f in sc.factors.items()}})
        rows.append([name, meta.title, meta.description])
    if as_json:
        print_json(listed)
    else:
        out.table("Built-in scenarios", (Col("Name"), Col("Title", wrap=True), Col("Description", wrap=True)), rows)
    for error in broken:
        for problem in error.problems:
            say(err, f"politburo: {error.where}: {problem}")
    if broken:
        raise typer.Exit(2)


@app.command()
def check(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The scenario TOML file to validate.")],
    as_json: JsonOpt = False,
) -> None:
    """Validate a scenario file and its plausible worlds (if it names them), and list every problem
    with its key path."""
    problems: list[str] = []
    sc: Scenario | None = None
    if not Path(file).exists() and file not in builtin_names():
        problems.append("no such file")
    else:
        try:
            sc = load(file)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    worlds = None
    if sc is not None:
        for name in sc.factors:  # each factor, switched off, must still give a valid scenario
            try:
                load(file, factors_off=[name])
            except ScenarioError as exc:
                problems.extend(f"factors.{name}: switched off: {p}" for p in exc.problems)
        found = worlds_file(sc.scenario.worlds, scenario_folder(file))
        if found is not None:  # its plausible worlds, each inside the priors
            try:
                worlds = read_worlds(*found, priors(sc)).count
            except ScenarioError as exc:
                problems.extend(f"scenario.worlds: {exc.where}: {p}" for p in exc.problems)
    if as_json:
        print_json({"file": file, "valid": not problems, "problems": problems, "worlds": worlds})
    if problems:
        if not as_json:
            for problem in problems:
                say(err, f"{file}: {problem}")
        raise typer.Exit(2)
    assert sc is not None
    if as_json:
        return
    plausible = f", {worlds:,} plausible world{'s' if worlds != 1 else ''}" if worlds is not None else ""
    say(out, f"{file}: ok ({len(sc.leaders)} leaders, {len(sc.regions)} regions, "
             f"{len(sc.events)} events, {len(sc.factors)} factors{plausible})")
