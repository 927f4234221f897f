"""Calibration patterns (docs/model.md §11), stated as data in the scenario and checked
against an ensemble."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from politburo.api import EnsembleResult, elimination_order, ensemble
from politburo.schema import Pattern


@dataclass
class PatternResult:
    id: int
    text: str
    observed: float
    band: str
    passed: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "observed": round(self.observed, 4), "band": self.band,
                "passed": self.passed, "detail": self.detail}


def _band(p: Pattern) -> str:
    if p.min is not None:
        return f">= {p.min:.0%}"
    if p.max is not None:
        return f"<= {p.max:.0%}"
    return f"within ±{(p.tolerance or 0):.0%}"


def evaluate(p: Pattern, ens: EnsembleResult, off: EnsembleResult | None = None) -> PatternResult:
    sc = ens.scenario
    ids = [x.id for x in sc.leaders]
    li = {x: i for i, x in enumerate(ids)}
    detail = ""
    if p.kind == "win_rate":
        obs = float((ens.winner == li[p.leader or ""]).mean())
    elif p.kind == "max_other_win_rate":
        me = li[p.leader or ""]
        rates = [float((ens.winner == i).mean()) for i in range(len(ids)) if i != me]
        obs = max(rates)
        detail = f"highest: {ids[[i for i in range(len(ids)) if i != me][int(np.argmax(rates))]]}"
    elif p.kind == "elimination_order":
        w = li[p.leader or ""]
        wins = np.flatnonzero(ens.winner == w)
        groups = [[li[x] for x in g] for g in p.order]
        ok = 0
        for k in wins:
            d = ens.defeated[k]
            good = all(d[i] >= 0 for g in groups for i in g)
            for a, b in pairwise(groups):
                good = good and max(d[i] for i in a) <= min(d[i] for i in b)
            ok += bool(good)
        obs = ok / len(wins) if len(wins) else 0.0
        detail = f"{ok} of {len(wins)} wins"
    elif p.kind in ("coalition_by", "coalition_ever"):
        need = sum(1 << li[x] for x in p.members)
        T = ens.coalitions.shape[1]
        until = sc.month(p.by) + 1 if p.by else T
        c = ens.coalitions[:, :until, :]
        if p.target:
            hit = ((c[:, :, li[p.target]] & need) == need).any(axis=1)
        else:
            hit = ((c & need) == need).any(axis=(1, 2))
        obs = float(hit.mean())
    elif p.kind == "office_lost_by":
        o = [x.id for x in sc.offices].index(p.office or "")
        m = ens.office_lost[:, o]
        obs = float(((m >= 0) & (m <= sc.month(p.by or sc.scenario.end))).mean())
    elif p.kind == "membership":
        errs = []
        for pt in sc.membership_record:
            t = sc.month(pt.date)
            sim = float(ens.members[:, t].mean())
            errs.append(abs(sim / pt.members - 1))
            detail += f"{pt.date}: {sim:,.0f} vs {pt.members:,}; "
        obs = max(errs) if errs else 0.0
        return PatternResult(p.id, p.text, obs, _band(p), obs <= (p.tolerance or 0), detail.strip("; "))
    elif p.kind == "committee_majority_by":
        w = li[p.leader or ""]
        wins = ens.winner == w
        t = sc.month(p.by or sc.scenario.end)
        obs = float((ens.committee_share[wins, t, w] > 0.5).mean()) if wins.any() else 0.0
    elif p.kind == "defeat_window":
        i = li[p.leader or ""]
        d = ens.defeated[:, i]
        fell = d >= 0
        inside = fell & (d >= sc.month(p.start or sc.scenario.start)) & (d <= sc.month(p.by or sc.scenario.end))
        obs = float(inside.sum() / fell.sum()) if fell.any() else 0.0
        detail = f"{int(fell.sum())} runs in which he falls"
    elif p.kind == "all_factors_off":
        assert off is not None
        obs = max(float((off.winner == i).mean()) for i in range(len(ids)))
    else:  # pragma: no cover - the schema forbids other kinds
        raise ValueError(p.kind)
    passed = (p.min is None or obs >= p.min) and (p.max is None or obs <= p.max)
    return PatternResult(p.id, p.text, obs, _band(p), passed, detail)


def fidelity(source: str = "soviet-1924", overrides: dict[str, Any] | list[str] | None = None,
             factors_off: list[str] | tuple[str, ...] = (), runs: int = 2000, seed: int = 0,
             batch_size: int = 4000, progress: Callable[[int], None] | None = None) -> list[PatternResult]:
    """Check every pattern of the scenario (a built-in name or a TOML file) over `runs` runs.
    The all-factors-off pattern runs a second ensemble with every factor switched off."""
    from politburo.loader import load_scenario

    scenario = load_scenario(source, overrides, factors_off)
    ens = ensemble(scenario, runs, seed, batch_size, progress)
    off = None
    if any(p.kind == "all_factors_off" for p in scenario.patterns):
        everything = sorted(set(factors_off) | set(scenario.factors))
        off = ensemble(load_scenario(source, overrides, everything), runs, seed, batch_size, progress)
    return [evaluate(p, ens, off) for p in scenario.patterns]


__all__ = ["PatternResult", "elimination_order", "evaluate", "fidelity"]
