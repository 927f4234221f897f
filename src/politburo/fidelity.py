"""Calibration patterns (docs/model.md §11), stated as data in the scenario and checked against
ensembles: the scenario's own and, for the patterns about causes, the changed scenarios they
compare it with (every factor off, one factor off, two leaders' data swapped), all at the same
seed and number of runs.

Each `[[patterns]]` entry gives one `PatternResult`; entries that share an id are the conditions
of one numbered pattern, which passes when all of them pass (`FidelityReport.patterns`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from politburo.api import EnsembleResult, elimination_order, ensemble, wilson
from politburo.engine.sanctions import SANCTIONS
from politburo.schema import Pattern, Scenario

BASELINE = "the defaults"
# Kinds whose observed value is a change in a win rate, shown in percentage points.
CHANGE_KINDS = ("factor_off_drop", "factor_off_rivals")


@dataclass
class PatternResult:
    """One `[[patterns]]` entry checked: `observed` is the value its band judges (a share, a change
    of a share, a month index; None when there is nothing to measure, which fails), `shown` the
    same as the report prints it, `values` the counts and intervals behind it."""

    id: int
    text: str
    observed: float | None
    band: str
    passed: bool
    detail: str = ""
    group: str = ""
    kind: str = ""
    shown: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.shown:
            self.shown = "—" if self.observed is None else f"{self.observed:.1%}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "group": self.group, "kind": self.kind, "text": self.text,
                "observed": None if self.observed is None else round(self.observed, 4), "shown": self.shown,
                "band": self.band, "passed": self.passed, "detail": self.detail, "values": self.values}


@dataclass
class PatternVerdict:
    """One numbered pattern: the results of all its entries; it passes when they all pass."""

    id: int
    group: str
    results: list[PatternResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


@dataclass
class FidelityReport:
    """Every pattern of a scenario checked over `runs` runs of each ensemble in `ensembles`."""

    scenario: str
    runs: int
    seed: int
    ensembles: list[str]
    results: list[PatternResult]

    @property
    def patterns(self) -> list[PatternVerdict]:
        """The numbered patterns, in the order of their first entry."""
        out: dict[int, PatternVerdict] = {}
        for r in self.results:
            out.setdefault(r.id, PatternVerdict(r.id, r.group, [])).results.append(r)
        return list(out.values())

    @property
    def groups(self) -> list[tuple[str, list[PatternVerdict]]]:
        """(group, its patterns), in the order of their first pattern."""
        out: dict[str, list[PatternVerdict]] = {}
        for v in self.patterns:
            out.setdefault(v.group, []).append(v)
        return list(out.items())

    @property
    def passed(self) -> int:
        return sum(v.passed for v in self.patterns)

    @property
    def failed(self) -> list[int]:
        return [v.id for v in self.patterns if not v.passed]

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "runs": self.runs, "seed": self.seed, "ensembles": self.ensembles,
                "passed": self.passed, "total": len(self.patterns), "failed": self.failed,
                "patterns": [{"id": v.id, "group": v.group, "passed": v.passed,
                              "entries": [r.to_dict() for r in v.results]} for v in self.patterns]}


# ------------------------------------------------------------------ the changed scenarios


def comparison(p: Pattern) -> str | None:
    """The changed scenario whose ensemble the pattern compares with the baseline (a key of the
    `others` that `evaluate` takes), or None for a pattern of the baseline alone."""
    if p.kind == "all_factors_off":
        return "every factor off"
    if p.kind in CHANGE_KINDS:
        return f"{p.factor} off"
    if p.kind == "swap":
        return f"{p.swap[0]} and {p.swap[1]} swapped"
    return None


def comparisons(patterns: list[Pattern]) -> list[str]:
    """The changed scenarios the patterns need, each once, in the order the patterns name them."""
    return list(dict.fromkeys(k for p in patterns if (k := comparison(p)) is not None))


def changed_scenario(p: Pattern, where: str, raw: dict[str, Any], overrides: dict[str, Any] | list[str] | None,
                     factors_off: list[str] | tuple[str, ...]) -> Scenario:
    """The scenario `comparison(p)` names: the raw data `raw` (read from `where`) with `overrides`
    and `factors_off` applied as in the baseline, and besides every factor off, `p.factor` off,
    or `p.swap`'s two leaders' data exchanged (`politburo.loader.swap_leaders`)."""
    from politburo.loader import load_raw, swap_leaders

    if p.kind == "swap":
        swapped, changed = swap_leaders(raw, p.swap[0], p.swap[1], overrides)
        return load_raw(where, swapped, changed, factors_off)
    if p.kind == "all_factors_off":
        off = [*factors_off, *(raw.get("factors") or {})]
    else:
        off = [*factors_off, str(p.factor)]
    return load_raw(where, raw, overrides, list(dict.fromkeys(off)))


# ------------------------------------------------------------------ statistics and words


def difference_interval(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    """(d, low, high): the difference of two independent shares k1/n1 − k2/n2 and its 95% interval
    by Newcombe's hybrid score method (Newcombe 1998, method 10), built from the two Wilson
    intervals; unlike the normal approximation it keeps a width when a share is 0 or 1."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = (k1 * n2 - k2 * n1) / (n1 * n2)  # one rounding: 50/100 − 60/100 is −0.1, not −0.09999999999999998
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def _pct(x: float) -> str:
    """A band's share: 45%, 1%, 0.5%."""
    return f"{100 * x:g}%"


def _points(x: float, sign: bool = True) -> str:
    return f"{100 * x:+.1f} points" if sign else f"{100 * x:.1f} points"


def _ci(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"95% CI {lo:.1%} to {hi:.1%}"


def _month(ens: EnsembleResult, m: float) -> str:
    """A month index as a date; a midpoint of two months as both."""
    lo, hi = math.floor(m), math.ceil(m)
    return ens.spec.date(lo) if lo == hi else f"between {ens.spec.date(lo)} and {ens.spec.date(hi)}"


def _band(p: Pattern, ens: EnsembleResult) -> str:
    sc = ens.scenario
    if p.kind in ("median_victory", "office_lost_median"):
        return f"{ens.spec.date(sc.month(p.start or ''))} to {ens.spec.date(sc.month(p.by or ''))}"
    if p.kind == "membership":
        return f"within ±{_pct(p.tolerance or 0)}"
    if p.kind == "swap":
        return "both 95% intervals hold 0"
    unit = (lambda x: f"{100 * x:g} points") if p.kind in CHANGE_KINDS else _pct
    parts = []
    if p.min is not None and p.max is not None:
        parts.append(f"{unit(p.min)} to {unit(p.max)}")
    elif p.min is not None:
        parts.append(f">= {unit(p.min)}")
    elif p.max is not None:
        parts.append(f"<= {unit(p.max)}")
    if p.above is not None:
        parts.append(f"> {unit(p.above)}")
    return ", ".join(parts)


def _within(p: Pattern, obs: float) -> bool:
    return ((p.min is None or obs >= p.min) and (p.max is None or obs <= p.max)
            and (p.above is None or obs > p.above))


def _rates(names: list[str], winner: np.ndarray, runs: int) -> str:
    """Who wins how often, the most successful first; leaders who never win are counted, not named."""
    counts = [(int((winner == i).sum()), n) for i, n in enumerate(names)]
    won = sorted(((k, n) for k, n in counts if k), key=lambda x: -x[0])
    never = len(names) - len(won)
    text = ", ".join(f"{n} {k / runs:.1%}" for k, n in won) or "nobody wins"
    return text + (f"; the other {never} never win" if never and won else "")


# ------------------------------------------------------------------ evaluation


def evaluate(p: Pattern, ens: EnsembleResult, others: Mapping[str, EnsembleResult] | None = None) -> PatternResult:
    """Check one pattern against the baseline ensemble `ens`; a pattern with a `comparison` also
    needs that changed scenario's ensemble in `others`, under its key."""
    sc = ens.scenario
    ids = [x.id for x in sc.leaders]
    names = list(ens.spec.leader_names)
    li = {x: i for i, x in enumerate(ids)}
    N = ens.runs
    w = ens.winner
    obs: float | None
    detail, shown = "", ""
    values: dict[str, Any] = {}
    passed: bool | None = None  # None: judged by the band
    other = None
    if (key := comparison(p)) is not None:
        if others is None or key not in others:
            raise ValueError(f"pattern {p.id} ({p.kind}) needs the ensemble of {key!r}")
        other = others[key]
    k: int
    if p.kind == "win_rate":
        k = int((w == li[p.leader or ""]).sum())
        obs = k / N
        detail, values = f"{k:,} of {N:,} runs; {_ci(k, N)}", {"count": k, "runs": N}
    elif p.kind in ("max_other_win_rate", "all_factors_off"):
        target = other if other is not None else ens
        me = li[p.leader] if p.leader else -1
        counts = [int((target.winner == i).sum()) if i != me else -1 for i in range(len(ids))]
        top = int(np.argmax(counts))
        obs = counts[top] / target.runs
        detail = f"highest: {names[top]} ({counts[top]:,} of {target.runs:,} runs)"
        if other is not None:
            detail += f"; no winner in {int((other.winner < 0).sum()):,} runs"
        values = {"leader": ids[top], "count": counts[top], "runs": target.runs}
    elif p.kind == "others_win_rate":
        me = li[p.leader or ""]
        k = int(((w >= 0) & (w != me)).sum())
        obs = k / N
        detail = f"{k:,} of {N:,} runs; {_ci(k, N)}; {_rates(names, w, N)}"
        values = {"count": k, "runs": N}
    elif p.kind == "ranked_win_rate":
        rank = p.rank or 1
        counts = sorted((int((w == i).sum()) for i in range(len(ids))), reverse=True)
        obs = counts[rank - 1] / N if rank <= len(counts) else 0.0
        detail = f"the {_ordinal(rank)} most successful leader wins in {obs:.1%}; {_rates(names, w, N)}"
        values = {"counts": {ids[i]: int((w == i).sum()) for i in range(len(ids))}, "runs": N}
    elif p.kind == "no_winner":
        k = int((w < 0).sum())
        obs = k / N
        detail, values = f"{k:,} of {N:,} runs; {_ci(k, N)}", {"count": k, "runs": N}
    elif p.kind == "elimination_order":
        i = li[p.leader or ""]
        wins = np.flatnonzero(w == i)
        groups = [[li[x] for x in g] for g in p.order]
        ok = 0
        for r in wins:
            d = ens.defeated[r]
            good = all(d[j] >= 0 for g in groups for j in g)
            for a, b in pairwise(groups):
                good = good and max(d[j] for j in a) <= min(d[j] for j in b)
            ok += bool(good)
        obs = ok / len(wins) if len(wins) else 0.0
        detail, values = f"{ok:,} of {len(wins):,} wins", {"count": ok, "wins": len(wins)}
    elif p.kind == "median_victory":
        won = ens.victory[w == li[p.leader or ""]]
        obs, shown, detail = _median_month(ens, won, "wins", "he never wins")
        values = {"wins": len(won)}
        if obs is not None:
            passed = sc.month(p.start or "") <= obs <= sc.month(p.by or "")
    elif p.kind == "office_lost_by":
        o = [x.id for x in sc.offices].index(p.office or "")
        m = ens.office_lost[:, o]
        k = int(((m >= 0) & (m <= sc.month(p.by or sc.scenario.end))).sum())
        obs = k / N
        detail, values = f"{k:,} of {N:,} runs", {"count": k, "runs": N}
    elif p.kind == "office_lost_median":
        o = [x.id for x in sc.offices].index(p.office or "")
        lost = ens.office_lost[:, o]
        lost = lost[lost >= 0]
        obs, shown, detail = _median_month(ens, lost, "runs in which it is lost", "it is never lost")
        values = {"lost": len(lost), "runs": N}
        if obs is not None:
            passed = sc.month(p.start or "") <= obs <= sc.month(p.by or "")
    elif p.kind == "office_lost_peak":
        o = [x.id for x in sc.offices].index(p.office or "")
        lost = ens.office_lost[:, o]
        lost = lost[lost >= 0]
        if len(lost):
            at, n_at = np.unique(lost, return_counts=True)
            peak = int(np.argmax(n_at))
            obs = int(n_at[peak]) / len(lost)
            detail = (f"{ens.spec.date(int(at[peak]))}: {int(n_at[peak]):,} of the {len(lost):,} runs "
                      "in which it is lost")
            values = {"month": ens.spec.date(int(at[peak])), "count": int(n_at[peak]), "lost": len(lost)}
        else:
            obs, detail = None, "it is never lost"
    elif p.kind == "membership":
        errs = []
        for pt in sc.membership_record:
            t = sc.month(pt.date)
            sim = float(ens.members[:, t].mean())
            errs.append(abs(sim / pt.members - 1))
            detail += f"{pt.date}: {sim:,.0f} vs {pt.members:,}; "
        obs = max(errs) if errs else 0.0
        detail, shown = detail.strip("; "), f"max error {obs:.1%}"
        passed = obs <= (p.tolerance or 0)
    elif p.kind == "committee_majority_by":
        i = li[p.leader or ""]
        wins = w == i
        t = sc.month(p.by or sc.scenario.end)
        k = int((ens.committee_share[wins, t, i] > 0.5).sum())
        n = int(wins.sum())
        obs = k / n if n else 0.0
        detail, values = f"{k:,} of {n:,} wins", {"count": k, "wins": n}
    elif p.kind == "defeat_window":
        d = ens.defeated[:, li[p.leader or ""]]
        fell = d >= 0
        inside = fell & (d >= sc.month(p.start or sc.scenario.start)) & (d <= sc.month(p.by or sc.scenario.end))
        n, k = int(fell.sum()), int(inside.sum())
        obs = k / n if n else 0.0
        detail, values = f"{k:,} of the {n:,} runs in which he falls", {"count": k, "fell": n}
    elif p.kind in ("coalition_by", "coalition_ever"):
        need = sum(1 << li[x] for x in p.members)
        until = sc.month(p.by) + 1 if p.by else ens.coalitions.shape[1]
        c = ens.coalitions[:, :until, :]
        if p.target:
            hit = ((c[:, :, li[p.target]] & need) == need).any(axis=1)
        else:
            hit = ((c & need) == need).any(axis=(1, 2))
        k = int(hit.sum())
        obs = k / N
        detail, values = f"{k:,} of {N:,} runs", {"count": k, "runs": N}
    elif p.kind == "apart_by":
        until = sc.month(p.by or sc.scenario.end) + 1
        c = ens.coalitions[:, :until, li[p.target]] if p.target else ens.coalitions[:, :until, :]
        axes = 1 if p.target else (1, 2)
        together = np.zeros(N, dtype=bool)
        pairs = []
        for one in p.groups[0]:
            for two in p.groups[1]:
                both = (1 << li[one]) | (1 << li[two])
                hit = ((c & both) == both).any(axis=axes)
                together |= hit
                pairs.append((int(hit.sum()), f"{names[li[one]]} with {names[li[two]]}"))
        k = N - int(together.sum())
        obs = k / N
        common = max(pairs)
        detail = f"apart in {k:,} of {N:,} runs" + (f"; together most often: {common[1]} ({common[0]:,} runs)"
                                                 if common[0] else "")
        values = {"count": k, "runs": N, "pairs": {name: n for n, name in pairs}}
    elif p.kind == "line_shifts":
        obs, detail, values = _line_shifts(p, ens)
    elif p.kind == "sanction_rate":
        k = int((ens.sanctions[:, li[p.leader or ""], SANCTIONS.index(p.sanction or "")] >= 0).sum())
        obs = k / N
        detail, values = f"{k:,} of {N:,} runs; {_ci(k, N)}", {"count": k, "runs": N}
    elif p.kind in CHANGE_KINDS:
        assert other is not None
        me = li[p.leader or ""]

        def count(x: EnsembleResult) -> int:
            if p.kind == "factor_off_drop":
                return int((x.winner == me).sum())
            return int(((x.winner >= 0) & (x.winner != me)).sum())

        k0, k1 = count(ens), count(other)
        d, lo, hi = difference_interval(k1, other.runs, k0, N)
        who = names[me] if p.kind == "factor_off_drop" else "the others"
        obs = -d if p.kind == "factor_off_drop" else d
        shown = _points(obs, sign=p.kind != "factor_off_drop")
        detail = (f"{who}: {k0 / N:.1%} at the defaults, {k1 / other.runs:.1%} with {p.factor} off "
                  f"(change {_points(d)}, 95% interval {100 * lo:+.1f} to {100 * hi:+.1f}); "
                  f"with it off: {_rates(names, other.winner, other.runs)}")
        values = {"defaults": k0, "off": k1, "runs": N, "change": d, "low": lo, "high": hi}
    elif p.kind == "swap":
        assert other is not None
        ia, ib = li[p.swap[0]], li[p.swap[1]]
        parts, diffs = [], {}
        for x, y in ((ib, ia), (ia, ib)):  # leader y's data, which leader x carries after the swap
            k_sw, k_base = int((other.winner == x).sum()), int((w == y).sum())
            d, lo, hi = difference_interval(k_sw, other.runs, k_base, N)
            diffs[f"{ids[y]}'s data"] = {"defaults": k_base, "swapped": k_sw, "difference": d, "low": lo, "high": hi}
            parts.append(f"{names[y]}'s data wins {k_base / N:.1%} as {names[y]}, {k_sw / other.runs:.1%} "
                         f"as {names[x]} ({_points(d)}, 95% interval {100 * lo:+.1f} to {100 * hi:+.1f})")
        obs = max(abs(v["difference"]) for v in diffs.values())
        passed = all(v["low"] <= 0 <= v["high"] for v in diffs.values())
        shown = " / ".join(_points(v["difference"]) for v in diffs.values())
        detail, values = "; ".join(parts), {"runs": N, **diffs}
    else:  # pragma: no cover - the schema forbids other kinds
        raise ValueError(p.kind)
    if passed is None:
        passed = obs is not None and _within(p, obs)
    return PatternResult(p.id, p.text, obs, _band(p, ens), passed, detail, p.group, p.kind, shown, values)


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def _median_month(ens: EnsembleResult, months: np.ndarray, what: str,
                  none: str) -> tuple[float | None, str, str]:
    """(median month index, as a date, a detail with its quartiles), or (None, "—", `none`)."""
    if not len(months):
        return None, "—", none
    med = float(np.median(months))
    q1, q3 = (int(np.percentile(months, q, method="lower")) for q in (25, 75))
    return med, _month(ens, med), (f"{len(months):,} {what}; quartiles {ens.spec.date(q1)} and "
                                   f"{ens.spec.date(q3)}")


def _line_shifts(p: Pattern, ens: EnsembleResult) -> tuple[float | None, str, dict[str, Any]]:
    """The share of the members' changes of position on `p.axis` in months `p.start`..`p.by` that
    go toward its `direction` end: every month-to-month change larger than 1e-9 is a shift."""
    sc = ens.scenario
    ids = [x.id for x in sc.leaders]
    who = [ids.index(x) for x in p.members]
    a = [x.id for x in sc.axes].index(p.axis or "")
    axis = sc.axes[a]
    t0, t1 = sc.month(p.start or ""), sc.month(p.by or "")
    pos = ens.positions[:, :, who, a].astype(np.float64)  # (N, T, k), at each month's end
    # the starting positions as the engine records positions (float32), so that no month-0 change is
    # only the rounding to float32
    start0 = ens.spec.ideology0[who, a].astype(np.float32).astype(np.float64)
    start = np.broadcast_to(start0, (pos.shape[0], 1, len(who)))
    before = np.concatenate([start, pos[:, :-1]], axis=1)
    delta = (pos - before)[:, t0:t1 + 1]
    shift = np.abs(delta) > 1e-9
    toward = shift & ((delta < 0) if p.direction == "low" else (delta > 0))
    n, k = int(shift.sum()), int(toward.sum())
    end = axis.low_label if p.direction == "low" else axis.high_label
    names = ens.spec.leader_names
    per = ", ".join(f"{names[j]} {int(toward[:, :, c].sum()):,} of {int(shift[:, :, c].sum()):,}"
                    for c, j in enumerate(who))
    detail = (f"{k:,} of {n:,} shifts toward {end}, in {int(shift.any(axis=(1, 2)).sum()):,} runs ({per})" if n
              else f"no shifts on the {axis.name} axis")
    return (k / n if n else None), detail, {"toward": k, "shifts": n}


# ------------------------------------------------------------------ the whole check


def fidelity(source: str = "soviet-1924", overrides: dict[str, Any] | list[str] | None = None,
             factors_off: list[str] | tuple[str, ...] = (), runs: int = 2000, seed: int = 0,
             batch_size: int = 4000, progress: Callable[[int], None] | None = None,
             ids: Collection[int] | None = None) -> FidelityReport:
    """Check every pattern of the scenario (a built-in name or a TOML file), or those whose id is
    in `ids`, over `runs` runs: one ensemble of the scenario, and one of each changed scenario the
    patterns compare it with (`comparisons`), all at `seed`; `progress` hears of every batch of
    every ensemble. The changed scenarios' ensembles are run one after the other, each kept only
    while its patterns are evaluated."""
    from politburo.loader import load_raw, parse_overrides, read_scenario

    where, raw = read_scenario(source)
    if isinstance(overrides, list):
        overrides = parse_overrides(overrides)
    scenario = load_raw(where, raw, overrides, factors_off)
    patterns = [p for p in scenario.patterns if ids is None or p.id in ids]
    base = ensemble(scenario, runs, seed, batch_size, progress)
    results: list[PatternResult | None] = [evaluate(p, base) if comparison(p) is None else None for p in patterns]
    keys = comparisons(patterns)
    for key in keys:
        todo = [j for j, p in enumerate(patterns) if comparison(p) == key]
        changed = changed_scenario(patterns[todo[0]], where, raw, overrides, factors_off)
        other = {key: ensemble(changed, runs, seed, batch_size, progress)}
        for j in todo:
            results[j] = evaluate(patterns[j], base, other)
        del other
    done = [r for r in results if r is not None]
    return FidelityReport(scenario.scenario.name, base.runs, base.seed, [BASELINE, *keys], done)


__all__ = ["BASELINE", "FidelityReport", "PatternResult", "PatternVerdict", "changed_scenario", "comparison",
           "comparisons", "difference_interval", "elimination_order", "evaluate", "fidelity"]
