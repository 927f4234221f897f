"""The counterfactual experiments as library functions: `explain`, `whatif`, `inevitability` and
`claims`, each returning a typed, frozen result.

    import politburo
    res = politburo.explain("tutorial", replicates=200, workers=1)
    res.top, res.players[0].shapley.mean, res.verdict

Every function validates all of its inputs before anything is run or stored, plans its
experiments (`politburo.experiments.analyses`), runs the tasks not yet in the results store on a
backend (this process and a local pool of processes, or a Dask cluster), summarises the stored
runs and returns the summary. A second call with the same inputs reuses the stored runs; a call
that was stopped resumes where it stopped. The results do not depend on the backend or the
number of workers.

All arms of an experiment are run over the same replicates with **common random numbers**:
replicate r of every arm draws the same random numbers for the same purpose in the same month
(the engine's counter-based streams), so differences between arms are paired run by run
(Glasserman and Yao 1992). Probabilities are fractions (0.25 is 25%); differences of
probabilities are fractions too (0.05 is 5 percentage points). Unless said otherwise an interval
is the 95% interval of a mean over the paired per-replicate values, mean ± 1.96·sd/√R
(`Interval`). docs/experiments.md gives the method of each experiment.

Bad input raises `politburo.ScenarioError` (a ValueError) whose `where` names the option of the
matching command (`--replicates` for `replicates`, `--set` for `set`, `--store` for `store`...)
or the file, and whose `problems` say what is wrong, one line each. A full disk or a failing
cluster midway also ends in a ScenarioError that says how many tasks are stored (a rerun
resumes). Ctrl-C (KeyboardInterrupt) leaves the finished tasks stored.

`to_dict()` of every result gives the JSON the command prints with `--json` (the same as the
store's `result.json`), and `result_from_dict` reads it back.

References:
    Shapley, L. S. (1953). A value for n-person games. In Contributions to the Theory of Games
        II (Annals of Mathematics Studies 28), 307–317.
    Glasserman, P. and Yao, D. D. (1992). Some guidelines and guarantees for common random
        numbers. Management Science 38(6), 884–908.
    Efron, B. (1979). Bootstrap methods: another look at the jackknife. Annals of Statistics
        7(1), 1–26 (the percentile intervals of the shares).
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
        Journal of the American Statistical Association 22, 209–212 (the win rates of the
        ensemble a report adds).
    Spearman, C. (1904). The proof and measurement of association between two things. American
        Journal of Psychology 15, 72–101 (the sensitivity to parameters).
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from politburo.experiments import analyses as an
from politburo.experiments.backends import Backend, BackendFailure, make_backend, runs_done
from politburo.experiments.claims import build_claims, read_claims, summarise_claims
from politburo.experiments.outcomes import Outcome, default_target, parse_outcome
from politburo.experiments.plan import Experiment
from politburo.experiments.store import DEFAULT_STORE, Store, os_errno, os_reason
from politburo.experiments.worlds import Worlds, priors, read_worlds, worlds_file
from politburo.loader import (
    ScenarioError,
    load_raw,
    parse_overrides,
    read_scenario,
    scenario_folder,
    validate,
)

__all__ = [
    "DEFAULT_REPLICATES",
    "REPORT_ENSEMBLE",
    "REPORT_REPLICATES",
    "ClaimPlayer",
    "ClaimResult",
    "ClaimsResult",
    "Coalition",
    "Counterfactual",
    "CurvePoint",
    "DrawSource",
    "ExplainResult",
    "GivenOutcome",
    "InevitabilityResult",
    "Inputs",
    "Interval",
    "LeaderChance",
    "Paired",
    "Player",
    "Quantiles",
    "Sensitivity",
    "Share",
    "Stage",
    "UncertainPlayer",
    "UncertaintyResult",
    "VictoryYear",
    "WhatifResult",
    "claims",
    "experiment_failures",
    "explain",
    "inevitability",
    "reading",
    "report_extras",
    "result_from_dict",
    "scenario_data",
    "whatif",
]

# Replicates per arm when none are given (docs/experiments.md lists them).
DEFAULT_REPLICATES = {"explain": 2000, "explain_factors": 200, "whatif": 4000, "inevitability": 200,
                      "claims": 2000}
# Sizes of what a report adds when the experiment did not compute it itself.
REPORT_ENSEMBLE = 1000
REPORT_REPLICATES = 1000
MAX_SEED = 2**63 - 1
DRAWS_FROM = ("worlds", "prior")  # where `explain(uncertainty=N)` draws its worlds

ScenarioInput: TypeAlias = "str | os.PathLike[str] | Mapping[str, Any]"
Overrides: TypeAlias = "Mapping[str, Any] | Sequence[str] | None"
StoreInput: TypeAlias = "str | os.PathLike[str] | Store | None"
BackendInput: TypeAlias = "str | Backend"
Progress: TypeAlias = "Callable[[int], None] | None"


@dataclass(frozen=True)
class Stage:
    """One experiment a call is about to run, for a front end that shows a progress bar per
    experiment (see `watch` in `explain`)."""

    label: str  #: what it is for: "Explain", "Uncertainty", "What if", "Report: explain"...
    experiment: Experiment  #: the plan (its `id` names it in the store)
    runs: int  #: simulated runs of the whole experiment
    reused: int  #: runs found in the store (from an earlier, perhaps stopped, call)


Watch: TypeAlias = "Callable[[Stage], AbstractContextManager[Callable[[int], None] | None]] | None"


# ------------------------------------------------------------------ typed results


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True)
class Interval:
    """A mean and its 95% interval, mean ± 1.96·sd/√R over R per-replicate values (paired under
    common random numbers where it is a difference). Fractions: 0.25 is 25% (or 25 percentage
    points for a difference); `half` is the half-width."""

    mean: float
    low: float
    high: float
    half: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Interval:
        return cls(float(d["mean"]), float(d["low"]), float(d["high"]), float(d["half"]))


@dataclass(frozen=True)
class Share:
    """A player's share of the whole advantage, mean φ_i / mean [v(N) − v(∅)], with a percentile
    bootstrap 95% interval over replicates (Efron 1979; 1,000 seeded resamples). A fraction (1.0 is
    100%; negative for a factor that hurts, above 1 possible); `low`/`high` are None when too few
    resamples have a ratio."""

    mean: float | None
    low: float | None
    high: float | None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Share | None:
        return None if d is None else cls(_f(d.get("mean")), _f(d.get("low")), _f(d.get("high")))


@dataclass(frozen=True)
class Quantiles:
    """The median and the 5th–95th percentile band of a value over parameter draws (None where the
    value is undefined in every draw)."""

    median: float | None
    p5: float | None
    p95: float | None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Quantiles:
        return cls(_f(d.get("median")), _f(d.get("p5")), _f(d.get("p95")))


@dataclass(frozen=True)
class Player:
    """One player of the attribution game (a factor group or a factor). Values are in
    probability (0.05 is 5 percentage points of the outcome's chance)."""

    id: str
    label: str
    shapley: Interval  #: its exact Shapley value (Shapley 1953), averaged over replicates
    remove_from_history: Interval  #: v(N) − v(N∖{i}): switching only this off
    add_to_all_off: Interval  #: v({i}) − v(∅): switching only this on in the all-off world
    share: Share | None  #: of the advantage over the all-off world; None when there is none

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Player:
        return cls(d["id"], d["label"], Interval.from_dict(d["shapley"]),
                   Interval.from_dict(d["remove_from_history"]), Interval.from_dict(d["add_to_all_off"]),
                   Share.from_dict(d.get("share")))


@dataclass(frozen=True)
class Coalition:
    """The chance of the outcome in one coalition's arm (listed for games of at most 4 players)."""

    arm: str  #: "all on", "all off" or "on: position, ideology"
    rate: Interval

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Coalition:
        return cls(d["arm"], Interval.from_dict(d["rate"]))


@dataclass(frozen=True, kw_only=True)
class _Result:
    """What every experiment's result holds; `to_dict()` is the command's `--json`."""

    kind: str  #: "explain", "uncertainty", "whatif", "inevitability" or "claims"
    experiment: str  #: the experiment's id in the results store (12 hex digits)
    scenario: str  #: the scenario's name
    seed: int
    replicates: int  #: replicates per arm
    runs: int  #: simulated runs of the whole experiment
    world: dict[str, Any]  #: the overrides every arm shares (key path → value)
    verdict: str  #: one paragraph in plain words
    inputs: Inputs | None = field(default=None, repr=False, compare=False)  #: what it was computed from
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The result as the JSON-ready dict the command prints with `--json` (a copy)."""
        return copy.deepcopy(self.data)


def _common(d: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": d["kind"], "experiment": d["experiment"], "scenario": d["scenario"], "seed": int(d["seed"]),
            "replicates": int(d["replicates"]), "runs": int(d["runs"]), "world": dict(d.get("world") or {}),
            "verdict": d["verdict"], "data": copy.deepcopy(dict(d))}


def _outcome(d: Mapping[str, Any]) -> dict[str, Any]:
    return {"outcome": d["outcome"], "target": d["target"], "text": d["text"]}


@dataclass(frozen=True)
class UncertainPlayer:
    """One player's attribution over parameter draws."""

    id: str
    label: str
    shapley: Quantiles  #: of its mean Shapley value (probability)
    share: Quantiles  #: of its share of the advantage (fraction)
    main_reason_in: float  #: the fraction of draws in which it is the main reason

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> UncertainPlayer:
        return cls(d["id"], d["label"], Quantiles.from_dict(d["shapley"]), Quantiles.from_dict(d["share"]),
                   float(d["main_reason_in"]))


@dataclass(frozen=True)
class Sensitivity:
    """How a drawn parameter's value correlates with the leading player's Shapley value over the
    draws: Spearman's rank correlation (Spearman 1904), from -1 to 1."""

    parameter: str
    rank_correlation: float


@dataclass(frozen=True)
class DrawSource:
    """Where the parameter draws of an `UncertaintyResult` came from: the scenario's plausible
    worlds (the accepted draws of its calibration, `politburo.experiments.worlds`) or uniform
    priors."""

    source: str  #: "worlds" or "prior"
    text: str  #: "plausible worlds (200 accepted draws of the calibration)" or "uniform priors"
    file: str | None = None  #: the worlds file, as the scenario names it
    sha256: str | None = None  #: of the file's content (part of the experiment's id)
    worlds: int | None = None  #: the worlds in the file
    distinct: int | None = None  #: the distinct worlds among the draws
    parameters: tuple[str, ...] = ()  #: the parameters the file gives (the calibrated ones)
    distance_median: float | None = None  #: of the file's worlds' distances (None: no distance column)
    distance_max: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> DrawSource:
        if not d:  # a result stored before draws could come from plausible worlds
            return cls("prior", "uniform priors")
        dist = d.get("distance") or {}
        return cls(d["source"], d["text"], d.get("file"), d.get("sha256"),
                   int(d["worlds"]) if d.get("worlds") is not None else None,
                   int(d["distinct"]) if d.get("distinct") is not None else None,
                   tuple(d.get("parameters") or ()), _f(dist.get("median")), _f(dist.get("max")))


@dataclass(frozen=True, kw_only=True)
class UncertaintyResult(_Result):
    """The attribution repeated over `draws` parameter sets drawn from the scenario's plausible
    worlds (weighted, with replacement) or uniformly from the priors (`draws_from`)."""

    draws: int
    draws_from: DrawSource  #: where the draws came from
    level: str  #: "groups" or "factors"
    outcome: str  #: the outcome's spec, e.g. "win" or "win_by:1927-12"
    target: str  #: the target leader's id
    text: str  #: the outcome in words, e.g. "Stalin wins"
    players: tuple[UncertainPlayer, ...]
    all_on: Quantiles  #: the chance of the outcome with every factor on
    most_often_main_reason: str | None  #: a player id; None when the factors never change the chance
    sensitivity: tuple[Sensitivity, ...]  #: the 5 most influential parameters (10 draws or more)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> UncertaintyResult:
        return cls(**_common(d), **_outcome(d), draws=int(d["draws"]),
                   draws_from=DrawSource.from_dict(d.get("draws_from")), level=d["level"],
                   players=tuple(UncertainPlayer.from_dict(p) for p in d["players"]),
                   all_on=Quantiles.from_dict(d["all_on"]), most_often_main_reason=d.get("most_often_main_reason"),
                   sensitivity=tuple(Sensitivity(s["parameter"], float(s["rank_correlation"]))
                                     for s in d.get("sensitivity") or []))


@dataclass(frozen=True, kw_only=True)
class ExplainResult(_Result):
    """Exact Shapley attribution (Shapley 1953, "A value for n-person games", Contributions to the
    Theory of Games II, 307–317) of the outcome's chance to the scenario's factors or factor
    groups: in every replicate the players' values sum to v(N) − v(∅), the outcome with every
    factor on minus with every factor off."""

    level: str  #: "groups" or "factors"
    outcome: str  #: the outcome's spec, e.g. "win" or "win_by:1927-12"
    target: str  #: the target leader's id
    text: str  #: the outcome in words, e.g. "Stalin wins"
    players: tuple[Player, ...]  #: in the scenario's order
    all_on: Interval  #: the chance of the outcome in history (every factor on)
    all_off: Interval  #: with every factor switched off
    advantage: Interval  #: all_on − all_off, paired
    exact: bool  #: the Shapley values sum to the advantage in every replicate
    ranking: tuple[str, ...]  #: player ids, the main reason first
    top: str  #: the main reason's id: the largest contribution in the direction of the change
    top_vs_second: Interval | None  #: the main reason's lead over the second (None with one player)
    coalitions: tuple[Coalition, ...] | None  #: every coalition's chance (at most 4 players)
    uncertainty: UncertaintyResult | None = None  #: over parameter draws (`uncertainty=N`)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExplainResult:
        tvs = d.get("top_vs_second")
        unc = d.get("uncertainty")
        coal = d.get("coalitions")
        return cls(**_common(d), **_outcome(d), level=d["level"],
                   players=tuple(Player.from_dict(p) for p in d["players"]),
                   all_on=Interval.from_dict(d["all_on"]), all_off=Interval.from_dict(d["all_off"]),
                   advantage=Interval.from_dict(d["advantage"]), exact=bool(d["exact"]),
                   ranking=tuple(d["ranking"]), top=d["top"],
                   top_vs_second=Interval.from_dict(tvs) if tvs is not None else None,
                   coalitions=tuple(Coalition.from_dict(c) for c in coal) if coal is not None else None,
                   uncertainty=UncertaintyResult.from_dict(unc) if unc else None)

    def player(self, pid: str) -> Player:
        """The player with id `pid` (KeyError if there is none)."""
        for p in self.players:
            if p.id == pid:
                return p
        raise KeyError(pid)


@dataclass(frozen=True)
class Counterfactual:
    """An arm: the factors it switches off and the key paths it sets, and its label."""

    label: str
    factors_off: tuple[str, ...]
    set: dict[str, Any]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Counterfactual:
        return cls(d["label"], tuple(d.get("factors_off") or ()), dict(d.get("set") or {}))


@dataclass(frozen=True)
class Paired:
    """A chance in history and in the counterfactual, and their paired difference."""

    baseline: Interval
    counterfactual: Interval
    difference: Interval  #: counterfactual − baseline, paired replicate by replicate

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Paired:
        return cls(Interval.from_dict(d["baseline"]), Interval.from_dict(d["counterfactual"]),
                   Interval.from_dict(d["difference"]))


@dataclass(frozen=True)
class LeaderChance:
    """A principal's chance to win in both arms (id None: nobody wins)."""

    id: str | None
    name: str
    chance: Paired
    median_victory_baseline: str | None  #: "November 1929"; None if he never wins
    median_victory_counterfactual: str | None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LeaderChance:
        return cls(d.get("id"), d["name"], Paired.from_dict(d), d.get("median_victory_baseline"),
                   d.get("median_victory_counterfactual"))


@dataclass(frozen=True)
class VictoryYear:
    """The share of runs won in one year, in each arm (fractions of all runs)."""

    year: int
    baseline: float
    counterfactual: float


@dataclass(frozen=True, kw_only=True)
class WhatifResult(_Result):
    """History against one counterfactual, paired under common random numbers."""

    counterfactual: Counterfactual
    outcome: str
    target: str
    text: str
    effect: Paired  #: the outcome's chance in both arms
    leaders: tuple[LeaderChance, ...]  #: every principal, then nobody
    victory_years: tuple[VictoryYear, ...]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WhatifResult:
        return cls(**_common(d), **_outcome(d), counterfactual=Counterfactual.from_dict(d["counterfactual"]),
                   effect=Paired.from_dict(d["effect"]), leaders=tuple(LeaderChance.from_dict(x) for x in d["leaders"]),
                   victory_years=tuple(VictoryYear(int(y["year"]), float(y["baseline"]), float(y["counterfactual"]))
                                       for y in d["victory_years"]))


@dataclass(frozen=True)
class GivenOutcome:
    """The chance of the outcome at a month over the runs where it happened: mean and percentiles."""

    mean: float
    p10: float
    median: float
    p90: float


@dataclass(frozen=True)
class CurvePoint:
    """One saved month: the share of fresh futures from the state then in which the outcome happens."""

    month: int  #: months since the scenario's start
    date: str  #: "March 1926"
    probability: Interval  #: over all runs
    given_outcome: GivenOutcome | None  #: over the runs where the outcome happened (None: none did)
    given_other: float | None  #: mean over the runs where it did not (None: it always did)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CurvePoint:
        g, o = d.get("given_outcome"), d.get("given_other")
        return cls(int(d["month"]), d["date"], Interval.from_dict(d["probability"]),
                   GivenOutcome(float(g["mean"]), float(g["p10"]), float(g["median"]), float(g["p90"])) if g else None,
                   float(o["mean"]) if o else None)


@dataclass(frozen=True, kw_only=True)
class InevitabilityResult(_Result):
    """When the outcome became all but certain: fresh futures branched off saved states."""

    futures: int  #: fresh futures per saved state
    every: int  #: months between saved states
    outcome: str
    target: str
    text: str
    threshold: float  #: what counts as all but certain (a fraction)
    final: Interval  #: the chance of the outcome at the end
    curve: tuple[CurvePoint, ...]
    all_but_certain: str | None  #: the first month whose mean chance, where it happened, reaches the threshold
    median_point_of_no_return: str | None  #: the median of each run's first month from which it stays above
    runs_with_point_of_no_return: int

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> InevitabilityResult:
        return cls(**_common(d), **_outcome(d), futures=int(d["futures"]), every=int(d["every"]),
                   threshold=float(d["threshold"]), final=Interval.from_dict(d["final"]),
                   curve=tuple(CurvePoint.from_dict(c) for c in d["curve"]), all_but_certain=d.get("all_but_certain"),
                   median_point_of_no_return=d.get("median_point_of_no_return"),
                   runs_with_point_of_no_return=int(d["runs_with_point_of_no_return"]))


@dataclass(frozen=True)
class ClaimPlayer:
    """A factor group's Shapley value, for a main-reason claim."""

    id: str
    label: str
    shapley: Interval
    share: Share | None


@dataclass(frozen=True)
class ClaimResult:
    """One claim, the model's estimate and the verdict: "supported", "contradicted" or "not
    distinguishable from chance" (the 95% interval against what is claimed)."""

    id: str
    text: str
    kind: str  #: "effect" or "main_reason"
    source: str
    outcome: str
    target: str
    outcome_text: str
    verdict: str
    estimate: str  #: the numbers behind the verdict, in words
    counterfactual: Counterfactual | None = None  #: effect claims: the arm
    baseline: Interval | None = None  #: effect claims: the chance in history
    counterfactual_rate: Interval | None = None  #: effect claims: the chance in the arm
    difference: Interval | None = None  #: effect claims: paired difference
    expect: str | None = None  #: "lower", "higher" or "no_effect"
    at_least: float | None = None
    below: float | None = None
    above: float | None = None
    attribution: tuple[ClaimPlayer, ...] | None = None  #: main-reason claims: every group

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClaimResult:
        def iv(key: str) -> Interval | None:
            return Interval.from_dict(d[key]) if d.get(key) is not None else None

        att = d.get("attribution")
        return cls(d["id"], d["text"], d["kind"], d.get("source", ""), d["outcome"], d["target"], d["outcome_text"],
                   d["verdict"], d["estimate"],
                   Counterfactual.from_dict(d["counterfactual"]) if d.get("counterfactual") else None,
                   iv("baseline"), iv("counterfactual_rate"), iv("difference"), d.get("expect"),
                   _f(d.get("at_least")), _f(d.get("below")), _f(d.get("above")),
                   tuple(ClaimPlayer(p["id"], p["label"], Interval.from_dict(p["shapley"]), Share.from_dict(p.get("share")))
                         for p in att) if att is not None else None)


@dataclass(frozen=True, kw_only=True)
class ClaimsResult(_Result):
    """An essay's claims, each tested against the model."""

    title: str
    claims: tuple[ClaimResult, ...]
    supported: int
    contradicted: int
    unclear: int  #: not distinguishable from chance

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClaimsResult:
        counts = d["counts"]
        return cls(**_common(d), title=d["title"], claims=tuple(ClaimResult.from_dict(c) for c in d["claims"]),
                   supported=int(counts["supported"]), contradicted=int(counts["contradicted"]),
                   unclear=int(counts["not distinguishable from chance"]))


ExperimentResult: TypeAlias = "ExplainResult | UncertaintyResult | WhatifResult | InevitabilityResult | ClaimsResult"
_KINDS: dict[str, Any] = {"explain": ExplainResult, "uncertainty": UncertaintyResult, "whatif": WhatifResult,
                          "inevitability": InevitabilityResult, "claims": ClaimsResult}


def result_from_dict(data: Mapping[str, Any], inputs: Inputs | None = None) -> ExperimentResult:
    """The typed result of a dict that `to_dict()`, `--json` or the store's `result.json` gave.
    Raises ScenarioError for a dict that is no experiment's result."""
    kind = data.get("kind") if isinstance(data, Mapping) else None
    if kind not in _KINDS:
        raise ScenarioError("result", [f"not an experiment's result (kind {kind!r})"])
    try:
        res = _KINDS[kind].from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError("result", [f"a {kind} result without a valid {exc}"]) from None
    if inputs is not None:
        object.__setattr__(res, "inputs", inputs)
    return res  # type: ignore[no-any-return]


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Inputs:
    """What a result was computed from (not part of `to_dict()`): the scenario as read, the world's
    overrides, the seed and the outcome the report's extra sections measure."""

    where: str  #: the scenario's name or file
    raw: dict[str, Any] = field(repr=False)  #: its data
    world: dict[str, Any]
    seed: int
    outcome: Outcome


@contextlib.contextmanager
def reading(source: str) -> Iterator[None]:
    """File-system errors while reading `source`, raised as ScenarioError(source, [reason])."""
    try:
        yield
    except UnicodeDecodeError:
        raise ScenarioError(source, ["not a UTF-8 text file"]) from None
    except OSError as exc:
        raise ScenarioError(source, [exc.strerror or str(exc)]) from None


def scenario_data(scenario: ScenarioInput) -> tuple[str, dict[str, Any]]:
    """A scenario given as a built-in name, a TOML file's path or its data (a dict as TOML reads
    it): (its name or path for messages, its validated data). Raises ScenarioError naming every
    problem with its key path."""
    if isinstance(scenario, Mapping):
        raw = copy.deepcopy(dict(scenario))
        meta = raw.get("scenario")
        where = str(meta.get("name") or "scenario") if isinstance(meta, Mapping) else "scenario"
        validate(raw, where)
        return where, raw
    if isinstance(scenario, (str, os.PathLike)):
        source = os.fspath(scenario)
        with reading(source):
            return read_scenario(source)
    raise ScenarioError("--scenario", [f"a scenario is a name, a file or its data, not {type(scenario).__name__}"])


def _overrides(items: Overrides, option: str) -> dict[str, Any]:
    if items is None:
        return {}
    if isinstance(items, Mapping):
        bad = [k for k in items if not isinstance(k, str)]
        if bad:
            raise ScenarioError(option, [f"{bad[0]!r} is not a key path"])
        return dict(items)
    if isinstance(items, str) or not all(isinstance(x, str) for x in items):
        raise ScenarioError(option, ["give a dict of key paths and values, or a list of PATH=VALUE strings"])
    return parse_overrides(list(items), option)


def _world(where: str, raw: dict[str, Any], items: Overrides, option: str) -> dict[str, Any]:
    """The overrides every arm shares, checked against the scenario."""
    world = _overrides(items, option)
    if world:
        try:
            load_raw(where, raw, world)
        except ScenarioError as exc:
            raise ScenarioError(option, exc.problems) from None
    return world


def _count(option: str, value: Any, what: str) -> int:
    """A positive integer argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ScenarioError(option, [f"{what} must be a positive integer, not {value!r}"])
    return int(value)


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ScenarioError("--seed", [f"seed must be an integer between 0 and 2**63-1, not {value!r}"])
    return int(value)


def _factors(items: Any, option: str = "--factor") -> list[str]:
    if items is None:
        return []
    if isinstance(items, str) or not all(isinstance(x, str) for x in items):
        raise ScenarioError(option, ["give the names of the factors to switch off as a list"])
    return list(items)


def _text(option: str, value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ScenarioError(option, [f"{what} must be a string, not {value!r}"])
    return value


def _store(store: StoreInput) -> Store:
    if isinstance(store, Store):
        return store
    if store is not None and not isinstance(store, (str, os.PathLike)):
        raise ScenarioError("--store", [f"a store is a folder or a Store, not {type(store).__name__}"])
    return Store(DEFAULT_STORE if store is None else os.fspath(store))


@contextlib.contextmanager
def _backend(backend: BackendInput, scheduler: str | None, workers: int | None) -> Iterator[Backend]:
    """The backend given, or one made from its name (and closed afterwards)."""
    if isinstance(backend, Backend):
        if scheduler is not None or workers is not None:
            raise ScenarioError("--backend", ["give scheduler and workers to the Backend, not with it"])
        yield backend
        return
    if not isinstance(backend, str):
        raise ScenarioError("--backend", [f"a backend is 'local', 'dask' or a Backend, not {backend!r}"])
    if workers is not None:
        workers = _count("--workers", workers, "the number of workers")
    made = make_backend(backend, scheduler, workers)
    try:
        yield made
    finally:
        made.close()


# ------------------------------------------------------------------ running


@contextlib.contextmanager
def experiment_failures(exp: Experiment, store: Store) -> Iterator[None]:
    """Failures while an experiment runs, as one ScenarioError each that says how much of it is
    stored: an OS error on the store (`--store`) or elsewhere, and workers that fail
    (`BackendFailure`). A stop (KeyboardInterrupt with a `detail` attribute, as the command line
    raises for SIGTERM) gets that count as its detail."""

    def kept() -> str:
        try:
            done = len(store.done(exp.id))
        except OSError:  # pragma: no cover - the store cannot even be listed
            return "finished tasks are kept, rerun to resume"
        return f"{done} of {len(exp.tasks())} tasks are stored, rerun to resume"

    try:
        yield
    except KeyboardInterrupt as exc:
        if hasattr(exc, "detail"):
            exc.detail = kept()
        raise
    except BackendFailure as exc:
        raise ScenarioError(exc.where, [f"{exc.problem}; {kept()}"]) from None
    except OSError as exc:
        if os_errno(exc) is None:  # not an operating-system error: a library's own, shown as it is
            raise
        name = exc.filename
        if name is not None and _inside(str(name), store.root):
            raise ScenarioError("--store", [f"cannot write {name}: {os_reason(exc)}; {kept()}"]) from None
        what = f"{name}: {os_reason(exc)}" if name is not None else os_reason(exc)
        raise ScenarioError(f"experiment {exp.id}", [f"{what}; {kept()}"]) from None


def _inside(path: str, root: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(root.resolve())
    except (OSError, ValueError, RuntimeError):
        return False


Summariser: TypeAlias = "Callable[[Experiment, Store], dict[str, Any]]"


@dataclass(frozen=True)
class _Step:
    key: str | None  # where its summary goes in the result (None: it is the result)
    experiment: Experiment
    summarise: Summariser
    label: str


def _execute(step: _Step, store: Store, backend: Backend, progress: Progress, watch: Watch) -> dict[str, Any]:
    exp = step.experiment
    stage = Stage(step.label, exp, exp.runs, runs_done(exp, store))
    with (watch(stage) if watch is not None else contextlib.nullcontext(None)) as shown:
        def advance(n: int) -> None:
            if shown is not None:
                shown(n)
            if progress is not None:
                progress(n)

        with experiment_failures(exp, store):
            return an.run(exp, store, backend, step.summarise, advance)


def _run(steps: list[_Step], store: StoreInput, backend: BackendInput, scheduler: str | None,
         workers: int | None, progress: Progress, watch: Watch) -> dict[str, Any]:
    """Check the store and the backend, then run the steps through the store; the first step's
    summary is the result, the others' are added under their keys."""
    st = _store(store)
    st.check_writable()
    result: dict[str, Any] = {}
    with _backend(backend, scheduler, workers) as be:
        for step in steps:
            done = _execute(step, st, be, progress, watch)
            result = done if step.key is None else {**result, step.key: done}
    return result


def _replicates(value: Any, default: int) -> int:
    return default if value is None else _count("--replicates", value, "the number of replicates")


def _target_outcome(outcome: Any, target: Any, raw: dict[str, Any]) -> Outcome:
    outcome = _text("--outcome", outcome, "the outcome")
    if target is not None:
        target = _text("--target", target, "the target")
    return parse_outcome(outcome, raw, target or default_target(raw))


# ------------------------------------------------------------------ the experiments


def explain(scenario: ScenarioInput = "soviet-1924", *, target: str | None = None, outcome: str = "win",
            level: str = "groups", replicates: int | None = None, uncertainty: int = 0,
            draws_from: str = "worlds", seed: int = 0, set: Overrides = None, store: StoreInput = None,
            backend: BackendInput = "local", scheduler: str | None = None, workers: int | None = None,
            progress: Progress = None, watch: Watch = None) -> ExplainResult:
    """Exact Shapley attribution of an outcome's chance to the scenario's factors.

    The players are the factor groups (`level="groups"`: 2**3 = 8 coalitions in soviet-1924) or
    the factors (`level="factors"`: 2**12 = 4,096). Coalition S is the arm with the factors of S
    on and all others off; each replicate's Shapley values (Shapley 1953) are computed exactly
    over every coalition and sum to v(N) − v(∅). Arms share common random numbers.

    Args:
        scenario: a built-in name, a scenario TOML file, or its data as a dict.
        target: the leader's id whose outcome is explained (default: the scenario's main
            contender, the leader of its win-rate pattern, else its first leader).
        outcome: "win", "win_by:YYYY-MM", "defeated", "defeated_by:YYYY-MM" or "no_winner".
        level: "groups" or "factors".
        replicates: per arm (default 2,000 for groups, 200 for factors).
        uncertainty: also draw this many worlds and repeat the attribution in each with a quarter
            of the replicates (0: not).
        draws_from: where `uncertainty` draws its worlds: "worlds", the scenario's plausible
            worlds (the accepted draws of its calibration, named by `worlds` in its [scenario];
            weighted, with replacement; a scenario without them is refused), or "prior", each
            parameter uniformly from its prior range (the command's --prior).
        seed: 0 to 2**63-1.
        set: overrides of the world every arm shares: {"parameters.insight": 0.5} or
            ["parameters.insight=0.5"].
        store: the results store folder (default ".politburo") or a Store.
        backend: "local" or "dask", or a Backend (left open).
        scheduler: the Dask scheduler, "tcp://HOST:PORT" (backend "dask").
        workers: local worker processes (default: all cores).
        progress: called with the number of runs each finished task adds.
        watch: called with each `Stage` before it runs; returns a context manager that yields
            a callback for that stage's runs, or None (how the command shows its progress bars).

    Returns:
        ExplainResult, with `.uncertainty` set when `uncertainty` > 0.

    Raises:
        ScenarioError: a bad argument (named by its option: --level, --replicates, --target,
            --outcome, --uncertainty, --prior, --set, --store, --backend, --workers...), a
            scenario without plausible worlds to draw from (--uncertainty), a bad worlds file
            (named by the file), or a failure midway that says how many tasks are stored.
    """
    level = _text("--level", level, "the level")
    if level not in an.LEVELS:
        raise ScenarioError("--level", [f"unknown level {level!r} (use groups or factors)"])
    seed = _seed(seed)
    reps = _replicates(replicates, DEFAULT_REPLICATES["explain" if level == "groups" else "explain_factors"])
    draws = 0
    if uncertainty:
        draws = _count("--uncertainty", uncertainty, "the number of parameter draws")
    if draws_from not in DRAWS_FROM:
        raise ScenarioError("--prior", [f"draws_from must be 'worlds' or 'prior', not {draws_from!r}"])
    if draws_from == "prior" and not draws:
        raise ScenarioError("--prior", ["draws from the priors only with --uncertainty N"])
    where, raw = scenario_data(scenario)
    world = _world(where, raw, set, "--set")
    oc = _target_outcome(outcome, target, raw)
    worlds = _worlds(scenario, where, raw, world) if draws and draws_from == "worlds" else None
    steps = [_Step(None, an.build_explain(where, raw, world, level, reps, seed), an.summarise_explain(oc), "Explain")]
    if draws:
        unc = an.build_uncertainty(where, raw, world, level, max(1, reps // 4), draws, seed, worlds)
        steps.append(_Step("uncertainty", unc, an.summarise_uncertainty(oc), "Uncertainty"))
    data = _run(steps, store, backend, scheduler, workers, progress, watch)
    return _typed(ExplainResult, data, Inputs(where, raw, world, seed, oc))


def whatif(factors_off: Sequence[str] | None = None, set: Overrides = None, *,
           scenario: ScenarioInput = "soviet-1924", target: str | None = None, outcome: str = "win",
           replicates: int | None = None, seed: int = 0, world: Overrides = None, store: StoreInput = None,
           backend: BackendInput = "local", scheduler: str | None = None, workers: int | None = None,
           progress: Progress = None, watch: Watch = None) -> WhatifResult:
    """History against one counterfactual, paired under common random numbers: the outcome's
    chance and every principal's chance to win in both arms, their paired differences with 95%
    intervals, and the years of victory.

    Args:
        factors_off: the counterfactual's factors switched off, e.g. ["testament"].
        set: the counterfactual's changed values: {"parameters.insight": 1.0} or
            ["parameters.insight=1.0"]. At least one of `factors_off` and `set` is needed.
        world: overrides of the world both arms share (like `set` in `explain`).
        replicates: per arm (default 4,000).
        The other arguments are those of `explain`.

    Returns:
        WhatifResult.

    Raises:
        ScenarioError: no counterfactual (where "whatif"), an unknown factor (--factor), a bad
            value (--set, --world), or any argument `explain` refuses.
    """
    seed = _seed(seed)
    reps = _replicates(replicates, DEFAULT_REPLICATES["whatif"])
    where, raw = scenario_data(scenario)
    shared = _world(where, raw, world, "--world")
    off = _factors(factors_off)
    sets = _overrides(set, "--set")
    oc = _target_outcome(outcome, target, raw)
    exp = an.build_whatif(where, raw, shared, off, sets, reps, seed)
    data = _run([_Step(None, exp, an.summarise_whatif(oc), "What if")], store, backend, scheduler, workers,
                progress, watch)
    return _typed(WhatifResult, data, Inputs(where, raw, shared, seed, oc))


def inevitability(scenario: ScenarioInput = "soviet-1924", *, target: str | None = None, outcome: str = "win",
                  replicates: int | None = None, futures: int = 20, every: int = 3, threshold: float = 0.9,
                  seed: int = 0, set: Overrides = None, store: StoreInput = None, backend: BackendInput = "local",
                  scheduler: str | None = None, workers: int | None = None, progress: Progress = None,
                  watch: Watch = None) -> InevitabilityResult:
    """When did the outcome become inevitable? Baseline runs save their state every `every`
    months; from each saved state `futures` fresh futures (new random numbers) run to the end.
    For each saved month: the share of futures in which the outcome happens, over all runs and
    over the runs where it happened; the first month where that mean reaches `threshold`; and the
    median run's point of no return (its first saved month from which the chance stays at or
    above `threshold`).

    Args:
        replicates: baseline runs (default 200).
        futures: fresh futures per saved state (default 20).
        every: months between saved states (default 3).
        threshold: what counts as all but certain, strictly between 0 and 1 (default 0.9).
        The other arguments are those of `explain`.

    Returns:
        InevitabilityResult.

    Raises:
        ScenarioError: --futures, --every or --threshold out of range, or any argument `explain`
            refuses.
    """
    seed = _seed(seed)
    reps = _replicates(replicates, DEFAULT_REPLICATES["inevitability"])
    n_fut = _count("--futures", futures, "the number of futures")
    step = _count("--every", every, "the months between saved states")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise ScenarioError("--threshold", [f"threshold must lie between 0 and 1, not {threshold}"])
    where, raw = scenario_data(scenario)
    world = _world(where, raw, set, "--set")
    oc = _target_outcome(outcome, target, raw)
    exp = an.build_inevitability(where, raw, world, reps, n_fut, step, seed)
    data = _run([_Step(None, exp, an.summarise_inevitability(oc, float(threshold)), "Inevitability")], store,
                backend, scheduler, workers, progress, watch)
    return _typed(InevitabilityResult, data, Inputs(where, raw, world, seed, oc))


def claims(file: str | os.PathLike[str], *, scenario: ScenarioInput | None = None, replicates: int | None = None,
           seed: int = 0, set: Overrides = None, store: StoreInput = None, backend: BackendInput = "local",
           scheduler: str | None = None, workers: int | None = None, progress: Progress = None,
           watch: Watch = None) -> ClaimsResult:
    """Test an essay's claims (a TOML file, see `politburo.experiments.claims`): each effect claim's
    counterfactual against history, paired under common random numbers, and each main-reason
    claim against the exact Shapley values of the factor groups. A claim is supported when the
    95% interval lies on the claimed side, contradicted when it lies on the other, else not
    distinguishable from chance.

    Args:
        file: the claims file.
        scenario: default the file's `scenario`, else "soviet-1924".
        replicates: per arm (default 2,000).
        The other arguments are those of `explain`.

    Returns:
        ClaimsResult.

    Raises:
        ScenarioError: a claims file that cannot be read or has problems (named by the file and
            the claim), or any argument `explain` refuses.
    """
    path = os.fspath(_path("FILE", file))
    parsed = read_claims(path)
    seed = _seed(seed)
    reps = _replicates(replicates, DEFAULT_REPLICATES["claims"])
    where, raw = scenario_data(scenario if scenario is not None else parsed.scenario or "soviet-1924")
    world = _world(where, raw, set, "--set")
    exp, outcomes = build_claims(path, parsed, where, raw, world, reps, seed)
    main = parse_outcome("win", raw, default_target(raw))
    data = _run([_Step(None, exp, summarise_claims(parsed, outcomes), "Claims")], store, backend, scheduler,
                workers, progress, watch)
    return _typed(ClaimsResult, data, Inputs(where, raw, world, seed, main))


def _worlds(scenario: ScenarioInput, where: str, raw: dict[str, Any], world: dict[str, Any]) -> Worlds:
    """The scenario's plausible worlds, checked against its priors in the shared world (a `--set`
    may narrow a prior). Raises ScenarioError for a scenario that names none (--uncertainty) and
    for a bad file (named by the file)."""
    folder = scenario_folder(os.fspath(scenario)) if isinstance(scenario, (str, os.PathLike)) else None
    found = worlds_file(raw["scenario"].get("worlds"), folder)
    if found is None:
        problem = (f"scenario {where} has no plausible worlds to draw from (no worlds file in its [scenario]; a "
                   "calibration makes one): add --prior to draw the parameters uniformly from their priors")
        raise ScenarioError("--uncertainty", [problem])
    return read_worlds(*found, priors(load_raw(where, raw, world)))


def _path(option: str, value: Any) -> str | os.PathLike[str]:
    if not isinstance(value, (str, os.PathLike)):
        raise ScenarioError(option, [f"a file path, not {value!r}"])
    return value


def _typed(cls: Any, data: dict[str, Any], inputs: Inputs) -> Any:
    res = cls.from_dict(data)
    object.__setattr__(res, "inputs", inputs)
    return res


# ------------------------------------------------------------------ what a report adds


def report_extras(result: ExperimentResult, *, store: StoreInput = None, backend: BackendInput = "local",
                  scheduler: str | None = None, workers: int | None = None,
                  ensemble_runs: int = REPORT_ENSEMBLE, replicates: int = REPORT_REPLICATES,
                  progress: Progress = None, watch: Watch = None) -> dict[str, Any]:
    """What an HTML report shows besides the experiment (`politburo.report.write_report`'s
    `extra`): a sample run's chronicle (replicate 0 of the result's seed), the winner distribution
    of an ensemble of `ensemble_runs` runs (with Wilson 95% intervals, Wilson 1927), and the
    attribution by factor groups (`replicates` per arm) and the inevitability curve
    (`replicates` / 10 runs, 10 futures every 3 months) unless the result is one of them; those
    two run through the store like any experiment. Runs in the world and for the outcome of the
    result (claims: the main contender's win).

    Raises ScenarioError for a result without its inputs (one read back from a dict) and for
    the failures of `explain`."""
    from politburo.api import ensemble, simulate

    inp = result.inputs
    if inp is None:
        raise ScenarioError("--report", ["a report needs the result of a call, with its inputs"])
    ensemble_runs = _count("--report", ensemble_runs, "the runs of the report's ensemble")
    replicates = _count("--report", replicates, "the replicates of the report's experiments")
    sc = load_raw(inp.where, inp.raw, inp.world)
    extra: dict[str, Any] = {"sample_run": simulate(sc, inp.seed, 0).to_dict(),
                             "ensemble": ensemble(sc, ensemble_runs, inp.seed).summary()}
    steps = []
    if result.kind != "explain":
        exp = an.build_explain(inp.where, inp.raw, inp.world, "groups", replicates, inp.seed)
        steps.append(_Step("explain", exp, an.summarise_explain(inp.outcome), "Report: explain"))
    if result.kind != "inevitability":
        exp = an.build_inevitability(inp.where, inp.raw, inp.world, max(1, replicates // 10), 10, 3, inp.seed)
        steps.append(_Step("inevitability", exp, an.summarise_inevitability(inp.outcome), "Report: inevitability"))
    if steps:
        extra.update(_run(steps, store, backend, scheduler, workers, progress, watch))
    return extra
