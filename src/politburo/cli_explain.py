"""The `explain`, `whatif`, `inevitability`, `claims` and `results` commands: counterfactual
experiments run through the results store on a local pool or a Dask cluster."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box

from politburo.cli_app import app, err, out, print_json, progress_bar, reported, say, warm_up
from politburo.cli_errors import guarded, writing
from politburo.cli_options import (
    BackendOpt,
    JsonOpt,
    OutcomeOpt,
    PlotOpt,
    ReplicatesOpt,
    ReportOpt,
    ScenarioOpt,
    SchedulerOpt,
    SeedOpt,
    SetOpt,
    StoreOpt,
    TargetOpt,
    WorkersOpt,
    parse_factors_off,
    parse_positive,
    parse_seed,
)
from politburo.experiments import library as lib
from politburo.experiments.store import DEFAULT_STORE, Store
from politburo.loader import ScenarioError, load_raw
from politburo.terminal import Bar, Cell, Col

__all__ = ["claims", "explain", "inevitability", "render", "results", "results_show", "whatif"]

# Sizes of what a report adds when the command did not compute it itself.
REPORT_ENSEMBLE = lib.REPORT_ENSEMBLE
REPORT_REPLICATES = lib.REPORT_REPLICATES


# ------------------------------------------------------------------ shared set-up


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


def _watch(backend: str) -> Callable[[lib.Stage], AbstractContextManager[Callable[[int], None]]]:
    """A progress bar on stderr for each experiment the library runs; before the first one that
    runs anything on this machine, the engine is compiled under a notice if it needs to be."""

    @contextmanager
    def watch(stage: lib.Stage) -> Iterator[Callable[[int], None]]:
        exp = stage.experiment
        if stage.reused < stage.runs and backend == "local":
            warm_up(load_raw(exp.where, exp.raw, exp.world))
        with progress_bar(stage.runs, f"{stage.label} {exp.id}", stage.reused) as advance:
            yield advance

    return watch


class _Common:
    """The options every experiment command shares, parsed: the library's keyword arguments, and
    the report and chart to write. Every value is checked before anything runs."""

    def __init__(self, seed: str, replicates: str | None, store: str, backend: str, scheduler: str | None,
                 workers: str | None, as_json: bool, report: str | None, plot: str | None):
        self.seed = parse_seed(seed)
        self.replicates = parse_positive("--replicates", replicates, "the number of replicates") if replicates \
            else None
        n = parse_positive("--workers", workers, "the number of workers") if workers is not None else None
        self.run: dict[str, Any] = {"store": store, "backend": backend, "scheduler": scheduler, "workers": n,
                                    "watch": _watch(backend)}
        self.as_json = as_json
        self.report = _output_file(report, "--report", ".html")
        self.plot = _output_file(plot, "--plot", ".png")


def _finish(result: lib.ExplainResult | lib.WhatifResult | lib.InevitabilityResult | lib.ClaimsResult,
            opts: _Common) -> None:
    """What the report adds (run through the store), then the result on stdout, then the report
    and the chart."""
    from politburo import report as rp

    extra = None
    if opts.report is not None:
        extra = lib.report_extras(result, ensemble_runs=REPORT_ENSEMBLE, replicates=REPORT_REPLICATES, **opts.run)
    data = result.to_dict()
    if opts.as_json:
        print_json(data)
    else:
        render(data)
    console = err if opts.as_json else out
    if opts.report is not None:
        with writing("--report", opts.report):
            rp.write_report(data, opts.report, extra)
        say(console, f"Wrote the report to {opts.report}")
    if opts.plot is not None:
        with writing("--plot", opts.plot):
            rp.write_plot(data, opts.plot)
        say(console, f"Wrote the chart to {opts.plot}")


# ------------------------------------------------------------------ commands
# Each parses its options, calls the library function of the same name (politburo.experiments.
# library), and prints, reports and plots its result. A stop signal, a full disk or failing workers
# end it with one line (see politburo.cli_errors).


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
        help="Also draw N of the scenario's plausible worlds (the calibration's accepted parameter sets) and "
             "show the attribution over the draws.")] = None,
    prior: Annotated[bool, typer.Option(
        "--prior", help="With --uncertainty: draw each parameter uniformly from its prior instead.")] = False,
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
    with guarded(), reported():
        opts = _Common(seed, replicates, store, backend, scheduler, workers, as_json, report, plot)
        draws = parse_positive("--uncertainty", uncertainty, "the number of parameter draws") if uncertainty else 0
        result = lib.explain(scenario, target=target, outcome=outcome, level=level, replicates=opts.replicates,
                             uncertainty=draws, draws_from="prior" if prior else "worlds", seed=opts.seed,
                             set=list(set_ or []), **opts.run)
        _finish(result, opts)


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
    with guarded(), reported():
        opts = _Common(seed, replicates, store, backend, scheduler, workers, as_json, report, plot)
        result = lib.whatif(parse_factors_off(factor), list(set_ or []), scenario=scenario, target=target,
                            outcome=outcome, replicates=opts.replicates, seed=opts.seed, world=list(world_ or []),
                            **opts.run)
        _finish(result, opts)


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
    with guarded(), reported():
        opts = _Common(seed, replicates, store, backend, scheduler, workers, as_json, report, plot)
        n_futures = parse_positive("--futures", futures, "the number of futures")
        step = parse_positive("--every", every, "the months between saved states")
        result = lib.inevitability(scenario, target=target, outcome=outcome, replicates=opts.replicates,
                                   futures=n_futures, every=step, threshold=threshold, seed=opts.seed,
                                   set=list(set_ or []), **opts.run)
        _finish(result, opts)


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
    with guarded(), reported():
        opts = _Common(seed, replicates, store, backend, scheduler, workers, as_json, report, plot)
        result = lib.claims(file, scenario=scenario, replicates=opts.replicates, seed=opts.seed,
                            set=list(set_ or []), **opts.run)
        _finish(result, opts)


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
        print_json([{k: m[k] for k in ("id", "kind", "scenario", "seed", "replicates", "runs", "tasks",
                                        "tasks_done", "complete")} for m in exps])
        return
    if not exps:
        say(out, f"No experiments stored in {store}")
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
    say(out, "Show one with: politburo results show ID (a unique prefix is enough)")


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
    with reported():
        st = Store(store)
        found = st.resolve(exp_id)
        result = st.result(found)
        if result is None:
            man = st.manifest(found)
            raise ScenarioError("results show", [(f"experiment {found} is incomplete ({len(st.done(found))} of "
                                                 f"{man['tasks']} tasks): re-run its command to finish it")])
    if as_json:
        print_json(result)
    else:
        render(result)


# ------------------------------------------------------------------ rendering


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
    say(out, f"{result['scenario']} · experiment {result['experiment']} · seed {result['seed']} · "
             f"{result['replicates']:,} replicates · {result['runs']:,} runs")
    if result.get("world"):
        say(out, "World: " + ", ".join(f"{k}={v}" for k, v in result["world"].items()))


def _render_explain(result: dict[str, Any]) -> None:
    _header(result)
    say(out, f"Outcome: {result['text']} — {_pct(result['all_on']['mean'])} in history, "
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
    say(out, "In percentage points. share: of the advantage over the all-off world (95% interval); "
             "remove: the effect of switching only this off; add: of switching only this on in the all-off world")
    if result.get("coalitions"):
        _table("Every coalition of groups", ("arm", "chance"),
               [[c["arm"], f"{c['rate']['mean']:.1%} ± {100 * c['rate']['half']:.1f}"] for c in result["coalitions"]],
               prose=(0,))
    say(out, f"Shapley values sum exactly to the all-on minus all-off difference in every replicate: "
             f"{'yes' if result['exact'] else 'NO'}")
    out.print()
    say(out, result["verdict"])
    if result.get("uncertainty"):
        out.print()
        _render_uncertainty(result["uncertainty"])


def _draws_from(result: dict[str, Any]) -> str:
    """Where an uncertainty result's draws came from, in words (a result stored before they could
    come from plausible worlds drew from the priors)."""
    src = result.get("draws_from") or {"source": "prior"}
    if src["source"] == "prior":
        return "from the priors"
    return (f"from the plausible worlds of {src['file']} ({src['worlds']:,} accepted draws of the calibration, "
            f"{src['distinct']:,} distinct among the draws)")


def _render_uncertainty(result: dict[str, Any]) -> None:
    say(out, f"Parameter uncertainty: {result['draws']} draws {_draws_from(result)}, {result['replicates']:,} "
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
        say(out, "Most influential parameters on the leading factor's value (rank correlation): " + ", ".join(
            f"{s['parameter']} {s['rank_correlation']:+.2f}" for s in result["sensitivity"][:3]))
    say(out, result["verdict"])


def _render_whatif(result: dict[str, Any]) -> None:
    _header(result)
    say(out, f"Counterfactual: {result['counterfactual']['label']}")
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
        say(out, f"Never win in either arm: {', '.join(never)}")
    if result["victory_years"]:
        _table("Year of victory (share of runs)", ("year", "history", "counterfactual"),
               [[str(y["year"]), _pct(y["baseline"]), _pct(y["counterfactual"])] for y in result["victory_years"]])
    out.print()
    say(out, result["verdict"])


def _render_inevitability(result: dict[str, Any]) -> None:
    _header(result)
    say(out, f"Outcome: {result['text']} ({_pct(result['final']['mean'])} of runs); "
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
    say(out, result["verdict"])


def _render_claims(result: dict[str, Any]) -> None:
    _header(result)
    say(out, result["title"])
    out.print()
    style = {"supported": "green", "contradicted": "red"}
    for c in result["claims"]:
        out.say((f"[{c['verdict']}] ", style.get(c["verdict"], "yellow")), (c["text"], "bold"))
        say(out, f"    {c['estimate']}")
    out.print()
    say(out, result["verdict"])
