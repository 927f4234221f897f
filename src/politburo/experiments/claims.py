"""Claims: sentences an essay makes, each tied to a counterfactual and an expected direction or
size, tested against the model.

    title = "..."
    [[claims]]
    id = "testament"
    text = "Had the Testament been read out in 1924, Stalin would not have won."
    factors_off = ["testament"]        # and/or  set = { "parameters.insight" = 1.0 }
    target = "stalin"                  # default: the scenario's main contender
    outcome = "win"                    # win | win_by:YYYY-MM | defeated | defeated_by:YYYY-MM | no_winner
    expect = "lower"                   # lower | higher | no_effect
    at_least = 0.2                     # optional: the size of change claimed (probability)
    below = 0.5                        # optional: the counterfactual chance claimed to be below (or `above`)

    [[claims]]
    kind = "main_reason"               # the named group has the largest Shapley value
    player = "position"

Verdicts compare the 95% interval of the paired difference (or probability) with the claim:
supported, contradicted, or not distinguishable from chance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from politburo.experiments.analyses import (
    Game,
    attribution,
    check_replicates,
    coalition_arms,
    players,
    values_matrix,
)
from politburo.experiments.outcomes import Outcome, default_target, parse_outcome
from politburo.experiments.plan import Arm, Experiment, check_arm
from politburo.experiments.stats import mean_ci
from politburo.experiments.store import Store
from politburo.loader import ScenarioError, read_toml

SUPPORTED, CONTRADICTED, UNCLEAR = "supported", "contradicted", "not distinguishable from chance"
NO_EFFECT_TOLERANCE = 0.02


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    kind: Literal["effect", "main_reason"] = "effect"
    factors_off: list[str] = []
    set: dict[str, Any] = {}
    target: str | None = None
    outcome: str = "win"
    expect: Literal["lower", "higher", "no_effect"] | None = None
    at_least: float | None = Field(None, gt=0, le=1)
    below: float | None = Field(None, ge=0, le=1)
    above: float | None = Field(None, ge=0, le=1)
    player: str | None = None
    source: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Claim:
        if self.kind == "effect":
            if not self.factors_off and not self.set:
                raise ValueError("an effect claim needs factors_off or set (its counterfactual)")
            if self.expect is None and self.below is None and self.above is None:
                raise ValueError("an effect claim needs expect, below or above")
        elif self.player is None:
            raise ValueError("a main_reason claim needs player (a factor group)")
        return self


class ClaimsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = "Claims"
    description: str = ""
    scenario: str | None = None
    claims: list[Claim] = Field(min_length=1)


def read_claims(path: str) -> ClaimsFile:
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(path, ["no such claims file"])
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, [f"not valid TOML: {exc}"]) from None
    data = read_toml(text, path)
    try:
        parsed = ClaimsFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            if len(loc) >= 2 and loc[0] == "claims" and isinstance(loc[1], int):
                items = data.get("claims", [])
                cid = items[loc[1]].get("id") if loc[1] < len(items) and isinstance(items[loc[1]], dict) else None
                loc[0:2] = [f"claims[{cid if cid else loc[1]}]"]
            msg = err["msg"].removeprefix("Value error, ").replace("Extra inputs are not permitted", "unknown key")
            problems.append(f"{'.'.join(str(x) for x in loc) or '(top level)'}: {msg}")
        raise ScenarioError(path, problems[:1] + ([f"(and {len(problems) - 1} more)"] if len(problems) > 1 else []))
    ids = [c.id for c in parsed.claims]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ScenarioError(path, [f"claim id {dup[0]!r} is used twice"])
    return parsed


def build_claims(path: str, claims: ClaimsFile, where: str, raw: dict[str, Any], world: dict[str, Any],
                 replicates: int, seed: int) -> tuple[Experiment, list[Outcome]]:
    replicates = check_replicates(replicates)
    arms: list[Arm] = [Arm.make()]
    keys = [str(arms[0].key())]
    outcomes = []

    def add(arm: Arm) -> int:
        k = str(arm.key())
        if k not in keys:
            keys.append(k)
            arms.append(arm)
        return keys.index(k)

    refs: list[dict[str, Any]] = []
    for c in claims.claims:
        loc = f"{path}: claims[{c.id}]"
        try:
            outcomes.append(parse_outcome(c.outcome, raw, c.target or default_target(raw), "outcome", "target"))
            if c.kind == "effect":
                arm = Arm.make(c.factors_off, c.set)
                check_arm(where, raw, world, arm)
                refs.append({"arm": add(arm)})
            else:
                ids, members, _ = players(raw, "groups")
                if c.player not in ids:
                    raise ScenarioError("player", [f"unknown group {c.player!r} (known: {', '.join(ids)})"])
                refs.append({"coalitions": [add(a) for a in coalition_arms(members, ids)]})
        except ScenarioError as exc:
            raise ScenarioError(loc, [f"{exc.where}: {p}" for p in exc.problems]) from None
    exp = Experiment("claims", where, raw, world, arms, seed, replicates,
                     settings={"file": path, "refs": refs})
    return exp, outcomes


def judge_difference(d: dict[str, float], expect: str, at_least: float | None) -> str:
    if expect == "no_effect":
        tol = at_least or NO_EFFECT_TOLERANCE
        if -tol < d["low"] and d["high"] < tol:
            return SUPPORTED
        return CONTRADICTED if d["low"] > tol or d["high"] < -tol else UNCLEAR
    sign = -1.0 if expect == "lower" else 1.0
    lo, hi = sorted((sign * d["low"], sign * d["high"]))  # the claimed change, made positive
    size = at_least or 0.0
    if lo > size:
        return SUPPORTED
    return CONTRADICTED if hi < size else UNCLEAR


def judge_level(p: dict[str, float], below: float | None, above: float | None) -> list[str]:
    out = []
    if below is not None:
        out.append(SUPPORTED if p["high"] < below else CONTRADICTED if p["low"] > below else UNCLEAR)
    if above is not None:
        out.append(SUPPORTED if p["low"] > above else CONTRADICTED if p["high"] < above else UNCLEAR)
    return out


def combine(verdicts: list[str]) -> str:
    if CONTRADICTED in verdicts:
        return CONTRADICTED
    return SUPPORTED if verdicts and all(v == SUPPORTED for v in verdicts) else UNCLEAR


def summarise_claims(claims: ClaimsFile, outcomes: list[Outcome]) -> Callable[[Experiment, Store], dict[str, Any]]:
    def summarise(exp: Experiment, store: Store) -> dict[str, Any]:
        rows = []
        cache: dict[str, np.ndarray] = {}
        for c, outcome, ref in zip(claims.claims, outcomes, exp.settings["refs"], strict=True):
            if outcome.spec + outcome.target_id not in cache:
                cache[outcome.spec + outcome.target_id] = values_matrix(exp, store, outcome, len(exp.arms))
            v = cache[outcome.spec + outcome.target_id]
            row: dict[str, Any] = {"id": c.id, "text": c.text, "kind": c.kind, "source": c.source,
                                   "outcome": outcome.spec, "target": outcome.target_id,
                                   "outcome_text": outcome.text}
            if c.kind == "effect":
                a = ref["arm"]
                diff = mean_ci(v[:, a] - v[:, 0])
                label = Arm.make(c.factors_off, c.set).label
                row.update({"counterfactual": {**exp.arms[a].to_dict(), "label": label}, "baseline": mean_ci(v[:, 0]),
                            "counterfactual_rate": mean_ci(v[:, a]), "difference": diff,
                            "expect": c.expect, "at_least": c.at_least, "below": c.below, "above": c.above})
                checks = ([judge_difference(diff, c.expect, c.at_least)] if c.expect else []) + \
                    judge_level(mean_ci(v[:, a]), c.below, c.above)
                row["verdict"] = combine(checks)
                row["estimate"] = (f"{outcome.text}: {row['baseline']['mean']:.1%} in history, "
                                   f"{row['counterfactual_rate']['mean']:.1%} with {label} "
                                   f"(change {diff['mean']:+.1%} ± {diff['half']:.1%})")
            else:
                ids, _, labels = players(exp.raw, "groups")
                att = attribution(Game.of(v[:, ref["coalitions"]]), ids, labels, exp.seed)
                i = ids.index(str(c.player))
                others = [j for j in range(len(ids)) if j != i]
                phi = {p["id"]: p for p in att["players"]}
                mine = phi[c.player]["shapley"]
                beaten = [o for o in others if phi[ids[o]]["shapley"]["low"] > mine["high"]]
                clear = all(phi[ids[o]]["shapley"]["high"] < mine["low"] for o in others)
                row["verdict"] = CONTRADICTED if beaten else SUPPORTED if clear else UNCLEAR
                row["attribution"] = [{"id": p["id"], "label": p["label"], "shapley": p["shapley"],
                                       "share": p.get("share")} for p in att["players"]]
                row["estimate"] = "Shapley values (percentage points of the chance): " + ", ".join(
                    f"{p['label']} {100 * p['shapley']['mean']:+.1f} ± {100 * p['shapley']['half']:.1f}"
                    for p in att["players"])
            rows.append(row)
        counts = {k: sum(r["verdict"] == k for r in rows) for k in (SUPPORTED, CONTRADICTED, UNCLEAR)}
        return {"kind": "claims", "experiment": exp.id, "title": claims.title, "scenario": exp.raw["scenario"]["name"],
                "seed": exp.seed, "replicates": exp.replicates, "runs": exp.runs, "world": exp.world,
                "claims": rows, "counts": counts,
                "verdict": (f"Of {len(rows)} claims, the model supports {counts[SUPPORTED]}, contradicts "
                            f"{counts[CONTRADICTED]} and cannot tell {counts[UNCLEAR]} from chance.")}
    return summarise
