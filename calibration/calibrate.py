"""Calibrate a scenario's parameters against its calibration patterns by Approximate Bayesian
Computation with Sequential Monte Carlo (ABC-SMC; Toni et al. 2009), using pyabc (Schälte et
al. 2022).

Why ABC-SMC and not a multi-objective optimiser: the product needs a *set* of plausible
parameter draws (the posterior sample that `politburo explain --uncertainty` draws worlds from),
not only one best point; ABC-SMC's last population is that set, with importance weights, and its
spread says what the patterns pin down (appointment_strength, the Daniels-vs-Harris parameter)
and what they leave open.

The model: for a parameter draw, `politburo.fidelity` runs the scenario (and the changed
scenarios some patterns compare it with) for `--runs` replicates and checks every pattern. The
distance: for each pattern entry, how far its observed value lies outside its band, in units of
the band's natural scale (10 percentage points for shares and changes of shares, 6 months for
months), then the root of the sum of squares (0 when every pattern holds). The swap pattern
(anti-script check that outcomes follow data, not names) is checked at the chosen defaults only:
it holds by construction at any parameters, and its sampling noise would only blur the distance.

Priors are the scenario's uniform `prior = [lo, hi]` of every `[parameters]` entry, except the
switches (an entry whose `source` starts with "switch": factors turn them off).

Acceptance: pyabc's median-quantile epsilon schedule; the last population (`--population`
particles, at least 200 by default) is the set of plausible worlds, written as CSV (parameter
columns, `weight`, `distance`) beside the scenario.

The worlds file is named in the scenario's `[scenario] worlds` when it is written beside it.
`--report-worlds N` checks N worlds drawn from it over `--check-runs` runs and reports the share
of the plausible worlds in which each pattern passes.

Choosing the defaults (`--choose`): the `--candidates` particles of the last population with the
smallest distance are re-checked over `--check-runs` runs at `--check-seeds` seeds; the one with
the most patterns passing at every seed (then the smallest mean distance) becomes the scenario's
`value`s, written into the TOML file (comments kept, with tomlkit).

Usage:
    python calibration/calibrate.py [--scenario soviet-1924 | FILE.toml] [--db calibration/NAME.abc.sqlite]
        [--population 200] [--generations 12] [--minutes 110] [--runs 400] [--seed 1] [--workers 2]
        [--worlds FILE.csv] [--choose] [--candidates 8] [--check-runs 4000] [--check-seeds 5]
        [--report-worlds 50]

Resumable (the pyabc database is SQLite: rerun the same command to continue from the last
completed population; a killed run loses at most the population in progress). NOT yet
reproducible: pyabc's MappingSampler reseeds numpy from the operating system in every task, so
`--seed` fixes only the first population's order, not the particles; and each task samples
until it has one accepted particle, so a generation waits for its slowest task (an exploratory
run's second generation had not finished after 50 minutes). Both are to be replaced before the
calibration proper: a single-core sampler seeded from `--seed`, with the ensembles of one
evaluation run in parallel. Needs the `calibration` extra: pip install -e '.[calibration]'.
Exit codes: 0 done; 2 bad input (one line naming the option, file or key).
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

SCALE_SHARE = 0.10  # a share outside its band by 10 points counts 1
SCALE_MONTHS = 6.0  # a month outside its window by 6 months counts 1
MONTH_KINDS = ("median_victory", "office_lost_median")
SKIP_KINDS = ("swap",)


class CalibrationError(Exception):
    """Bad input: printed as one line, exit code 2."""


def _stamp(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------ the scenario and its priors
def calibrated_parameters(raw: dict[str, Any], where: str) -> dict[str, tuple[float, float]]:
    """{name: (lo, hi)} of every parameter with a prior, switches excepted."""
    out = {}
    for name, entry in (raw.get("parameters") or {}).items():
        if not isinstance(entry, dict) or "prior" not in entry:
            continue
        if str(entry.get("source", "")).lower().startswith("switch"):
            continue
        lo, hi = (float(x) for x in entry["prior"])
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise CalibrationError(f"{where}: parameters.{name}.prior: must be two finite numbers, low < high")
        out[name] = (lo, hi)
    if not out:
        raise CalibrationError(f"{where}: [parameters]: no parameter has a prior to calibrate")
    return out


def violation(pattern: Any, result: Any, scenario: Any) -> float:
    """How far a pattern entry's observed value lies outside its band, in band units (0 inside)."""
    if result.observed is None:
        return 3.0
    x = float(result.observed)
    if pattern.kind in MONTH_KINDS:
        lo, hi, scale = scenario.month(pattern.start), scenario.month(pattern.by), SCALE_MONTHS
    elif pattern.kind == "membership":
        lo, hi, scale = None, pattern.tolerance, SCALE_SHARE
    else:
        lo = pattern.min if pattern.above is None else max(pattern.min or -math.inf, pattern.above)
        hi, scale = pattern.max, SCALE_SHARE
    below = (lo - x) if lo is not None and x < lo else 0.0
    above = (x - hi) if hi is not None and x > hi else 0.0
    return float(max(below, above, 0.0) / scale)


# ------------------------------------------------------------------ the model pyabc calls
_CONTEXT: dict[str, Any] = {}


def _init(source: str, runs: int, ids: list[int]) -> None:
    from politburo.loader import load_scenario

    _CONTEXT.update(source=source, runs=runs, ids=ids, scenario=load_scenario(source))


def model(parameters: dict[str, float]) -> dict[str, float]:
    """One draw: the patterns over `runs` runs at a seed drawn from this evaluation's seed."""
    from politburo.fidelity import fidelity

    sc = _CONTEXT["scenario"]
    seed = int(np.random.randint(0, 2**31 - 1))
    sets = [f"parameters.{k}={float(v)!r}" for k, v in parameters.items()]
    report = fidelity(_CONTEXT["source"], sets, runs=_CONTEXT["runs"], seed=seed, ids=_CONTEXT["ids"])
    by_id = [p for p in sc.patterns if p.id in _CONTEXT["ids"]]
    v = [violation(p, r, sc) for p, r in zip(by_id, report.results, strict=True)]
    out = {f"p{p.id}_{k}": x for k, (p, x) in enumerate(zip(by_id, v, strict=True))}
    out["distance"] = float(np.sqrt(np.sum(np.square(v))))
    return out


def distance(x: dict[str, float], x0: dict[str, float]) -> float:
    return float(x["distance"])


# ------------------------------------------------------------------ outputs
def write_worlds(history: Any, names: list[str], path: Path) -> int:
    """The last population as CSV (parameters, weight, distance), written whole or not at all."""
    pop = history.get_population()
    rows = [[p.parameter[n] for n in names] + [p.weight, p.distance] for p in pop.particles]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".csv.tmp")
    with os.fdopen(fd, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*names, "weight", "distance"])
        for row in rows:
            w.writerow([f"{x:.6g}" for x in row])
    os.replace(tmp, path)
    return len(rows)


def choose_defaults(history: Any, names: list[str], source: str, candidates: int, runs: int,
                    seeds: int) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """The candidate that passes the most patterns at every seed (then the smallest mean distance)."""
    from politburo.fidelity import fidelity
    from politburo.loader import load_scenario

    sc = load_scenario(source)
    pop = sorted(history.get_population().particles, key=lambda p: p.distance)[:candidates]
    table = []
    for k, p in enumerate(pop):
        params = {n: float(p.parameter[n]) for n in names}
        sets = [f"parameters.{n}={v!r}" for n, v in params.items()]
        passing, dists = None, []
        for s in range(seeds):
            rep = fidelity(source, sets, runs=runs, seed=s)
            ok = {v.id for v in rep.patterns if v.passed}
            passing = ok if passing is None else passing & ok
            dists.append(float(np.sqrt(sum(violation(q, r, sc) ** 2 for q, r in zip(sc.patterns, rep.results,
                                                                                      strict=True)
                                           if q.kind not in SKIP_KINDS))))
        row = {"candidate": k, "abc_distance": p.distance, "passing_at_every_seed": sorted(passing or []),
               "mean_distance": float(np.mean(dists)), "parameters": params}
        _stamp(f"candidate {k}: {len(passing or [])} patterns pass at all {seeds} seeds, "
               f"mean distance {row['mean_distance']:.3f}")
        table.append(row)
    best = max(table, key=lambda r: (len(r["passing_at_every_seed"]), -r["mean_distance"]))
    return best["parameters"], table


def worlds_report(path: Path, names: list[str], source: str, n: int, runs: int, seed: int) -> dict[int, float]:
    """The share of `n` worlds drawn from the CSV (by weight, seeded) in which each pattern
    passes over `runs` runs: what the plausible worlds agree on."""
    from politburo.fidelity import fidelity

    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    w = np.array([float(r["weight"]) for r in rows])
    pick = np.random.default_rng(seed).choice(len(rows), size=n, replace=True, p=w / w.sum())
    passed: dict[int, int] = {}
    for k in pick:
        sets = [f"parameters.{m}={float(rows[k][m])!r}" for m in names]
        for v in fidelity(source, sets, runs=runs, seed=seed).patterns:
            passed[v.id] = passed.get(v.id, 0) + int(v.passed)
    return {i: c / n for i, c in sorted(passed.items())}


def name_worlds(toml_path: Path, file_name: str) -> None:
    """Name the worlds file in the scenario's [scenario] table, keeping comments and layout."""
    import tomlkit

    doc = tomlkit.parse(toml_path.read_text(encoding="utf-8"))
    doc["scenario"]["worlds"] = file_name
    _write_toml(toml_path, tomlkit.dumps(doc))


def _write_toml(toml_path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=toml_path.parent, suffix=".toml.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, toml_path)


def write_defaults(toml_path: Path, params: dict[str, float]) -> None:
    """Set each parameter's `value` in the scenario file, keeping its comments and layout."""
    import tomlkit

    doc = tomlkit.parse(toml_path.read_text(encoding="utf-8"))
    for name, value in params.items():
        doc["parameters"][name]["value"] = float(f"{value:.4g}")
    _write_toml(toml_path, tomlkit.dumps(doc))


# ------------------------------------------------------------------ command line
def _positive(kind: type, name: str):  # type: ignore[no-untyped-def]
    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (v > 0 and math.isfinite(v)):
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return v
    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        print(f"calibrate: {message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    ap = _Parser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="soviet-1924", help="a built-in scenario or a TOML file")
    ap.add_argument("--db", default=None, help="pyabc's SQLite database (default calibration/NAME.abc.sqlite)")
    ap.add_argument("--population", type=_positive(int, "--population"), default=200)
    ap.add_argument("--generations", type=_positive(int, "--generations"), default=12)
    ap.add_argument("--minutes", type=_positive(float, "--minutes"), default=110.0)
    ap.add_argument("--runs", type=_positive(int, "--runs"), default=400, help="replicates per evaluation")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=_positive(int, "--workers"), default=2)
    ap.add_argument("--worlds", default=None, help="CSV of the plausible worlds (default: beside the scenario)")
    ap.add_argument("--choose", action="store_true", help="also choose the defaults and write them into the TOML")
    ap.add_argument("--candidates", type=_positive(int, "--candidates"), default=8)
    ap.add_argument("--check-runs", type=_positive(int, "--check-runs"), default=4000)
    ap.add_argument("--check-seeds", type=_positive(int, "--check-seeds"), default=5)
    ap.add_argument("--report-worlds", type=_positive(int, "--report-worlds"), default=None,
                    help="also check this many worlds drawn from the CSV and report each pattern's share")
    args = ap.parse_args(argv)
    try:
        return _run(args)
    except CalibrationError as exc:
        print(f"calibrate: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from politburo.loader import ScenarioError, load_scenario, read_scenario

    try:
        where, raw = read_scenario(args.scenario)
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        raise CalibrationError(str(exc)) from None
    toml_path = Path(where)
    if not toml_path.is_file():  # a built-in scenario, named: its file in the package
        from importlib import resources

        toml_path = Path(str(resources.files("politburo") / "scenarios" / f"{where}.toml"))
    priors = calibrated_parameters(raw, where)
    names = sorted(priors)
    ids = sorted({p.id for p in scenario.patterns if p.kind not in SKIP_KINDS})
    if not ids:
        raise CalibrationError(f"{where}: [[patterns]]: no pattern to calibrate against")
    name = scenario.scenario.name
    db = Path(args.db) if args.db else Path("calibration") / f"{name}.abc.sqlite"
    worlds = Path(args.worlds) if args.worlds else toml_path.with_name(f"{name}.worlds.csv")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        with open(db, "ab"):
            pass
    except OSError as exc:
        raise CalibrationError(f"--db: {db}: cannot write ({exc.strerror})") from None
    try:
        import pyabc
    except ImportError:
        raise CalibrationError("needs pyabc and tomlkit: pip install -e '.[calibration]'") from None

    np.random.seed(args.seed)
    _init(args.scenario, args.runs, ids)
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", lo, hi - lo) for n, (lo, hi) in priors.items()})
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.workers, initializer=_init, initargs=(args.scenario, args.runs, ids)) as pool:
        sampler = pyabc.sampler.MappingSampler(map_=pool.map)
        abc = pyabc.ABCSMC(model, prior, distance, population_size=args.population, sampler=sampler,
                           eps=pyabc.epsilon.QuantileEpsilon(alpha=0.5))
        url = f"sqlite:///{db.resolve()}"
        resumed = db.stat().st_size > 0
        if resumed:
            abc.load(url, 1)
            _stamp(f"resuming {db} at population {abc.history.max_t + 1}")
        else:
            abc.new(url, {"distance": 0.0})
            _stamp(f"new calibration of {len(names)} parameters against patterns {ids}, "
                   f"{args.population} particles, {args.runs} runs an evaluation, into {db}")
        done = abc.history.max_t + 1 if resumed else 0
        left = max(args.generations - done, 0)
        if left:
            history = abc.run(max_nr_populations=left, max_walltime=timedelta(minutes=args.minutes),
                              minimum_epsilon=0.0)
        else:
            history = abc.history
    t = history.max_t
    eps = history.get_all_populations()
    _stamp(f"populations: {t + 1}; epsilon by population: "
           + ", ".join(f"{e:.3g}" for e in eps["epsilon"].tolist()))
    n = write_worlds(history, names, worlds)
    _stamp(f"wrote {n} plausible worlds to {worlds}")
    if worlds.parent.resolve() == toml_path.parent.resolve() and raw.get("scenario", {}).get("worlds") != worlds.name:
        name_worlds(toml_path, worlds.name)
        _stamp(f"{toml_path} now names them ([scenario] worlds = \"{worlds.name}\")")
    if args.report_worlds:
        shares = worlds_report(worlds, names, args.scenario, args.report_worlds, args.check_runs, args.seed)
        _stamp("share of the plausible worlds in which each pattern passes: "
               + ", ".join(f"{k}: {v:.0%}" for k, v in shares.items()))
    if args.choose:
        best, _ = choose_defaults(history, names, args.scenario, args.candidates, args.check_runs, args.check_seeds)
        write_defaults(toml_path, best)
        _stamp(f"wrote the chosen defaults into {toml_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
