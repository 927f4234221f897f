"""Every verdict the product gives, on cases whose true answer is known by construction.

The experiments' summaries (whatif, inevitability, explain, claims, parameter uncertainty) are
computed here from synthetic run tables written to a results store: which arm is higher, when
an outcome became certain and who the main reason is are known before the summary is read.
The claims' judgements are checked in both directions, and every kind of calibration pattern
passes or fails on a hand-built ensemble whose observed value is known."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import raw, scenario, spec
from scipy import stats as sps

from politburo.api import EnsembleResult
from politburo.experiments import analyses as an
from politburo.experiments import claims as cl
from politburo.experiments.outcomes import parse_outcome
from politburo.experiments.plan import Arm, Experiment
from politburo.experiments.store import Store
from politburo.fidelity import evaluate
from politburo.schema import Pattern

TUTORIAL = "tutorial"
L = 4  # the tutorial's principals: halvas, brenn, korvath, lusk


def _date(month: int) -> str:
    return spec(TUTORIAL).date(month)


def _store(tmp_path: Path, exp: Experiment, arm: list[int], replicate: list[int], winner: list[int],
           victory: list[int] | None = None, branch_month: list[int] | None = None,
           future: list[int] | None = None) -> Store:
    """A store holding exactly the given runs of `exp` (one Parquet file, as a task writes)."""
    n = len(arm)
    vic = victory if victory is not None else [10 if w >= 0 else -1 for w in winner]
    cols: dict[str, Any] = {
        "arm": np.array(arm, dtype=np.int32), "replicate": np.array(replicate, dtype=np.int64),
        "branch_month": np.array(branch_month if branch_month is not None else [-1] * n, dtype=np.int16),
        "future": np.array(future if future is not None else [-1] * n, dtype=np.int32),
        "winner": np.array(winner, dtype=np.int8), "victory": np.array(vic, dtype=np.int16)}
    for i in range(L):
        cols[f"defeated_{i}"] = np.full(n, -1, dtype=np.int16)
    store = Store(tmp_path / "store")
    folder = store.folder(exp.id) / "tasks"
    folder.mkdir(parents=True)
    pq.write_table(pa.table(cols), folder / "synthetic.parquet")
    return store


def _normal_ci(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=float)
    if x.std() == 0:
        return float(x.mean()), float(x.mean())
    lo, hi = sps.norm.interval(0.95, loc=x.mean(), scale=sps.sem(x))
    return float(lo), float(hi)


def _check_ci(d: dict[str, float], x: np.ndarray) -> None:
    lo, hi = _normal_ci(x)
    assert d["mean"] == pytest.approx(float(np.mean(x)), abs=1e-12)
    assert d["low"] == pytest.approx(lo, abs=1e-12) and d["high"] == pytest.approx(hi, abs=1e-12)


# ---------------------------------------------------------------- whatif


def _whatif(tmp_path: Path, base: list[int], cf: list[int], vic_base: list[int], vic_cf: list[int],
            target: str = "halvas") -> dict[str, Any]:
    r = raw(TUTORIAL)
    R = len(base)
    exp = Experiment("whatif", TUTORIAL, r, {}, [Arm.make(), Arm.make(["levy"])], 1, R)
    store = _store(tmp_path, exp, [0] * R + [1] * R, list(range(R)) * 2, base + cf, vic_base + vic_cf)
    return an.summarise_whatif(parse_outcome("win", r, target))(exp, store)


def _winners(counts: dict[int, int], seed: int) -> list[int]:
    out = [w for w, k in counts.items() for _ in range(k)]
    return [int(x) for x in np.random.default_rng(seed).permutation(out)]


@pytest.mark.parametrize("direction", ["lowers", "raises"])
def test_whatif_finds_the_direction_of_a_known_change(tmp_path: Path, direction: str) -> None:
    """Halvas wins 70 of 100 runs in history and 30 with the counterfactual (or the reverse)."""
    hi, lo = _winners({0: 70, 1: 20, -1: 10}, 1), _winners({0: 30, 1: 50, 2: 5, -1: 15}, 2)
    base, cf = (hi, lo) if direction == "lowers" else (lo, hi)
    vb = [12 + 2 * (k % 7) if w >= 0 else -1 for k, w in enumerate(base)]
    vc = [20 + 3 * (k % 5) if w >= 0 else -1 for k, w in enumerate(cf)]
    res = _whatif(tmp_path, base, cf, vb, vc)
    b, c = np.array(base), np.array(cf)
    _check_ci(res["effect"]["baseline"], (b == 0) * 1.0)
    _check_ci(res["effect"]["counterfactual"], (c == 0) * 1.0)
    _check_ci(res["effect"]["difference"], (c == 0) * 1.0 - (b == 0) * 1.0)
    assert res["effect"]["difference"]["mean"] == pytest.approx(-0.4 if direction == "lowers" else 0.4)
    assert f"{direction} it by 40.0%" in res["verdict"]
    assert ("from 70.0% to 30.0%" if direction == "lowers" else "from 30.0% to 70.0%") in res["verdict"]
    rows = {row["name"]: row for row in res["leaders"]}
    names = spec(TUTORIAL).leader_names
    for i, name in [*enumerate(names), (-1, "nobody")]:
        _check_ci(rows[name]["baseline"], (b == i) * 1.0)
        _check_ci(rows[name]["difference"], (c == i) * 1.0 - (b == i) * 1.0)
    for i, name in enumerate(names):
        for key, w, v in (("median_victory_baseline", base, vb), ("median_victory_counterfactual", cf, vc)):
            months = [m for x, m in zip(w, v, strict=True) if x == i]
            assert rows[name][key] == (_date(int(statistics.median(months))) if months else None)
    # the year of victory, as a share of all runs, in each arm
    for y in res["victory_years"]:
        for key, v in (("baseline", vb), ("counterfactual", vc)):
            n = sum(1 for m in v if m >= 0 and 1950 + m // 12 == y["year"])
            assert y[key] == pytest.approx(n / 100)
    assert sum(y["baseline"] for y in res["victory_years"]) == pytest.approx(0.9 if direction == "lowers" else 0.85)


def test_whatif_calls_a_change_inside_the_noise_no_difference(tmp_path: Path) -> None:
    base = [0] * 50 + [1] * 50
    cf = list(base)
    for k in (0, 1, 50, 51):  # two runs lost, two gained: no net change
        cf[k] = 1 - cf[k]
    res = _whatif(tmp_path, base, cf, [10] * 100, [10] * 100)
    d = res["effect"]["difference"]
    assert d["low"] < 0 < d["high"]
    assert "makes no difference that these replicates can distinguish from chance" in res["verdict"]


def test_whatif_verdict_by_hand() -> None:
    out = parse_outcome("win", raw(TUTORIAL), "brenn")
    eff = {"baseline": {"mean": 0.5}, "counterfactual": {"mean": 0.2},
           "difference": {"mean": -0.3, "low": -0.35, "high": -0.25, "half": 0.05}}
    assert "lowers it by 30.0% ± 5.0%" in an.whatif_verdict(out, "x=off", eff)
    eff["difference"] = {"mean": 0.02, "low": 0.01, "high": 0.03, "half": 0.01}
    assert "raises it by 2.0% ± 1.0%" in an.whatif_verdict(out, "x=off", eff)
    eff["difference"] = {"mean": 0.02, "low": -0.01, "high": 0.05, "half": 0.03}
    assert "makes no difference" in an.whatif_verdict(out, "x=off", eff)


# ---------------------------------------------------------------- inevitability

EVERY, FUTURES = 12, 20  # saved months 0, 12, 24, 36, 48 of the tutorial's 60
# Hits (of 20 futures) at each saved month, by kind of run. Runs of kind A reach 0.95 at month 36,
# of kind B at month 24; those of kind C are at 0.95 from the start, dip at month 12 and stay at
# 0.95 from month 24. The outcome happens in all three; in kind N it never happens.
KINDS = {"A": ([10, 10, 10, 19, 20], True, 4), "B": ([10, 10, 19, 19, 20], True, 2),
         "C": ([19, 10, 19, 19, 20], True, 3), "N": ([2, 2, 2, 2, 2], False, 6)}


def _inevitability(tmp_path: Path, kinds: dict[str, tuple[list[int], bool, int]]) -> dict[str, Any]:
    """The summary of runs of each kind (hits at each saved month, whether the outcome
    happened, how many runs of the kind)."""
    r = raw(TUTORIAL)
    runs = [(hits, happened) for hits, happened, n in kinds.values() for _ in range(n)]
    R = len(runs)
    exp = Experiment("inevitability", TUTORIAL, r, {}, [Arm.make()], 1, R, FUTURES, EVERY)
    arm, rep, win, bm, fut = [], [], [], [], []
    for rr, (hits, happened) in enumerate(runs):
        arm.append(0), rep.append(rr), win.append(0 if happened else 1), bm.append(-1), fut.append(-1)
        for k, m in enumerate(range(0, 60, EVERY)):
            for f in range(FUTURES):
                arm.append(0), rep.append(rr), win.append(0 if f < hits[k] else -1), bm.append(m), fut.append(f)
    store = _store(tmp_path, exp, arm, rep, win, None, bm, fut)
    return an.summarise_inevitability(parse_outcome("win", r, "halvas"))(exp, store)


def test_inevitability_finds_when_a_known_outcome_became_certain(tmp_path: Path) -> None:
    """Among the 9 runs where it happened, the mean chance is (4·0.5 + 5·0.95)/9 = 0.75 at month
    24 and 0.95 at month 36: all but certain (≥ 0.9) from January 1953. The point of no return
    (the first month from which the chance stays ≥ 0.9) is month 36 in 4 runs and month 24 in
    5 (kind C's first month above does not count: it dips after it): its median is January 1952."""
    res = _inevitability(tmp_path, KINDS)
    assert res["all_but_certain"] == _date(36) == "January 1953"
    assert res["median_point_of_no_return"] == _date(24) == "January 1952"
    assert res["runs_with_point_of_no_return"] == 9
    _check_ci(res["final"], np.array([1.0] * 9 + [0.0] * 6))
    given = [c["given_outcome"] for c in res["curve"]]
    assert [g["mean"] for g in given] == pytest.approx([(6 * 0.5 + 3 * 0.95) / 9, 0.5, 0.75, 0.95, 1.0])
    # month 24: four 0.5s and five 0.95s; the 10th, 50th and 90th percentiles (linear)
    assert (given[2]["p10"], given[2]["median"], given[2]["p90"]) == pytest.approx((0.5, 0.95, 0.95))
    assert [c["given_other"]["mean"] for c in res["curve"]] == pytest.approx([0.1] * 5)
    all_runs = [np.array([h[k] / FUTURES for h, _, n in KINDS.values() for _ in range(n)]) for k in range(5)]
    for c, p in zip(res["curve"], all_runs, strict=True):
        _check_ci(c["probability"], p)
    assert "from January 1953" in res["verdict"] and "in January 1952" in res["verdict"]
    assert "(60% of all)" in res["verdict"]


def test_a_point_of_no_return_comes_after_the_last_dip(tmp_path: Path) -> None:
    """Three runs are at 0.95 at month 0, dip below the threshold at 12 and 24 and stay above it
    from 36; two stay above it from 24. The median point of no return is month 36, not 0."""
    kinds = {"C": ([19, 10, 10, 19, 20], True, 3), "B": ([10, 10, 19, 19, 20], True, 2),
             "N": ([2, 2, 2, 2, 2], False, 1)}
    res = _inevitability(tmp_path, kinds)
    assert res["median_point_of_no_return"] == _date(36)
    assert res["runs_with_point_of_no_return"] == 5


def test_the_inevitability_curves_percentiles(tmp_path: Path) -> None:
    """Eleven runs where the outcome happened, each with its own chances, and four where it did
    not: every saved month's mean, 10th, 50th and 90th percentiles (linear interpolation, as
    the 'inclusive' method of the statistics module) among the first, mean among the others."""
    rng = np.random.default_rng(6)
    hits = rng.integers(0, FUTURES + 1, (15, 5))
    kinds = {f"run{i}": (hits[i].tolist(), i < 11, 1) for i in range(15)}
    res = _inevitability(tmp_path, kinds)
    p = hits / FUTURES
    for k, c in enumerate(res["curve"]):
        yes = p[:11, k].tolist()
        deciles = statistics.quantiles(yes, n=10, method="inclusive")
        g = c["given_outcome"]
        assert g["mean"] == pytest.approx(statistics.fmean(yes), abs=1e-12)
        assert (g["p10"], g["median"], g["p90"]) == pytest.approx(
            (deciles[0], statistics.median(yes), deciles[-1]), abs=1e-12)
        assert c["given_other"]["mean"] == pytest.approx(statistics.fmean(p[11:, k].tolist()), abs=1e-12)
        _check_ci(c["probability"], p[:, k])
        assert c["month"] == 12 * k and c["date"] == _date(12 * k)


def test_inevitability_of_an_outcome_that_never_becomes_certain(tmp_path: Path) -> None:
    kinds = {"A": ([10, 10, 10, 17, 17], True, 3), "N": ([2, 2, 2, 2, 2], False, 2)}
    res = _inevitability(tmp_path, kinds)
    assert res["all_but_certain"] is None and res["median_point_of_no_return"] is None
    assert "never became all but certain" in res["verdict"] and "60% of runs" in res["verdict"]


# ---------------------------------------------------------------- explain: the main reason


def _game_rows(values: np.ndarray, offset: int = 0) -> tuple[list[int], list[int], list[int]]:
    """Runs of a 0/1 game: arm offset+S of replicate r is won by halvas (0) when values[r, S] is 1,
    by brenn (1) otherwise."""
    R, m = values.shape
    arm, rep, win = [], [], []
    for r in range(R):
        for s in range(m):
            arm.append(offset + s), rep.append(r), win.append(0 if values[r, s] else 1)
    return arm, rep, win


def _coalitions(n: int, rule: Any) -> np.ndarray:
    return np.array([rule({i for i in range(n) if s >> i & 1}) for s in range(1 << n)], dtype=float)


def _explain(tmp_path: Path, values: np.ndarray) -> dict[str, Any]:
    r = raw(TUTORIAL)
    exp = an.build_explain(TUTORIAL, r, {}, "groups", values.shape[0], 1)
    store = _store(tmp_path, exp, *_game_rows(values))
    return an.summarise_explain(parse_outcome("win", r, "halvas"))(exp, store)


def test_explain_names_the_player_the_outcome_needs(tmp_path: Path) -> None:
    """Halvas wins exactly when 'position' is on (player 0) in 30 of 40 replicates, and never in
    the rest: position's Shapley value is 0.75, the others' 0, its share 100%."""
    values = np.array([_coalitions(3, lambda s: 0 in s)] * 30 + [_coalitions(3, lambda s: False)] * 10)
    res = _explain(tmp_path, values)
    assert res["top"] == "position" and res["ranking"][0] == "position"
    phi = {p["id"]: p for p in res["players"]}
    _check_ci(phi["position"]["shapley"], np.array([1.0] * 30 + [0.0] * 10))
    assert phi["rivals_errors"]["shapley"]["mean"] == 0.0 and phi["ideology"]["shapley"]["mean"] == 0.0
    assert phi["position"]["share"]["mean"] == pytest.approx(1.0)
    assert "the main reason is position" in res["verdict"] and "100%" in res["verdict"]
    assert "cannot be told apart" not in res["verdict"]
    # every coalition's chance: 0.75 with position on, 0 without
    assert [c["rate"]["mean"] for c in res["coalitions"]] == pytest.approx([0.75 * (s & 1) for s in range(8)])


def test_explain_cannot_tell_two_equal_players_apart(tmp_path: Path) -> None:
    """Halvas wins when 'position' is on in 10 replicates, when 'ideology' is on in 10 others
    (players 0 and 2): equal mean Shapley values, 0.5 each, with a paired difference of ±1."""
    values = np.array([_coalitions(3, lambda s: 0 in s)] * 10 + [_coalitions(3, lambda s: 2 in s)] * 10)
    res = _explain(tmp_path, values)
    assert res["top"] in ("position", "ideology")
    other = "ideology" if res["top"] == "position" else "position"
    assert res["ranking"][1] == other
    label = {"position": "position", "ideology": "ideology"}[other]
    assert f"It cannot be told apart from {label}" in res["verdict"]


def test_explain_credits_no_factor_when_the_outcome_does_not_depend_on_them(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    values = np.repeat(rng.integers(0, 2, (30, 1)), 8, axis=1).astype(float)  # the same in every coalition
    res = _explain(tmp_path, values)
    assert res["advantage"]["mean"] == 0.0
    assert res["verdict"].startswith("By this model no factor can be credited")


# ---------------------------------------------------------------- claims


D = {"clearly_lower": {"mean": -0.3, "low": -0.35, "high": -0.25},
     "clearly_higher": {"mean": 0.3, "low": 0.25, "high": 0.35},
     "straddles_zero": {"mean": 0.01, "low": -0.04, "high": 0.06},
     "slightly_lower": {"mean": -0.05, "low": -0.07, "high": -0.03},
     "tiny": {"mean": 0.001, "low": -0.01, "high": 0.012}}


@pytest.mark.parametrize("diff, expect, at_least, verdict", [
    ("clearly_lower", "lower", None, cl.SUPPORTED),
    ("clearly_higher", "lower", None, cl.CONTRADICTED),
    ("straddles_zero", "lower", None, cl.UNCLEAR),
    ("clearly_higher", "higher", None, cl.SUPPORTED),
    ("clearly_lower", "higher", None, cl.CONTRADICTED),
    ("straddles_zero", "higher", None, cl.UNCLEAR),
    ("clearly_lower", "lower", 0.2, cl.SUPPORTED),   # the whole interval beyond -0.2
    ("clearly_lower", "lower", 0.3, cl.UNCLEAR),     # -0.35 to -0.25 straddles -0.3
    ("slightly_lower", "lower", 0.2, cl.CONTRADICTED),  # certainly lower, but by less than claimed
    ("clearly_higher", "higher", 0.4, cl.CONTRADICTED),
    ("tiny", "no_effect", None, cl.SUPPORTED),       # inside ±2 points
    ("straddles_zero", "no_effect", None, cl.UNCLEAR),
    ("clearly_lower", "no_effect", None, cl.CONTRADICTED),
    ("clearly_higher", "no_effect", None, cl.CONTRADICTED),
    ("straddles_zero", "no_effect", 0.1, cl.SUPPORTED),
])
def test_judge_difference(diff: str, expect: str, at_least: float | None, verdict: str) -> None:
    assert cl.judge_difference(D[diff], expect, at_least) == verdict


@pytest.mark.parametrize("p, below, above, verdicts", [
    ({"low": 0.1, "high": 0.2}, 0.3, None, [cl.SUPPORTED]),
    ({"low": 0.4, "high": 0.5}, 0.3, None, [cl.CONTRADICTED]),
    ({"low": 0.25, "high": 0.35}, 0.3, None, [cl.UNCLEAR]),
    ({"low": 0.4, "high": 0.5}, None, 0.3, [cl.SUPPORTED]),
    ({"low": 0.1, "high": 0.2}, None, 0.3, [cl.CONTRADICTED]),
    ({"low": 0.25, "high": 0.35}, None, 0.3, [cl.UNCLEAR]),
    ({"low": 0.4, "high": 0.5}, 0.6, 0.3, [cl.SUPPORTED, cl.SUPPORTED]),
])
def test_judge_level(p: dict[str, float], below: float | None, above: float | None, verdicts: list[str]) -> None:
    assert cl.judge_level(p, below, above) == verdicts


def test_combine_verdicts() -> None:
    assert cl.combine([cl.SUPPORTED, cl.SUPPORTED]) == cl.SUPPORTED
    assert cl.combine([cl.SUPPORTED, cl.UNCLEAR]) == cl.UNCLEAR
    assert cl.combine([cl.SUPPORTED, cl.CONTRADICTED, cl.UNCLEAR]) == cl.CONTRADICTED
    assert cl.combine([]) == cl.UNCLEAR


CLAIMS = """title = "Known answers"
[[claims]]
id = "down"
text = "Without the levy Halvas would have won less often."
factors_off = ["levy"]
target = "halvas"
expect = "lower"

[[claims]]
id = "up"
text = "Without the levy Halvas would have won more often."
factors_off = ["levy"]
target = "halvas"
expect = "higher"

[[claims]]
id = "level"
text = "Without the levy Halvas would have won under half the time."
factors_off = ["levy"]
target = "halvas"
below = 0.5

[[claims]]
id = "position"
text = "Position was the main reason."
kind = "main_reason"
player = "position"
target = "halvas"

[[claims]]
id = "ideology"
text = "Ideology was the main reason."
kind = "main_reason"
player = "ideology"
target = "halvas"
"""


def test_claims_verdicts_on_a_known_world(tmp_path: Path) -> None:
    """In 40 replicates Halvas wins exactly when 'position' is on, except one replicate in four
    in which he never wins. Switching the levy (a position factor) off is the coalition in which
    position is off: his chance falls from 75% to 0."""
    path = tmp_path / "claims.toml"
    path.write_text(CLAIMS)
    claims = cl.read_claims(str(path))
    r = raw(TUTORIAL)
    exp, outcomes = cl.build_claims(str(path), claims, TUTORIAL, r, {}, 40, 1)
    # arm 0 history, arm 1 levy off, then the eight coalitions of the groups (some shared)
    assert exp.arms[0].label == "history" and exp.arms[1].label == "levy=off"
    position_on = [0 in {i for i, g in enumerate(an.players(r, "groups")[1]) if not set(g) & set(a.factors_off)}
                   for a in exp.arms]
    assert position_on[:2] == [True, False]
    arm, rep, win = [], [], []
    for rr in range(40):
        for a, on in enumerate(position_on):
            arm.append(a), rep.append(rr), win.append(0 if on and rr % 4 else 1)
    store = _store(tmp_path, exp, arm, rep, win)
    res = cl.summarise_claims(claims, outcomes)(exp, store)
    verdicts = {c["id"]: c["verdict"] for c in res["claims"]}
    assert verdicts == {"down": cl.SUPPORTED, "up": cl.CONTRADICTED, "level": cl.SUPPORTED,
                        "position": cl.SUPPORTED, "ideology": cl.CONTRADICTED}
    down = res["claims"][0]
    _check_ci(down["difference"], np.array([0.0 - (1.0 if rr % 4 else 0.0) for rr in range(40)]))
    assert res["counts"] == {cl.SUPPORTED: 3, cl.CONTRADICTED: 2, cl.UNCLEAR: 0}


UNDECIDED = """title = "An undecided attribution"
[[claims]]
id = "position"
text = "Position was the main reason."
kind = "main_reason"
player = "position"
target = "halvas"

[[claims]]
id = "rivals"
text = "Rivals' errors were the main reason."
kind = "main_reason"
player = "rivals_errors"
target = "halvas"
"""


def test_main_reason_claims_between_two_close_players(tmp_path: Path) -> None:
    """In 11 of 20 replicates Halvas wins exactly when 'position' is on, in the other 9 exactly
    when 'rivals' errors' is: Shapley values 0.55 and 0.45 with overlapping intervals (and 0 for
    ideology). Neither claim can be told from chance: each is above ideology, not above the other,
    and neither is beaten by the other."""
    path = tmp_path / "claims.toml"
    path.write_text(UNDECIDED)
    claims = cl.read_claims(str(path))
    r = raw(TUTORIAL)
    exp, outcomes = cl.build_claims(str(path), claims, TUTORIAL, r, {}, 20, 1)
    groups = an.players(r, "groups")[1]
    on = [{i for i, g in enumerate(groups) if not set(g) & set(a.factors_off)} for a in exp.arms]
    arm, rep, win = [], [], []
    for rr in range(20):
        for a, present in enumerate(on):
            arm.append(a), rep.append(rr), win.append(0 if (0 if rr < 11 else 1) in present else 1)
    res = cl.summarise_claims(claims, outcomes)(exp, _store(tmp_path, exp, arm, rep, win))
    phi = {p["id"]: p["shapley"] for p in res["claims"][0]["attribution"]}
    _check_ci(phi["position"], np.array([1.0] * 11 + [0.0] * 9))
    _check_ci(phi["rivals_errors"], np.array([0.0] * 11 + [1.0] * 9))
    assert phi["position"]["low"] < phi["rivals_errors"]["high"] and phi["ideology"]["high"] == 0.0
    assert [c["verdict"] for c in res["claims"]] == [cl.UNCLEAR, cl.UNCLEAR]


# ---------------------------------------------------------------- parameter uncertainty


def test_uncertainty_summary_on_known_draws(tmp_path: Path) -> None:
    """12 parameter draws, 34 replicates each. In draw d Halvas wins with 'position' on in k_d
    replicates, with 'rivals' errors' on in j_d others, and whatever the factors in 2 more
    (he wins with every factor off too: shares are of the advantage over the all-off world);
    k_d rises with the draw's value of bandwagon, so position's Shapley value has rank
    correlation +1 with it."""
    r = raw(TUTORIAL)
    draws, R = 12, 34
    exp = an.build_uncertainty(TUTORIAL, r, {}, "groups", R, draws, 3)
    worlds = an.prior_draws(r, draws, 3)
    x = np.array([w["parameters.bandwagon"] for w in worlds])
    k = np.empty(draws, dtype=int)
    k[np.argsort(x)] = 2 * np.arange(draws) + 1  # 1, 3, ..., 23, increasing with bandwagon
    j = np.array([8, 2] * 6)  # even: never equal to k
    arm, rep, win = [], [], []
    for d in range(draws):
        for rr in range(R):
            def rule(s: set[int], rr: int = rr, d: int = d) -> bool:
                return ((rr < k[d] and 0 in s) or (k[d] <= rr < k[d] + j[d] and 1 in s)
                        or k[d] + j[d] <= rr < k[d] + j[d] + 2)
            a, p, w = _game_rows(_coalitions(3, rule)[None, :], offset=8 * d)
            arm += a
            rep += [rr] * len(p)
            win += w
    store = _store(tmp_path, exp, arm, rep, win)
    res = an.summarise_uncertainty(parse_outcome("win", r, "halvas"))(exp, store)
    phi0, phi1 = k / R, j / R
    rows = {p["id"]: p for p in res["players"]}

    def quantiles(v: np.ndarray) -> tuple[float, float, float]:
        q = statistics.quantiles(v.tolist(), n=20, method="inclusive")  # cut points 5%, 10%, ..., 95%
        return q[0], statistics.median(v.tolist()), q[-1]

    for pid, phi in (("position", phi0), ("rivals_errors", phi1), ("ideology", np.zeros(draws))):
        got = rows[pid]["shapley"]
        assert (got["p5"], got["median"], got["p95"]) == pytest.approx(quantiles(phi), abs=1e-12)
    share0 = phi0 / (phi0 + phi1)
    got = rows["position"]["share"]
    assert (got["p5"], got["median"], got["p95"]) == pytest.approx(quantiles(share0), abs=1e-12)
    lead = phi0 > phi1  # (no draw has the two equal)
    assert not (phi0 == phi1).any()
    assert rows["position"]["main_reason_in"] == pytest.approx(lead.mean())
    assert rows["rivals_errors"]["main_reason_in"] == pytest.approx(1 - lead.mean())
    assert res["most_often_main_reason"] == "position"
    top = res["sensitivity"][0]
    assert top["parameter"] == "bandwagon" and top["rank_correlation"] == pytest.approx(1.0)
    for s in res["sensitivity"]:
        xs = np.array([w[f"parameters.{s['parameter']}"] for w in worlds])
        assert s["rank_correlation"] == pytest.approx(sps.spearmanr(xs, phi0).statistic, abs=1e-12)
    on = (k + j + 2) / R
    assert res["all_on"]["median"] == pytest.approx(statistics.median(on.tolist()))
    assert f"position is the main reason in {lead.mean():.0%}" in res["verdict"]
    assert "depends most on bandwagon (rank correlation +1.00)" in res["verdict"]


# ---------------------------------------------------------------- the outcomes experiments measure


def test_outcomes_by_hand() -> None:
    """Five runs of the tutorial (months from January 1950; September 1951 is month 20)."""
    r = raw(TUTORIAL)
    rows = {"winner": np.array([0, 0, 1, -1, 0]), "victory": np.array([10, 20, 15, -1, 21]),
            "defeated_0": np.full(5, -1), "defeated_1": np.array([5, -1, 30, 20, 21])}
    cases = {("win", "halvas"): [1, 1, 0, 0, 1], ("win_by:1951-09", "halvas"): [1, 1, 0, 0, 0],
             ("win", "brenn"): [0, 0, 1, 0, 0], ("defeated", "brenn"): [1, 0, 1, 1, 1],
             ("defeated_by:1951-09", "brenn"): [1, 0, 0, 1, 0], ("no_winner", "brenn"): [0, 0, 0, 1, 0]}
    for (spec_, target), hit in cases.items():
        out = parse_outcome(spec_, r, target)
        assert out.evaluate(rows).tolist() == hit, spec_
    assert parse_outcome("win_by:1951-09", r, "halvas").month == 20


# ---------------------------------------------------------------- calibration patterns

SOVIET = "soviet-1924"


def _ens(n: int, **arrays: Any) -> EnsembleResult:
    sc = scenario(SOVIET)
    sp = spec(SOVIET)
    T = sp.months
    base: dict[str, Any] = {
        "winner": np.full(n, -1), "victory": np.full(n, -1), "defeated": np.full((n, sp.L), -1),
        "sanctions": np.full((n, sp.L, 7), -1), "office_lost": np.full((n, sp.O), -1),
        "coalitions": np.zeros((n, T, sp.L), dtype=np.int64), "committee_share": np.zeros((n, T, sp.L)),
        "members": np.ones((n, T)), "positions": np.zeros((n, T, sp.L, len(sp.axis_names)), dtype=np.float32)}
    base.update(arrays)
    return EnsembleResult(scenario=sc, spec=sp, seed=0, runs=n, votes={}, **base)


def _pattern(**kw: Any) -> Pattern:
    return Pattern(id=0, text="t", **kw)


S, T_, Z, K, B = 0, 1, 2, 3, 4  # stalin, trotsky, zinoviev, kamenev, bukharin


def _check(p: Pattern, ens: EnsembleResult, observed: float, passed: bool, off: EnsembleResult | None = None) -> None:
    res = evaluate(p, ens, None if off is None else {"every factor off": off})
    assert res.observed == pytest.approx(observed, abs=1e-12)
    assert res.passed is passed


@pytest.mark.parametrize("wins, passed", [(11, True), (10, True), (9, False)])
def test_pattern_win_rate(wins: int, passed: bool) -> None:
    w = np.array([S] * wins + [T_] * (20 - wins))
    _check(_pattern(kind="win_rate", leader="stalin", min=0.5), _ens(20, winner=w), wins / 20, passed)


@pytest.mark.parametrize("trotsky, passed", [(5, True), (6, True), (7, False)])
def test_pattern_max_other_win_rate(trotsky: int, passed: bool) -> None:
    w = np.array([S] * 8 + [T_] * trotsky + [Z] * 4 + [-1] * (12 - trotsky))
    res = evaluate(_pattern(kind="max_other_win_rate", leader="stalin", max=0.25), _ens(24, winner=w))
    assert res.observed == pytest.approx(max(trotsky, 4) / 24) and res.passed is passed
    assert res.detail == f"highest: Trotsky ({trotsky} of 24 runs)"


def test_pattern_elimination_order() -> None:
    """Six Stalin wins: two follow Trotsky, then Zinoviev and Kamenev (either order), then
    Bukharin; one has Bukharin before Kamenev; one leaves Bukharin standing; one has Zinoviev
    before Trotsky; a third good one ties at the boundary (allowed). Runs won by others do not count."""
    d = np.full((7, 7), -1)
    d[0, [T_, Z, K, B]] = [3, 10, 8, 20]
    d[1, [T_, Z, K, B]] = [3, 8, 10, 20]
    d[2, [T_, Z, K, B]] = [3, 8, 21, 20]
    d[3, [T_, Z, K]] = [3, 8, 10]
    d[4, [T_, Z, K, B]] = [9, 8, 10, 20]
    d[5, [T_, Z, K, B]] = [3, 8, 10, 10]
    d[6, [T_, Z, K, B]] = [30, 1, 1, 1]
    w = np.array([S, S, S, S, S, S, T_])
    p = _pattern(kind="elimination_order", leader="stalin", order=[["trotsky"], ["zinoviev", "kamenev"], ["bukharin"]],
                 min=0.5)
    res = evaluate(p, _ens(7, winner=w, defeated=d))
    assert res.observed == pytest.approx(3 / 6) and res.passed and res.detail == "3 of 6 wins"


def test_pattern_coalition_by_and_ever() -> None:
    sp = spec(SOVIET)
    n, T = 5, sp.months
    c = np.zeros((n, T, sp.L), dtype=np.int64)
    szk = (1 << S) | (1 << Z) | (1 << K)
    dec = scenario(SOVIET).month("1924-12")
    c[0, dec, T_] = szk  # in time, against Trotsky
    c[1, dec + 1, T_] = szk  # a month late
    c[2, 3, Z] = szk | (1 << B)  # in time, a larger coalition, but against Zinoviev
    c[3, 2, T_] = (1 << S) | (1 << Z)  # Kamenev missing
    c[4, 0, T_] = szk | (1 << 5)  # in time, larger: counts
    ens = _ens(n, coalitions=c)
    _check(_pattern(kind="coalition_by", members=["stalin", "zinoviev", "kamenev"], target="trotsky", by="1924-12",
                    min=0.4), ens, 2 / 5, True)
    _check(_pattern(kind="coalition_by", members=["stalin", "zinoviev", "kamenev"], target="trotsky", by="1924-12",
                    min=0.41), ens, 2 / 5, False)
    # without a target or date, any month and any target count
    _check(_pattern(kind="coalition_ever", members=["stalin", "zinoviev", "kamenev"], min=0.8), ens, 4 / 5, True)


def test_pattern_office_lost_by() -> None:
    sc = scenario(SOVIET)
    war = [o.id for o in sc.offices].index("war")
    by = sc.month("1925-12")
    lost = np.full((4, spec(SOVIET).O), -1)
    lost[:, war] = [by, by + 1, -1, 0]
    _check(_pattern(kind="office_lost_by", office="war", by="1925-12", min=0.5), _ens(4, office_lost=lost), 0.5, True)
    _check(_pattern(kind="office_lost_by", office="war", by="1925-12", min=0.6), _ens(4, office_lost=lost), 0.5, False)


@pytest.mark.parametrize("scale, passed", [(1.2, True), (0.74, False)])
def test_pattern_membership(scale: float, passed: bool) -> None:
    """Simulated membership a fixed multiple of the record at the last point, exact elsewhere:
    the error is |scale − 1|."""
    sc = scenario(SOVIET)
    T = spec(SOVIET).months
    members = np.ones((3, T))
    pts = sc.membership_record
    for pt in pts:
        members[:, sc.month(pt.date)] = pt.members
    last = sc.month(pts[-1].date)
    members[:, last] = pts[-1].members * scale * np.array([0.9, 1.0, 1.1])  # mean: scale × record
    _check(_pattern(kind="membership", tolerance=0.25), _ens(3, members=members), abs(scale - 1), passed)


def test_pattern_committee_majority_by() -> None:
    sp = spec(SOVIET)
    t = scenario(SOVIET).month("1927-12")
    share = np.zeros((5, sp.months, sp.L))
    share[:, t, S] = [0.6, 0.5, 0.51, 0.9, 0.9]  # exactly half is no majority
    share[:, t + 1, S] = 0.9  # too late
    w = np.array([S, S, S, S, T_])  # run 4 is not a Stalin win
    _check(_pattern(kind="committee_majority_by", leader="stalin", by="1927-12", min=0.75),
           _ens(5, winner=w, committee_share=share), 3 / 4, True)


def test_pattern_defeat_window() -> None:
    sc = scenario(SOVIET)
    d = np.full((6, 7), -1)
    d[:, B] = [sc.month("1928-01"), sc.month("1930-12"), sc.month("1927-12"), sc.month("1929-05"), -1, 0]
    res = evaluate(_pattern(kind="defeat_window", leader="bukharin", start="1928-01", by="1930-12", min=0.6),
                   _ens(6, defeated=d))
    assert res.observed == pytest.approx(3 / 5) and res.passed and res.detail == "3 of the 5 runs in which he falls"


@pytest.mark.parametrize("most, passed", [(4, True), (5, False)])
def test_pattern_all_factors_off(most: int, passed: bool) -> None:
    off = _ens(10, winner=np.array([Z] * most + [S] * 3 + [-1] * (7 - most)))
    _check(_pattern(kind="all_factors_off", max=0.4), _ens(10), max(most, 3) / 10, passed, off)


def test_explain_names_the_player_that_lowers_the_outcome_most(tmp_path: Path) -> None:
    """Halvas wins in every replicate unless a factor stops him: 'position' (player 0) stops him
    in 30 of 40 replicates, 'ideology' (player 2) in 10 others. The factors lower his chance
    from 1 to 0: the main reason is position, the largest contribution in the direction of the
    change (Shapley -0.75 against -0.25), not the 'largest' value, which would be rivals'
    errors' 0."""
    values = np.array([_coalitions(3, lambda s: 0 not in s)] * 30 + [_coalitions(3, lambda s: 2 not in s)] * 10)
    res = _explain(tmp_path, values)
    phi = {p["id"]: p["shapley"]["mean"] for p in res["players"]}
    assert phi == pytest.approx({"position": -0.75, "rivals_errors": 0.0, "ideology": -0.25})
    assert res["ranking"] == ["position", "ideology", "rivals_errors"]
    assert "the main reason is position" in res["verdict"] and "shortfall against" in res["verdict"]
    assert "advantage" not in res["verdict"]


def test_inevitability_threshold_is_met_by_a_mean_of_exact_tenths(tmp_path: Path) -> None:
    """Nine tenths of the futures in each of 9 runs: the mean, summed in floating point, is
    0.8999..., and the outcome is all but certain (>= 90%) from that month."""
    hits = [9 * FUTURES // 10] * 5
    assert FUTURES % 10 == 0
    res = _inevitability(tmp_path, {"nine_tenths": (hits, True, 9)})
    assert np.mean(np.full(9, 0.9)) < 0.9  # the rounding the threshold must allow for
    assert res["all_but_certain"] == _date(0)
    assert res["runs_with_point_of_no_return"] == 9
