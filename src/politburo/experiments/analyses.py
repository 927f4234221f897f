"""The experiments: explain (Shapley attribution), whatif, inevitability, claims and parameter
uncertainty. Each builds an `Experiment` (validating every input before anything is stored) and
summarises its stored runs into a JSON-ready dict that holds results only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from politburo.experiments.backends import Backend, execute
from politburo.experiments.outcomes import Outcome, leader_ids, leader_names
from politburo.experiments.plan import Arm, Experiment, branch_months, check_arm, scenario_months
from politburo.experiments.stats import (
    mean_ci,
    ratio_ci,
    rounded,
    shapley,
)
from politburo.experiments.store import Store
from politburo.experiments.worlds import PRIOR, Worlds
from politburo.loader import ScenarioError
from politburo.sizes import check_runs

GROUP_LABELS = {"position": "position", "rivals_errors": "rivals' errors", "ideology": "ideology"}
LEVELS = ("groups", "factors")
MIN_DRAWS_FOR_SENSITIVITY = 10


def _date(raw: dict[str, Any], month: int) -> str:
    import calendar

    y0, m0 = (int(x) for x in raw["scenario"]["start"].split("-"))
    k = m0 - 1 + int(month)
    return f"{calendar.month_name[k % 12 + 1]} {y0 + k // 12}"


def _year(raw: dict[str, Any], month: int) -> int:
    y0, m0 = (int(x) for x in raw["scenario"]["start"].split("-"))
    return y0 + (m0 - 1 + int(month)) // 12


def check_replicates(n: Any, option: str = "--replicates") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ScenarioError(option, [f"the number of replicates must be a positive integer, not {n!r}"])
    return int(n)


def run(exp: Experiment, store: Store, backend: Backend, summarise: Callable[[Experiment, Store], dict[str, Any]],
        progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run (or resume) an experiment, summarise it and store the summary."""
    execute(exp, store, backend, progress)
    result = rounded(summarise(exp, store))
    store.finish(exp.id, result)
    return result


# ------------------------------------------------------------------ players and coalitions


def players(raw: dict[str, Any], level: str) -> tuple[list[str], list[list[str]], list[str]]:
    """The players of the attribution game: (ids, the factors each switches off, labels)."""
    factors = raw.get("factors") or {}
    if not factors:
        raise ScenarioError("--level", ["the scenario defines no factors to attribute the outcome to"])
    if level == "factors":
        return list(factors), [[f] for f in factors], list(factors)
    if level != "groups":
        raise ScenarioError("--level", [f"unknown level {level!r} (use groups or factors)"])
    groups: dict[str, list[str]] = {}
    for name, f in factors.items():
        groups.setdefault(f["group"], []).append(name)
    return list(groups), list(groups.values()), [GROUP_LABELS.get(g, g) for g in groups]


def coalition_arms(members: list[list[str]], ids: list[str], sets: dict[str, Any] | None = None,
                   prefix: str = "") -> list[Arm]:
    """One arm per coalition S (bit i set: player i present, its factors left on)."""
    n = len(members)
    arms = []
    for s in range(1 << n):
        off = [f for i, fs in enumerate(members) if not s >> i & 1 for f in fs]
        on = [ids[i] for i in range(n) if s >> i & 1]
        label = "all on" if s == (1 << n) - 1 else "all off" if s == 0 else "on: " + ", ".join(on)
        arms.append(Arm.make(off, sets, prefix + label))
    return arms


# Outcome values read at once: replicates x arms cells (8 bytes each). Larger experiments are
# read and reduced in chunks of replicates, so memory stays bounded whatever their size.
MAX_CELLS = 4_000_000
SMALL_GAME = 4  # players up to which every coalition's chance is reported


def values_matrix(exp: Experiment, store: Store, outcome: Outcome, arms: int, offset: int = 0,
                  start: int = 0, stop: int | None = None) -> np.ndarray:
    """(replicates, arms) outcome values of arms offset..offset+arms-1 and replicates start..stop-1,
    read with DuckDB."""
    stop = exp.replicates if stop is None else stop
    rows = store.query(exp.id, ["arm", "replicate", *outcome.columns()],
                       where=f"branch_month < 0 AND arm >= {offset} AND arm < {offset + arms} "
                             f"AND replicate >= {start} AND replicate < {stop}")
    v = np.full((stop - start, arms), np.nan)
    v[rows["replicate"] - start, rows["arm"] - offset] = outcome.evaluate(rows)
    if np.isnan(v).any():  # pragma: no cover - the store lost a task
        raise RuntimeError(f"experiment {exp.id} is missing runs")
    return v


@dataclass
class Game:
    """What the attribution needs from each replicate of a 2**n-coalition game."""

    phi: np.ndarray  # (R, n) Shapley values
    on: np.ndarray  # (R,) every player present
    off: np.ndarray  # (R,) none
    minus: np.ndarray  # (R, n) all but player i
    plus: np.ndarray  # (R, n) player i alone
    values: np.ndarray | None  # (R, 2**n) every coalition, for small games

    @staticmethod
    def of(v: np.ndarray) -> Game:
        m = v.shape[1]
        n = m.bit_length() - 1
        bits = 1 << np.arange(n)
        return Game(shapley(v), v[:, m - 1].copy(), v[:, 0].copy(), v[:, (m - 1) ^ bits], v[:, bits],
                    v.copy() if n <= SMALL_GAME else None)

    @staticmethod
    def concat(parts: list[Game]) -> Game:
        def cat(key: str) -> np.ndarray:
            return np.concatenate([getattr(p, key) for p in parts])

        small = parts[0].values is not None
        return Game(cat("phi"), cat("on"), cat("off"), cat("minus"), cat("plus"), cat("values") if small else None)


def read_game(exp: Experiment, store: Store, outcome: Outcome, n: int, offset: int = 0) -> Game:
    """The game of arms offset..offset+2**n-1, read and reduced in chunks of replicates."""
    m = 1 << n
    chunk = max(1, MAX_CELLS // m)
    return Game.concat([Game.of(values_matrix(exp, store, outcome, m, offset, a, min(exp.replicates, a + chunk)))
                        for a in range(0, exp.replicates, chunk)])


# ------------------------------------------------------------------ explain


def build_explain(where: str, raw: dict[str, Any], world: dict[str, Any], level: str, replicates: int,
                  seed: int) -> Experiment:
    replicates = check_replicates(replicates)
    ids, members, _ = players(raw, level)
    check_runs("--replicates", (1 << len(members)) * replicates,
               f"{1 << len(members):,} coalitions of {len(members)} {level} × {replicates:,} replicates")
    arms = coalition_arms(members, ids)
    check_arm(where, raw, world, arms[0])
    return Experiment("explain", where, raw, world, arms, seed, replicates, settings={"level": level})


def attribution(g: Game, ids: list[str], labels: list[str], seed: int) -> dict[str, Any]:
    """Shapley values with intervals, shares of the all-on advantage, and one-at-a-time effects."""
    n = len(ids)
    phi = g.phi
    total = g.on - g.off
    share = ratio_ci(phi, total, seed) if abs(total.mean()) > 1e-12 else None
    rows = []
    for i in range(n):
        row = {"id": ids[i], "label": labels[i], "shapley": mean_ci(phi[:, i]),
               "remove_from_history": mean_ci(g.on - g.minus[:, i]),
               "add_to_all_off": mean_ci(g.plus[:, i] - g.off)}
        if share is not None:
            row["share"] = {"mean": float(share["mean"][i]), "low": float(share["low"][i]),
                            "high": float(share["high"][i])}
        rows.append(row)
    # The main reason is the largest contribution in the direction of the change: when the
    # factors together lower the outcome's chance, the one that lowers it most.
    sign = -1.0 if total.mean() < 0 else 1.0
    order = np.argsort(-sign * phi.mean(axis=0), kind="stable")
    top = int(order[0])
    second = int(order[1]) if n > 1 else None
    return {
        "players": rows,
        "all_on": mean_ci(g.on),
        "all_off": mean_ci(g.off),
        "advantage": mean_ci(total),
        "exact": bool(np.allclose(phi.sum(axis=1), total, atol=1e-9)),
        "ranking": [ids[int(i)] for i in order],
        "top": ids[top],
        "top_vs_second": mean_ci(sign * (phi[:, top] - phi[:, second])) if second is not None else None,
    }


def verdict(att: dict[str, Any], outcome: Outcome) -> str:
    adv = att["advantage"]
    if adv["low"] <= 0 <= adv["high"]:
        return (f"By this model no factor can be credited: '{outcome.text}' is about as likely with every "
                f"factor switched off ({att['all_off']['mean']:.0%}) as with all of them ({att['all_on']['mean']:.0%}).")
    top = next(p for p in att["players"] if p["id"] == att["top"])
    s = top.get("share", {"mean": float("nan"), "low": float("nan"), "high": float("nan")})
    half = (s["high"] - s["low"]) / 2
    who = outcome.target_name if outcome.kind != "no_winner" else "the outcome"
    gap = "advantage over" if adv["mean"] > 0 else "shortfall against"
    text = (f"By this model the main reason is {top['label']}: it accounts for {s['mean']:.0%} ± {half:.0%} of "
            f"{who}'s {gap} the all-off world ('{outcome.text}': {att['all_on']['mean']:.0%} "
            f"with every factor, {att['all_off']['mean']:.0%} with none).")
    tvs = att.get("top_vs_second")
    if tvs is not None and tvs["low"] <= 0:
        second = next(p for p in att["players"] if p["id"] == att["ranking"][1])
        text += f" It cannot be told apart from {second['label']} at these replicates."
    return text


def summarise_explain(outcome: Outcome) -> Callable[[Experiment, Store], dict[str, Any]]:
    def summarise(exp: Experiment, store: Store) -> dict[str, Any]:
        level = exp.settings["level"]
        ids, _, labels = players(exp.raw, level)
        g = read_game(exp, store, outcome, len(ids))
        att = attribution(g, ids, labels, exp.seed)
        coalitions = None
        if g.values is not None:
            coalitions = [{"arm": exp.arms[s].label, "rate": mean_ci(g.values[:, s])} for s in range(len(exp.arms))]
        return {"kind": "explain", "experiment": exp.id, "scenario": exp.raw["scenario"]["name"],
                "seed": exp.seed, "replicates": exp.replicates, "runs": exp.runs, "level": level,
                **outcome.to_dict(), "world": exp.world, **att, "coalitions": coalitions,
                "verdict": verdict(att, outcome)}
    return summarise


# ------------------------------------------------------------------ whatif


def build_whatif(where: str, raw: dict[str, Any], world: dict[str, Any], factors_off: list[str],
                 sets: dict[str, Any], replicates: int, seed: int) -> Experiment:
    replicates = check_replicates(replicates)
    if not factors_off and not sets:
        raise ScenarioError("whatif", ["give a counterfactual: --factor NAME=off and/or --set PATH=VALUE"])
    cf = Arm.make(factors_off, sets)
    check_arm(where, raw, world, cf)
    return Experiment("whatif", where, raw, world, [Arm.make(), cf], seed, replicates)


def _winner_table(exp: Experiment, store: Store, arms: list[int]) -> dict[str, np.ndarray]:
    rows = store.query(exp.id, ["arm", "replicate", "winner", "victory"],
                       where=f"branch_month < 0 AND arm IN ({', '.join(str(a) for a in arms)})")
    out = {}
    for k in ("winner", "victory"):
        m = np.full((exp.replicates, len(exp.arms)), -2, dtype=np.int64)
        m[rows["replicate"], rows["arm"]] = rows[k]
        out[k] = m
    return out


def paired(base: np.ndarray, cf: np.ndarray) -> dict[str, Any]:
    return {"baseline": mean_ci(base), "counterfactual": mean_ci(cf), "difference": mean_ci(cf - base)}


def summarise_whatif(outcome: Outcome) -> Callable[[Experiment, Store], dict[str, Any]]:
    def summarise(exp: Experiment, store: Store) -> dict[str, Any]:
        raw = exp.raw
        ids, names = leader_ids(raw), leader_names(raw)
        t = _winner_table(exp, store, [0, 1])
        w, vic = t["winner"], t["victory"]
        leaders = []
        for i, (lid, name) in enumerate(zip(ids, names, strict=True)):
            row = {"id": lid, "name": name, **paired((w[:, 0] == i) * 1.0, (w[:, 1] == i) * 1.0)}
            for arm, key in ((0, "median_victory_baseline"), (1, "median_victory_counterfactual")):
                m = vic[w[:, arm] == i, arm]
                row[key] = _date(raw, int(np.median(m))) if m.size else None
            leaders.append(row)
        leaders.append({"id": None, "name": "nobody", **paired((w[:, 0] < 0) * 1.0, (w[:, 1] < 0) * 1.0)})
        v = values_matrix(exp, store, outcome, 2)
        years: dict[int, dict[str, float]] = {}
        for arm, key in ((0, "baseline"), (1, "counterfactual")):
            won = w[:, arm] >= 0
            for y in (_year(raw, m) for m in vic[won, arm]):
                years.setdefault(y, {"baseline": 0.0, "counterfactual": 0.0})[key] += 1.0 / exp.replicates
        return {"kind": "whatif", "experiment": exp.id, "scenario": raw["scenario"]["name"], "seed": exp.seed,
                "replicates": exp.replicates, "runs": exp.runs, "world": exp.world,
                "counterfactual": exp.arms[1].to_dict(), **outcome.to_dict(),
                "effect": paired(v[:, 0], v[:, 1]), "leaders": leaders,
                "victory_years": [{"year": y, **years[y]} for y in sorted(years)],
                "verdict": whatif_verdict(outcome, exp.arms[1].label, paired(v[:, 0], v[:, 1]))}
    return summarise


def whatif_verdict(outcome: Outcome, label: str, eff: dict[str, Any]) -> str:
    d = eff["difference"]
    base, cf = eff["baseline"]["mean"], eff["counterfactual"]["mean"]
    if d["low"] <= 0 <= d["high"]:
        change = "makes no difference that these replicates can distinguish from chance"
    else:
        change = f"{'raises' if d['mean'] > 0 else 'lowers'} it by {abs(d['mean']):.1%} ± {d['half']:.1%}"
    return f"With {label}, the chance that {outcome.text} goes from {base:.1%} to {cf:.1%}: the change {change}."


# ------------------------------------------------------------------ inevitability


def build_inevitability(where: str, raw: dict[str, Any], world: dict[str, Any], replicates: int, futures: int,
                        every: int, seed: int) -> Experiment:
    replicates = check_replicates(replicates)
    futures = check_replicates(futures, "--futures")
    every = check_replicates(every, "--every")
    check_arm(where, raw, world, Arm.make())
    return Experiment("inevitability", where, raw, world, [Arm.make()], seed, replicates, futures, every)


def summarise_inevitability(outcome: Outcome, threshold: float = 0.9) -> Callable[[Experiment, Store], dict[str, Any]]:
    def summarise(exp: Experiment, store: Store) -> dict[str, Any]:
        raw = exp.raw
        months = branch_months(scenario_months(raw), exp.every)
        final = np.zeros(exp.replicates)
        col = np.full(max(months) + 1, -1)
        col[months] = np.arange(len(months))
        p = np.zeros((exp.replicates, len(months)))
        chunk = max(1, MAX_CELLS // (exp.futures * len(months) + 1))
        for a in range(0, exp.replicates, chunk):  # read in chunks of replicates: memory stays bounded
            rows = store.query(exp.id, ["replicate", "branch_month", "future", *outcome.columns()],
                               where=f"replicate >= {a} AND replicate < {a + chunk}")
            hit = outcome.evaluate(rows)
            base = rows["branch_month"] < 0
            final[rows["replicate"][base]] = hit[base]
            fut = ~base
            np.add.at(p, (rows["replicate"][fut], col[rows["branch_month"][fut].astype(np.int64)]), hit[fut])
        p /= exp.futures
        yes = final > 0.5
        curve = []
        for k, m in enumerate(months):
            pk = p[:, k]
            entry: dict[str, Any] = {"month": int(m), "date": _date(raw, m), "probability": mean_ci(pk)}
            if yes.any():
                q = np.percentile(pk[yes], [10, 50, 90])
                entry["given_outcome"] = {"mean": float(pk[yes].mean()), "p10": float(q[0]), "median": float(q[1]),
                                          "p90": float(q[2])}
            if (~yes).any():
                entry["given_other"] = {"mean": float(pk[~yes].mean())}
            curve.append(entry)
        # Shares of futures are fractions k/futures: their means carry rounding (nine tenths averaged
        # over runs can come out as 0.8999...), so the threshold is met within 1e-9.
        at_least = threshold - 1e-9
        certain = next((c for c in curve if "given_outcome" in c and c["given_outcome"]["mean"] >= at_least), None)
        # Each run's point of no return: the first saved month from which the outcome stays >= threshold.
        points = []
        for r in np.flatnonzero(yes):
            above = p[r] >= at_least
            k = len(months)
            while k > 0 and above[k - 1]:
                k -= 1
            if k < len(months):
                points.append(months[k])
        median_point = _date(raw, int(np.median(points))) if points else None
        out = {"kind": "inevitability", "experiment": exp.id, "scenario": raw["scenario"]["name"], "seed": exp.seed,
               "replicates": exp.replicates, "futures": exp.futures, "every": exp.every, "runs": exp.runs,
               "world": exp.world, **outcome.to_dict(), "threshold": threshold,
               "final": mean_ci(final), "curve": curve,
               "all_but_certain": certain["date"] if certain else None,
               "median_point_of_no_return": median_point,
               "runs_with_point_of_no_return": len(points)}
        out["verdict"] = inevitability_verdict(out, outcome)
        return out
    return summarise


def inevitability_verdict(res: dict[str, Any], outcome: Outcome) -> str:
    thr = res["threshold"]
    if res["all_but_certain"] is None:
        return (f"In the runs where {outcome.text}, it never became all but certain (≥ {thr:.0%}) before the end "
                f"at the months sampled; it happened in {res['final']['mean']:.0%} of runs.")
    return (f"In the runs where {outcome.text} ({res['final']['mean']:.0%} of all), the outcome was all but "
            f"certain (≥ {thr:.0%} of fresh futures) from {res['all_but_certain']} on average; the median run "
            f"passed its point of no return in {res['median_point_of_no_return']}.")


# ------------------------------------------------------------------ parameter uncertainty


def prior_draws(raw: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    """n parameter sets drawn uniformly from each parameter's prior range."""
    params = raw.get("parameters") or {}
    worlds = []
    for w in range(n):
        rng = np.random.default_rng([seed, w, 0x5EED])
        world = {}
        for name in sorted(params):
            lo, hi = params[name]["prior"]
            value = float(rng.uniform(lo, hi))
            world[f"parameters.{name}"] = round(value, 6)
        worlds.append(world)
    return worlds


def build_uncertainty(where: str, raw: dict[str, Any], world: dict[str, Any], level: str, replicates: int,
                      draws: int, seed: int, worlds: Worlds | None = None) -> Experiment:
    """The attribution repeated in `draws` worlds: drawn from the scenario's plausible worlds
    (`worlds`, read by `politburo.experiments.worlds.read_worlds`), or uniformly from the priors
    when `worlds` is None. Values fixed by the shared `world` are not drawn."""
    replicates = check_replicates(replicates)
    draws = check_replicates(draws, "--uncertainty")
    ids, members, _ = players(raw, level)
    arms_per_draw = 1 << len(members)
    check_runs("--uncertainty", draws * arms_per_draw * replicates,
               f"{draws:,} draws × {arms_per_draw:,} arms × {replicates:,} replicates")
    if worlds is None:
        drawn, source, sources = prior_draws(raw, draws, seed), dict(PRIOR), {}
    else:
        rows = worlds.rows(draws, seed)
        drawn, source, sources = worlds.at(rows), worlds.summary(rows), {"draws_from": worlds.identity()}
    arms: list[Arm] = []
    for w, params in enumerate(drawn):
        sets = {k: v for k, v in params.items() if k not in world}
        arms += coalition_arms(members, ids, sets, prefix=f"draw {w}: ")
    check_arm(where, raw, world, arms[0])
    check_arm(where, raw, world, arms[-1])
    return Experiment("uncertainty", where, raw, world, arms, seed, replicates,
                      settings={"level": level, "draws": draws, "draws_from": source}, sources=sources)


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1, ties sharing the mean of their ranks (as Spearman's coefficient needs)."""
    order = np.argsort(a, kind="stable")
    _, first, counts = np.unique(a[order], return_index=True, return_counts=True)
    ranks = np.empty(a.shape[0])
    ranks[order] = np.repeat(first + (counts - 1) / 2.0, counts)
    return ranks


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation; 0 when either has no variation (no correlation to report)."""
    rx, ry = _ranks(np.asarray(x)), _ranks(np.asarray(y))
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def summarise_uncertainty(outcome: Outcome) -> Callable[[Experiment, Store], dict[str, Any]]:
    def summarise(exp: Experiment, store: Store) -> dict[str, Any]:
        level, draws = exp.settings["level"], exp.settings["draws"]
        ids, _, labels = players(exp.raw, level)
        m = 1 << len(ids)
        per = []
        for d in range(draws):
            g = read_game(exp, store, outcome, len(ids), offset=d * m)
            per.append((g.phi.mean(axis=0), (g.on - g.off).mean(), g.on.mean(), g.off.mean()))
        phis = np.array([p[0] for p in per])
        totals = np.array([p[1] for p in per])
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(np.abs(totals)[:, None] > 1e-9, phis / totals[:, None], np.nan)
        # Each draw's main reason: the largest contribution in the direction of that draw's change;
        # none (-1) where the factors change nothing.
        signs = np.where(totals < 0, -1.0, 1.0)[:, None]
        top = np.where(np.abs(totals) > 1e-9, np.argmax(signs * phis, axis=1), -1)
        rows: list[dict[str, Any]] = []
        for i in range(len(ids)):
            q = np.percentile(phis[:, i], [5, 50, 95])
            sq = np.nanpercentile(shares[:, i], [5, 50, 95]) if np.isfinite(shares[:, i]).any() else [None] * 3
            rows.append({"id": ids[i], "label": labels[i],
                         "shapley": {"median": float(q[1]), "p5": float(q[0]), "p95": float(q[2])},
                         "share": {"median": sq[1], "p5": sq[0], "p95": sq[2]},
                         "main_reason_in": float((top == i).mean())})
        counted = np.bincount(top[top >= 0], minlength=len(ids))
        lead = int(np.argmax(counted))
        drawn = [dict(exp.arms[d * m].sets) for d in range(draws)]  # each draw's values (the world's not drawn)
        sens: list[dict[str, Any]] = []
        for key in sorted(drawn[0]):
            x = np.array([w[key] for w in drawn])
            sens.append({"parameter": key.removeprefix("parameters."),
                         "rank_correlation": _spearman(x, phis[:, lead])})
        sens.sort(key=lambda s: -abs(s["rank_correlation"]))
        if draws < MIN_DRAWS_FOR_SENSITIVITY:  # rank correlations over a handful of draws mean nothing
            sens = []
        on = np.array([p[2] for p in per])
        source = exp.settings.get("draws_from") or PRIOR
        out = {"kind": "uncertainty", "experiment": exp.id, "scenario": exp.raw["scenario"]["name"],
               "seed": exp.seed, "replicates": exp.replicates, "draws": draws, "draws_from": source,
               "runs": exp.runs, "level": level,
               "world": exp.world, **outcome.to_dict(), "players": rows,
               "all_on": {"median": float(np.median(on)), "p5": float(np.percentile(on, 5)),
                          "p95": float(np.percentile(on, 95))},
               "most_often_main_reason": ids[lead], "sensitivity": sens[:5]}
        lr = rows[lead]
        top_param = sens[0] if sens else None
        over = (f"Over {draws} parameter draws from their priors" if source["source"] == "prior" else
                f"Over {draws} draws from the {source['worlds']:,} plausible worlds of the calibration")
        if not counted.any():
            out["most_often_main_reason"] = None
            out["verdict"] = (f"{over}, the factors together never change the chance that {outcome.text}: "
                              "no main reason.")
            return out
        out["verdict"] = (
            f"{over}, {lr['label']} is the main reason in "
            f"{lr['main_reason_in']:.0%} of them (median Shapley value {100 * lr['shapley']['median']:+.1f} points, "
            f"90% band {100 * lr['shapley']['p5']:+.1f} to {100 * lr['shapley']['p95']:+.1f})"
            + (f"; its size depends most on {top_param['parameter']} (rank correlation "
               f"{top_param['rank_correlation']:+.2f})." if top_param else "."))
        return out
    return summarise
