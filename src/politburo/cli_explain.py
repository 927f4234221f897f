"""The `explain`, `whatif`, `inevitability`, `claims` and `results` commands: counterfactual
experiments run through the results store on a local pool or a Dask cluster."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box

from politburo.cli import (
    JsonOpt,
    ScenarioOpt,
    SeedOpt,
    SetOpt,
    _compiling_note,
    _factors_off,
    _positive,
    _print_json,
    _progress,
    _reading,
    _reported,
    _say,
    _seed,
    app,
    err,
    out,
)
from politburo.cli_errors import experiment_failures, guarded, writing
from politburo.experiments import analyses as an
from politburo.experiments.backends import Backend, make_backend, runs_done
from politburo.experiments.claims import build_claims, read_claims, summarise_claims
from politburo.experiments.outcomes import Outcome, default_target, parse_outcome
from politburo.experiments.plan import Experiment
from politburo.experiments.store import DEFAULT_STORE, Store
from politburo.loader import ScenarioError, load_raw, parse_overrides, read_scenario
from politburo.terminal import Bar, Cell, Col

TargetOpt = Annotated[str | None, typer.Option(
    "--target", metavar="LEADER", help="The leader whose outcome is explained (default: the main contender).")]
OutcomeOpt = Annotated[str, typer.Option(
    "--outcome", metavar="OUTCOME", help="win, win_by:YYYY-MM, defeated, defeated_by:YYYY-MM or no_winner.")]
ReplicatesOpt = Annotated[str | None, typer.Option(
    "--replicates", "-n", metavar="N", help="Replicates per arm (common random numbers across arms).")]
StoreOpt = Annotated[str, typer.Option(
    "--store", metavar="DIR", help="The results store (finished tasks are reused).")]
BackendOpt = Annotated[str, typer.Option("--backend", metavar="local|dask", help="Where tasks run.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", metavar="tcp://HOST:PORT", help="The Dask scheduler (with --backend dask).")]
WorkersOpt = Annotated[str | None, typer.Option(
    "--workers", metavar="N", help="Local worker processes (default: all cores).")]
ReportOpt = Annotated[str | None, typer.Option(
    "--report", metavar="FILE.html", help="Write a self-contained HTML report (printable on A4).")]
# Sizes of what a report adds when the command did not compute it itself.
REPORT_ENSEMBLE = 1000
REPORT_REPLICATES = 1000

PlotOpt = Annotated[str | None, typer.Option("--plot", metavar="FILE.png", help="Write the main chart as a PNG.")]


# ------------------------------------------------------------------ shared set-up


def _scenario(source: str) -> tuple[str, dict[str, Any]]:
    with _reading(source):
        return read_scenario(source)


def _world(where: str, raw: dict[str, Any], items: list[str] | None, option: str = "--set") -> dict[str, Any]:
    world = parse_overrides(list(items or []), option)
    if world:
        try:
            load_raw(where, raw, world)
        except ScenarioError as exc:
            raise ScenarioError(option, exc.problems) from None
    return world


def _output_file(text: str | None, option: str, suffix: str) -> Path | None:
    if text is None:
        return None
    path = Path(text).expanduser()
    if path.suffix.lower() != suffix:
        raise ScenarioError(option, [f"{text} should end in {suffix}"])
    parent = path.resolve().parent
    if not parent.is_dir():
        raise ScenarioError(option, [f"folder {parent} does not exist"])
    if path.is_dir():
        raise ScenarioError(option, [f"{text} is a folder"])
    if not os.access(parent, os.W_OK):
        raise ScenarioError(option, [f"folder {parent} is not writable"])
    return path


@contextmanager
def _backend(name: str, scheduler: str | None, workers: str | None) -> Iterator[Backend]:
    n = _positive("--workers", workers, "the number of workers") if workers is not None else None
    backend = make_backend(name, scheduler, n)
    try:
        yield backend
    finally:
        backend.close()


def _execute(exp: Experiment, store: Store, backend: Backend,
             summarise: Callable[[Experiment, Store], dict[str, Any]], label: str) -> dict[str, Any]:
    if runs_done(exp, store) < exp.runs:
        _compiling_note()
    with experiment_failures(exp, store), _progress(exp.runs, f"{label} {exp.id}",
                                                    runs_done(exp, store)) as advance:
        return an.run(exp, store, backend, summarise, advance)


def _finish(result: dict[str, Any], as_json: bool, report: Path | None, plot: Path | None,
            extra: dict[str, Any] | None = None) -> None:
    from politburo import report as rp

    if as_json:
        _print_json(result)
    else:
        render(result)
    console = err if as_json else out
    if report is not None:
        with writing("--report", report):
            rp.write_report(result, report, extra)
        _say(console, f"Wrote the report to {report}")
    if plot is not None:
        with writing("--plot", plot):
            rp.write_plot(result, plot)
        _say(console, f"Wrote the chart to {plot}")


# ------------------------------------------------------------------ commands


@dataclass
class _Common:
    """The options every experiment command shares."""

    seed: str
    store: str
    backend: str
    scheduler: str | None
    workers: str | None
    as_json: bool
    report: str | None
    plot: str | None


# What a command runs: each step is (key in the result or None for the result itself, the
# experiment, its summariser, the progress label).
_Step = tuple[str | None, Experiment, Callable[[Experiment, Store], dict[str, Any]], str]
# Given the seed, replicates, scenario and world: the outcome a report also shows, and the steps.
_Plan = Callable[[int, int, str, dict[str, Any], dict[str, Any]], tuple[Outcome, list[_Step]]]


def _command(opts: _Common, scenario: str, world_items: list[str] | None, world_option: str,
             replicates: str | None, default_replicates: int, plan: _Plan) -> None:
    """Parse and check every input (nothing is stored before all of it is valid), run the plan's
    experiments through the store, and print, report and plot the result. A stop signal, a full
    disk or failing workers end it with one line (see `politburo.cli_errors`)."""
    with guarded(), _reported():
        seed_value = _seed(opts.seed)
        reps = _positive("--replicates", replicates, "the number of replicates") if replicates else default_replicates
        where, raw = _scenario(scenario)
        world = _world(where, raw, world_items, world_option)
        outcome, steps = plan(seed_value, reps, where, raw, world)
        report_path = _output_file(opts.report, "--report", ".html")
        plot_path = _output_file(opts.plot, "--plot", ".png")
        st = Store(opts.store)
        st.check_writable()
        with _backend(opts.backend, opts.scheduler, opts.workers) as be:
            result: dict[str, Any] = {}
            for key, exp, summarise, label in steps:
                done = _execute(exp, st, be, summarise, label)
                result = done if key is None else {**result, key: done}
            extra = _extras(result, where, raw, world, seed_value, outcome, st, be, report_path)
        _finish(result, opts.as_json, report_path, plot_path, extra)


@app.command()
def explain(
    scenario: ScenarioOpt = "soviet-1924",
    target: TargetOpt = None,
    outcome: OutcomeOpt = "win",
    level: Annotated[str, typer.Option("--level", help="Attribute to the factor groups or to each factor.")]
    = "groups",
    replicates: ReplicatesOpt = None,
    uncertainty: Annotated[str | None, typer.Option(
        "--uncertainty", metavar="N",
        help="Also draw the parameters N times from their priors and show the attribution over the draws.")] = None,
    seed: SeedOpt = "0",
    set_: SetOpt = None,
    store: StoreOpt = DEFAULT_STORE,
    backend: BackendOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    report: ReportOpt = None,
    plot: PlotOpt = None,
) -> None:
    """Exact Shapley attribution of the outcome to the scenario's factors (or factor groups), with
    95% intervals, one-at-a-time effects and a verdict."""

    def plan(seed_value: int, reps: int, where: str, raw: dict[str, Any], world: dict[str, Any]) -> tuple[
            Outcome, list[_Step]]:
        if level not in an.LEVELS:
            raise ScenarioError("--level", [f"unknown level {level!r} (use groups or factors)"])
        draws = _positive("--uncertainty", uncertainty, "the number of parameter draws") if uncertainty else 0
        oc = parse_outcome(outcome, raw, target or default_target(raw))
        steps: list[_Step] = [(None, an.build_explain(where, raw, world, level, reps, seed_value),
                               an.summarise_explain(oc), "Explain")]
        if draws:
            unc = an.build_uncertainty(where, raw, world, level, max(1, reps // 4), draws, seed_value)
            steps.append(("uncertainty", unc, an.summarise_uncertainty(oc), "Uncertainty"))
        return oc, steps

    _command(_Common(seed, store, backend, scheduler, workers, as_json, report, plot), scenario, set_, "--set",
             replicates, 2000 if level == "groups" else 200, plan)


@app.command()
def whatif(
    factor: Annotated[list[str] | None, typer.Option(
        "--factor", metavar="NAME=off", help="The counterfactual: switch a factor off (repeatable).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="PATH=VALUE", help="The counterfactual: change a scenario value (repeatable).")] = None,
    scenario: ScenarioOpt = "soviet-1924",
    target: TargetOpt = None,
    outcome: OutcomeOpt = "win",
    replicates: ReplicatesOpt = None,
    seed: SeedOpt = "0",
    world_: Annotated[list[str] | None, typer.Option(
        "--world", metavar="PATH=VALUE", help="Change the world both arms share (repeatable).")] = None,
    store: StoreOpt = DEFAULT_STORE,
    backend: BackendOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    report: ReportOpt = None,
    plot: PlotOpt = None,
) -> None:
    """History against one counterfactual, paired under common random numbers: every principal's
    chance to win, the difference with its interval, and when victories come."""

    def plan(seed_value: int, reps: int, where: str, raw: dict[str, Any], world: dict[str, Any]) -> tuple[
            Outcome, list[_Step]]:
        off = _factors_off(factor)
        sets = parse_overrides(list(set_ or []))
        oc = parse_outcome(outcome, raw, target or default_target(raw))
        exp = an.build_whatif(where, raw, world, off, sets, reps, seed_value)
        return oc, [(None, exp, an.summarise_whatif(oc), "What if")]

    _command(_Common(seed, store, backend, scheduler, workers, as_json, report, plot), scenario, world_, "--world",
             replicates, 4000, plan)


@app.command()
def inevitability(
    scenario: ScenarioOpt = "soviet-1924",
    target: TargetOpt = None,
    outcome: OutcomeOpt = "win",
    replicates: ReplicatesOpt = None,
    futures: Annotated[str, typer.Option("--futures", metavar="N", help="Fresh futures branched from each saved state.")]
    = "20",
    every: Annotated[str, typer.Option("--every", metavar="MONTHS", help="Months between saved states.")] = "3",
    threshold: Annotated[float, typer.Option("--threshold", help="What counts as all but certain.")] = 0.9,
    seed: SeedOpt = "0",
    set_: SetOpt = None,
    store: StoreOpt = DEFAULT_STORE,
    backend: BackendOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    report: ReportOpt = None,
    plot: PlotOpt = None,
) -> None:
    """When did the outcome become inevitable? For each saved month, the chance of the final outcome
    given the state then, from fresh futures branched off baseline runs."""

    def plan(seed_value: int, reps: int, where: str, raw: dict[str, Any], world: dict[str, Any]) -> tuple[
            Outcome, list[_Step]]:
        n_fut = _positive("--futures", futures, "the number of futures")
        step = _positive("--every", every, "the months between saved states")
        if not 0 < threshold < 1:
            raise ScenarioError("--threshold", [f"threshold must lie between 0 and 1, not {threshold}"])
        oc = parse_outcome(outcome, raw, target or default_target(raw))
        exp = an.build_inevitability(where, raw, world, reps, n_fut, step, seed_value)
        return oc, [(None, exp, an.summarise_inevitability(oc, threshold), "Inevitability")]

    _command(_Common(seed, store, backend, scheduler, workers, as_json, report, plot), scenario, set_, "--set",
             replicates, 200, plan)


@app.command()
def claims(
    file: Annotated[str, typer.Argument(metavar="FILE", help="A TOML file of claims (see claims/essay.toml).")],
    scenario: Annotated[str | None, typer.Option(
        "--scenario", "-s", metavar="NAME|FILE", help="Scenario (default: the file's, else soviet-1924).")] = None,
    replicates: ReplicatesOpt = None,
    seed: SeedOpt = "0",
    set_: SetOpt = None,
    store: StoreOpt = DEFAULT_STORE,
    backend: BackendOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    report: ReportOpt = None,
    plot: PlotOpt = None,
) -> None:
    """Test an essay's claims: each claim's counterfactual against history, with a verdict."""
    with _reported():
        parsed = read_claims(file)

    def plan(seed_value: int, reps: int, where: str, raw: dict[str, Any], world: dict[str, Any]) -> tuple[
            Outcome, list[_Step]]:
        exp, outcomes = build_claims(file, parsed, where, raw, world, reps, seed_value)
        main = parse_outcome("win", raw, default_target(raw))
        return main, [(None, exp, summarise_claims(parsed, outcomes), "Claims")]

    _command(_Common(seed, store, backend, scheduler, workers, as_json, report, plot),
             scenario or parsed.scenario or "soviet-1924", set_, "--set", replicates, 2000, plan)


results_app = typer.Typer(help="List and show stored experiments.", invoke_without_command=True,
                          no_args_is_help=False)
app.add_typer(results_app, name="results")


@results_app.callback()
def results(ctx: typer.Context, store: StoreOpt = DEFAULT_STORE, as_json: JsonOpt = False) -> None:
    """List the experiments in the store (newest last)."""
    if ctx.invoked_subcommand is not None:  # `results --store DIR show ID`: show reads them
        ctx.obj = {"store": store, "json": as_json}
        return
    exps = Store(store).experiments()
    if as_json:
        _print_json([{k: m[k] for k in ("id", "kind", "scenario", "seed", "replicates", "runs", "tasks",
                                        "tasks_done", "complete")} for m in exps])
        return
    if not exps:
        _say(out, f"No experiments stored in {store}")
        return
    import datetime

    out.widen(130)
    rows: list[list[Cell]] = []
    for m in exps:
        status = "complete" if m["complete"] else "incomplete"
        when = datetime.datetime.fromtimestamp(m["modified"]).strftime("%Y-%m-%d %H:%M")
        rows.append([m["id"], m["kind"], m["scenario"], when, status, str(len(m["arms"])), f"{m['replicates']:,}",
                     f"{m['runs']:,}", f"{m['tasks_done']}/{m['tasks']}"])
    _table(f"Experiments in {store}", ("id", "kind", "scenario", "when", "status", "arms", "replicates",
                                       "runs", "tasks"), rows, left=5)
    _say(out, "Show one with: politburo results show ID (a unique prefix is enough)")


@results_app.command("show")
def results_show(
    ctx: typer.Context,
    exp_id: Annotated[str, typer.Argument(metavar="ID", help="An experiment id (or a unique prefix).")],
    store: StoreOpt = DEFAULT_STORE,
    as_json: JsonOpt = False,
) -> None:
    """Print one stored experiment's result."""
    given = ctx.obj if isinstance(ctx.obj, dict) else {}  # options given before `show`
    if store == DEFAULT_STORE:
        store = given.get("store", DEFAULT_STORE)
    as_json = as_json or bool(given.get("json", False))
    with _reported():
        st = Store(store)
        found = st.resolve(exp_id)
        result = st.result(found)
        if result is None:
            man = st.manifest(found)
            raise ScenarioError("results show", [(f"experiment {found} is incomplete ({len(st.done(found))} of "
                                                 f"{man['tasks']} tasks): re-run its command to finish it")])
    if as_json:
        _print_json(result)
    else:
        render(result)


# ------------------------------------------------------------------ rendering


def _extras(result: dict[str, Any], where: str, raw: dict[str, Any], world: dict[str, Any], seed: int,
            outcome: Any, store: Store, backend: Backend, report: Path | None) -> dict[str, Any]:
    """What a report shows besides the experiment: a sample chronicle, the winner distribution,
    and the attribution and inevitability curve (run through the store when not already the result)."""
    if report is None:
        return {}
    from politburo.api import ensemble, simulate

    sc = load_raw(where, raw, world)
    extra: dict[str, Any] = {"sample_run": simulate(sc, seed, 0).to_dict(),
                             "ensemble": ensemble(sc, REPORT_ENSEMBLE, seed).summary()}
    if result["kind"] != "explain":
        exp = an.build_explain(where, raw, world, "groups", REPORT_REPLICATES, seed)
        extra["explain"] = _execute(exp, store, backend, an.summarise_explain(outcome), "Report: explain")
    if result["kind"] != "inevitability":
        exp = an.build_inevitability(where, raw, world, REPORT_REPLICATES // 10, 10, 3, seed)
        extra["inevitability"] = _execute(exp, store, backend, an.summarise_inevitability(outcome),
                                          "Report: inevitability")
    return extra


def _table(title: str, columns: tuple[str, ...], rows: list[list[Cell]], left: int = 1,
           prose: tuple[int, ...] = ()) -> None:
    """A compact table: the first `left` columns left-aligned, the rest right-aligned, none wrapped
    or cut but the `prose` ones (stacked when the terminal is too narrow)."""
    out.table(title, [Col(col, "left" if k < left else "right", wrap=k in prose) for k, col in enumerate(columns)],
              rows, box=box.SIMPLE_HEAD, pad_edge=False)


def _short(date: str | None) -> str:
    """"November 1929" as "Nov 1929"."""
    if not date:
        return "—"
    month, _, year = date.partition(" ")
    return f"{month[:3]} {year}"


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _share(share: dict[str, float | None] | None) -> str:
    """A share of the advantage and its 95% interval (which a ratio of two noisy sums may lack)."""
    if not share or share.get("mean") is None:
        return "—"
    low, high = share.get("low"), share.get("high")
    if low is None or high is None:
        return f"{share['mean']:.0%} (no interval)"
    return f"{share['mean']:.0%} ({100 * low:.0f}–{100 * high:.0f})"


def _ci(d: dict[str, float]) -> str:
    """A probability difference and its 95% half-width, in percentage points."""
    return f"{100 * d['mean']:+.1f} ± {100 * d['half']:.1f}"


def render(result: dict[str, Any]) -> None:
    out.widen(110)  # piped or captured without COLUMNS: do not squeeze the tables into 80 columns
    kind = result["kind"]
    {"explain": _render_explain, "whatif": _render_whatif, "inevitability": _render_inevitability,
     "claims": _render_claims, "uncertainty": _render_uncertainty}[kind](result)


def _header(result: dict[str, Any]) -> None:
    _say(out, f"{result['scenario']} · experiment {result['experiment']} · seed {result['seed']} · "
              f"{result['replicates']:,} replicates · {result['runs']:,} runs")
    if result.get("world"):
        _say(out, "World: " + ", ".join(f"{k}={v}" for k, v in result["world"].items()))


def _render_explain(result: dict[str, Any]) -> None:
    _header(result)
    _say(out, f"Outcome: {result['text']} — {_pct(result['all_on']['mean'])} in history, "
              f"{_pct(result['all_off']['mean'])} with every factor off")
    out.print()
    scale = max(abs(p["shapley"]["mean"]) for p in result["players"]) or 1.0
    rows: list[list[Cell]] = []
    for pid in result["ranking"]:
        p = next(x for x in result["players"] if x["id"] == pid)
        share = p.get("share")
        s = _share(share)
        rows.append([p["label"], _ci(p["shapley"]), s, Bar(p["shapley"]["mean"], scale, 8),
                     _ci(p["remove_from_history"]), _ci(p["add_to_all_off"])])
    _table(f"Attribution ({result['level']}): exact Shapley values, 95% intervals",
           ("", "Shapley", "share", "", "remove", "add"), rows)
    _say(out, "In percentage points. share: of the advantage over the all-off world (95% interval); "
              "remove: the effect of switching only this off; add: of switching only this on in the all-off world")
    if result.get("coalitions"):
        _table("Every coalition of groups", ("arm", "chance"),
               [[c["arm"], f"{c['rate']['mean']:.1%} ± {100 * c['rate']['half']:.1f}"] for c in result["coalitions"]],
               prose=(0,))
    _say(out, f"Shapley values sum exactly to the all-on minus all-off difference in every replicate: "
              f"{'yes' if result['exact'] else 'NO'}")
    out.print()
    _say(out, result["verdict"])
    if result.get("uncertainty"):
        out.print()
        _render_uncertainty(result["uncertainty"])


def _render_uncertainty(result: dict[str, Any]) -> None:
    _say(out, f"Parameter uncertainty: {result['draws']} draws from the priors, {result['replicates']:,} "
              f"replicates each ({result['runs']:,} runs); '{result['text']}' with every factor: median "
              f"{result['all_on']['median']:.0%}, 90% band {result['all_on']['p5']:.0%}–{result['all_on']['p95']:.0%}")
    rows: list[list[Cell]] = []
    for p in result["players"]:
        sh = p["share"]
        rows.append([p["label"], f"{100 * p['shapley']['median']:+.1f}",
                     f"{100 * p['shapley']['p5']:+.1f} to {100 * p['shapley']['p95']:+.1f}",
                     f"{sh['median']:.0%}" if sh["median"] is not None else "—", f"{p['main_reason_in']:.0%}"])
    _table("Attribution over parameter draws (median and 90% band)",
           ("", "Shapley median (pts)", "90% band", "share median", "main reason in"), rows)
    if result.get("sensitivity"):
        _say(out, "Most influential parameters on the leading factor's value (rank correlation): " + ", ".join(
            f"{s['parameter']} {s['rank_correlation']:+.2f}" for s in result["sensitivity"][:3]))
    _say(out, result["verdict"])


def _render_whatif(result: dict[str, Any]) -> None:
    _header(result)
    _say(out, f"Counterfactual: {result['counterfactual']['label']}")
    out.print()
    rows: list[list[Cell]] = []
    never: list[str] = []
    for row in result["leaders"]:
        d = row["difference"]
        if row.get("id") is not None and row["baseline"]["mean"] == 0 and row["counterfactual"]["mean"] == 0:
            never.append(row["name"])
            continue
        med = ""
        if row.get("id") is not None:
            med = f"{_short(row.get('median_victory_baseline'))} → {_short(row.get('median_victory_counterfactual'))}"
        rows.append([row["name"], _pct(row["baseline"]["mean"]), _pct(row["counterfactual"]["mean"]),
                     _ci(d), Bar(d["mean"], 0.5, 10), med])
    _table("Chance to win, paired under common random numbers",
           ("", "history", "counterf.", "diff. (pts)", "", "median victory"), rows)
    if never:
        _say(out, f"Never win in either arm: {', '.join(never)}")
    if result["victory_years"]:
        _table("Year of victory (share of runs)", ("year", "history", "counterfactual"),
               [[str(y["year"]), _pct(y["baseline"]), _pct(y["counterfactual"])] for y in result["victory_years"]])
    out.print()
    _say(out, result["verdict"])


def _render_inevitability(result: dict[str, Any]) -> None:
    _header(result)
    _say(out, f"Outcome: {result['text']} ({_pct(result['final']['mean'])} of runs); "
              f"{result['futures']} fresh futures from every {result['every']}-month saved state")
    out.print()
    rows: list[list[Cell]] = []
    for c in result["curve"]:
        g = c.get("given_outcome")
        o = c.get("given_other")
        rows.append([c["date"], _pct(c["probability"]["mean"]), _pct(g["mean"]) if g else "—",
                     Bar(g["mean"] if g else 0.0, 1.0, 12), f"{g['p10']:.0%}–{g['p90']:.0%}" if g else "—",
                     _pct(o["mean"]) if o else "—"])
    _table("Chance of the outcome given the state at each month",
           ("month", "all runs", "where it happened", "", "p10–p90", "where it did not"), rows)
    out.print()
    _say(out, result["verdict"])


def _render_claims(result: dict[str, Any]) -> None:
    _header(result)
    _say(out, result["title"])
    out.print()
    style = {"supported": "green", "contradicted": "red"}
    for c in result["claims"]:
        out.say((f"[{c['verdict']}] ", style.get(c["verdict"], "yellow")), (c["text"], "bold"))
        _say(out, f"    {c['estimate']}")
    out.print()
    _say(out, result["verdict"])
