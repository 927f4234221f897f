"""Every statistic the product reports, checked against a value computed independently: a
published table, SciPy or statsmodels, a closed form from the literature, or brute force.

Covered: the Wilson interval and the win-rate table of an ensemble (`api`), the mean interval,
the paired bootstrap of ratios and the exact Shapley values (`experiments/stats.py`), the
attribution's one-at-a-time effects, shares and ranking (`experiments/analyses.py`), and the
intervals the reports print (`report.py`)."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

import numpy as np
import pytest
from conftest import scenario, spec
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from politburo import report
from politburo.api import EnsembleResult, elimination_order, stages, wilson
from politburo.experiments.analyses import Game, _spearman, attribution
from politburo.experiments.stats import Z95, mean_ci, popcount, ratio_ci, rounded, shapley

# ---------------------------------------------------------------- the Wilson interval

# Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17, 857-872, Table II, method 3 (score interval
# without continuity correction), to the four decimals printed there.
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize("k, n, low, high", NEWCOMBE)
def test_wilson_reproduces_newcombes_published_intervals(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(k, n)
    assert round(lo, 4) == low and round(hi, 4) == high, (lo, hi)


def _wilson_textbook(k: int, n: int, z: float) -> tuple[float, float]:
    """The roots in p of (p̂ - p)² = z² p (1 - p) / n (Wilson 1927), solved as a quadratic."""
    ph = k / n
    a = 1 + z * z / n
    b = -(2 * ph + z * z / n)
    c = ph * ph
    disc = math.sqrt(max(b * b - 4 * a * c, 0.0))
    return ((-b - disc) / (2 * a), (-b + disc) / (2 * a))


@pytest.mark.parametrize("n", [1, 2, 5, 10, 37, 100, 263, 2000, 100_000])
def test_wilson_equals_statsmodels_and_the_quadratics_roots(n: int) -> None:
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        if not 0 <= k <= n:
            continue
        lo, hi = wilson(k, n)
        ref = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert lo == pytest.approx(ref[0], abs=1e-12) and hi == pytest.approx(ref[1], abs=1e-12), (k, n)
        q = _wilson_textbook(k, n, Z95)  # (the quadratic formula loses a few digits to cancellation)
        assert lo == pytest.approx(max(q[0], 0.0), abs=1e-9) and hi == pytest.approx(min(q[1], 1.0), abs=1e-9)


def test_wilson_bounds_stay_inside_zero_and_one() -> None:
    """At k = 0 and k = n the score interval touches 0 or 1; rounding must not push it outside
    (a probability below 0 or above 1 would be printed)."""
    for n in range(1, 3000):
        lo0, hi0 = wilson(0, n)
        lon, hin = wilson(n, n)
        assert 0.0 <= lo0 < 1e-15 and 0.0 < hi0 < 1.0 and 0.0 < lon < 1.0 and 1.0 - 1e-15 < hin <= 1.0, n


def test_wilson_at_another_level_uses_its_z() -> None:
    z90 = float(sps.norm.ppf(0.95))
    lo, hi = wilson(30, 120, z90)
    ref = proportion_confint(30, 120, alpha=0.10, method="wilson")
    assert (lo, hi) == pytest.approx(ref, abs=1e-12)


def test_z95_is_the_normal_quantile() -> None:
    assert Z95 == pytest.approx(float(sps.norm.ppf(0.975)), abs=1e-15)


# ---------------------------------------------------------------- mean intervals


@pytest.mark.parametrize("n", [2, 3, 10, 250])
def test_mean_ci_is_the_normal_interval_of_the_mean(n: int) -> None:
    x = np.random.default_rng(n).normal(0.3, 0.2, n)
    got = mean_ci(x)
    lo, hi = sps.norm.interval(0.95, loc=x.mean(), scale=sps.sem(x))
    assert got["mean"] == pytest.approx(float(np.mean(x)), abs=1e-15)
    assert got["low"] == pytest.approx(lo, abs=1e-12) and got["high"] == pytest.approx(hi, abs=1e-12)
    assert got["half"] == pytest.approx((hi - lo) / 2, abs=1e-12)


def test_mean_ci_of_indicators_by_hand() -> None:
    # 3 of 4 replicates: mean 0.75, sample sd sqrt(0.25) = 0.5, half = 1.96 * 0.5 / 2.
    got = mean_ci(np.array([1.0, 1.0, 0.0, 1.0]))
    assert got["mean"] == 0.75
    assert got["half"] == pytest.approx(Z95 * 0.5 / 2.0, abs=1e-15)


def test_mean_ci_of_one_value_has_no_spread() -> None:
    assert mean_ci(np.array([0.4])) == {"mean": 0.4, "low": 0.4, "high": 0.4, "half": 0.0}


# ---------------------------------------------------------------- the paired bootstrap of ratios


def _delta_method(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """mean(num)/mean(den) per column and its standard error by the delta method."""
    n = num.shape[0]
    mx, my = num.mean(axis=0), den.mean()
    r = mx / my
    resid = (num - r[None, :] * den[:, None]) / my
    return r, resid.std(axis=0, ddof=1) / math.sqrt(n)


def test_ratio_ci_point_is_the_ratio_of_the_means() -> None:
    num = np.array([[2.0], [0.0], [3.0]])
    den = np.array([1.0, 2.0, 3.0])
    got = ratio_ci(num, den, seed=1)
    assert got["mean"][0] == pytest.approx(5.0 / 6.0)  # not the mean of the ratios, (2 + 0 + 1) / 3 = 1


def test_ratio_ci_percentiles_match_the_exact_bootstrap_distribution() -> None:
    """With 5 rows every one of the 5**5 equally likely resamples can be enumerated: the exact
    bootstrap distribution of the ratio. The Monte Carlo 2.5th and 97.5th percentiles must fall
    between its 1.5th and 3.5th, and 96.5th and 98.5th percentiles (four Monte Carlo standard
    errors of the quantile level at 4,000 resamples)."""
    num = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [3.0, -1.0]])
    den = np.array([1.0, 1.0, 0.5, 2.0, 1.5])
    idx = np.array(list(itertools.product(range(5), repeat=5)))
    exact = num[idx].mean(axis=1) / den[idx].mean(axis=1)[:, None]
    got = ratio_ci(num, den, seed=12, resamples=4000)
    for j in range(2):
        q = np.quantile(exact[:, j], [0.015, 0.035, 0.965, 0.985], method="inverted_cdf")
        assert q[0] <= got["low"][j] <= q[1], (j, got["low"][j], q)
        assert q[2] <= got["high"][j] <= q[3], (j, got["high"][j], q)


def test_ratio_ci_of_proportional_columns_is_exact() -> None:
    """Each row's numerators are fixed multiples of its denominator: every paired resample gives
    the same ratios, so the interval collapses onto them (resampling the two apart would not)."""
    rng = np.random.default_rng(3)
    den = rng.uniform(0.1, 1.0, 60)
    c = np.array([0.5, -0.2, 1.3])
    got = ratio_ci(den[:, None] * c[None, :], den, seed=4, resamples=300)
    for k in ("mean", "low", "high"):
        assert np.allclose(got[k], c, atol=1e-12), (k, got[k])


def test_ratio_ci_is_the_percentile_bootstrap() -> None:
    """Against SciPy's paired percentile bootstrap and the delta method, on a sample large enough
    for both to agree to a few percent of the interval's width."""
    rng = np.random.default_rng(11)
    n = 1500
    den = rng.binomial(1, 0.6, n) - rng.binomial(1, 0.2, n) + 0.0
    num = np.stack([0.5 * den + rng.normal(0, 0.3, n), rng.normal(0.1, 0.5, n)], axis=1)
    got = ratio_ci(num, den, seed=7, resamples=4000)
    r, se = _delta_method(num, den)
    for j in range(2):
        ref = sps.bootstrap((num[:, j], den), lambda a, b, axis: a.mean(axis=axis) / b.mean(axis=axis),
                            paired=True, vectorized=True, n_resamples=20000, method="percentile",
                            confidence_level=0.95, random_state=np.random.default_rng(5)).confidence_interval
        half = (ref.high - ref.low) / 2
        assert got["low"][j] == pytest.approx(ref.low, abs=0.08 * half), (j, got["low"][j], ref.low)
        assert got["high"][j] == pytest.approx(ref.high, abs=0.08 * half), (j, got["high"][j], ref.high)
        assert got["low"][j] == pytest.approx(r[j] - Z95 * se[j], abs=0.12 * half)
        assert got["high"][j] == pytest.approx(r[j] + Z95 * se[j], abs=0.12 * half)


def test_ratio_ci_is_reproducible_for_a_seed() -> None:
    rng = np.random.default_rng(2)
    num, den = rng.normal(size=(40, 2)), rng.uniform(0.5, 1.5, 40)
    a, b = ratio_ci(num, den, seed=9), ratio_ci(num, den, seed=9)
    assert all(np.array_equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------- Shapley values


def _table(n: int, v: Any) -> np.ndarray:
    return np.array([[v(frozenset(i for i in range(n) if s >> i & 1)) for s in range(1 << n)]], dtype=float)


def _by_orderings(n: int, v: Any) -> np.ndarray:
    """Shapley's definition: each player's marginal contribution averaged over all n! orders."""
    phi = np.zeros(n)
    for order in itertools.permutations(range(n)):
        seen: set[int] = set()
        for i in order:
            phi[i] += v(frozenset(seen | {i})) - v(frozenset(seen))
            seen.add(i)
    return phi / math.factorial(n)


def test_shapley_of_the_glove_game() -> None:
    """One left glove (player 0) and two right gloves: a pair is worth 1. The textbook values
    are 2/3 for the scarce glove and 1/6 for each of the others."""
    def v(s: frozenset[int]) -> float:
        return float(min(int(0 in s), len(s & {1, 2})))

    assert np.allclose(shapley(_table(3, v))[0], [2 / 3, 1 / 6, 1 / 6], atol=1e-12)


def test_shapley_of_the_airport_game() -> None:
    """Littlechild & Owen (1973): with a runway cost c_i for each player (sorted), the cost of a
    coalition is its largest c, and φ_i = Σ_{k ≤ i} (c_k − c_{k−1}) / (n − k + 1)."""
    c = [1.0, 3.0, 6.0, 10.0]
    n = len(c)

    def v(s: frozenset[int]) -> float:
        return max((c[i] for i in s), default=0.0)

    closed = [sum((c[k] - (c[k - 1] if k else 0.0)) / (n - k) for k in range(i + 1)) for i in range(n)]
    assert np.allclose(shapley(_table(n, v))[0], closed, atol=1e-12)
    assert np.allclose(closed, _by_orderings(n, v), atol=1e-12)


def test_shapley_of_a_weighted_majority_game_matches_every_ordering() -> None:
    weights, quota = [4, 3, 2, 1, 1], 6

    def v(s: frozenset[int]) -> float:
        return float(sum(weights[i] for i in s) >= quota)

    assert np.allclose(shapley(_table(5, v))[0], _by_orderings(5, v), atol=1e-12)


def test_popcount() -> None:
    x = np.arange(300)
    assert popcount(x).tolist() == [int(i).bit_count() for i in x]


# ---------------------------------------------------------------- the attribution of a game


def _glove_plus(s: frozenset[int]) -> float:
    """The glove game with 0.1 more whenever player 2 is present (an additive part)."""
    return float(min(int(0 in s), len(s & {1, 2}))) + 0.1 * (2 in s)


def _replicated_game(v: Any, n: int, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Rows scale_r · v(S) + shift_r: each replicate the same game, rescaled and shifted."""
    return scale[:, None] * _table(n, v) + shift[:, None]


def test_attribution_of_a_known_game() -> None:
    """Shapley values (2/3, 1/6, 1/6 + 0.1), remove-from-history v(N) − v(N∖i) = (1, 0, 0.1),
    add-to-all-off v({i}) − v(∅) = (0, 0, 0.1), shares φ/(v(N) − v(∅)), each times the
    replicate's scale; the intervals are the normal intervals of the per-replicate values."""
    rng = np.random.default_rng(8)
    R = 50
    scale, shift = rng.uniform(0.5, 1.5, R), rng.uniform(-0.2, 0.2, R)
    v = _replicated_game(_glove_plus, 3, scale, shift)
    full = frozenset(range(3))
    phi_unit = _by_orderings(3, _glove_plus)
    assert np.allclose(phi_unit, [2 / 3, 1 / 6, 1 / 6 + 0.1])
    remove = [_glove_plus(full) - _glove_plus(full - {i}) for i in range(3)]
    add = [_glove_plus(frozenset({i})) - _glove_plus(frozenset()) for i in range(3)]
    assert np.allclose(remove, [1.0, 0.0, 0.1]) and np.allclose(add, [0.0, 0.0, 0.1])
    att = attribution(Game.of(v), ["a", "b", "c"], ["A", "B", "C"], seed=0)

    def check(d: dict[str, float], x: np.ndarray) -> None:
        lo, hi = sps.norm.interval(0.95, loc=x.mean(), scale=sps.sem(x)) if x.std() > 0 else (x.mean(), x.mean())
        assert d["mean"] == pytest.approx(x.mean(), abs=1e-12)
        assert d["low"] == pytest.approx(lo, abs=1e-12) and d["high"] == pytest.approx(hi, abs=1e-12)

    total = _glove_plus(full) - _glove_plus(frozenset())
    for i, p in enumerate(att["players"]):
        check(p["shapley"], scale * phi_unit[i])
        check(p["remove_from_history"], scale * remove[i])
        check(p["add_to_all_off"], scale * add[i])
        # every replicate's shares are the same: the bootstrap interval collapses onto them
        for k in ("mean", "low", "high"):
            assert p["share"][k] == pytest.approx(phi_unit[i] / total, abs=1e-12)
    check(att["all_on"], v[:, -1])
    check(att["all_off"], v[:, 0])
    check(att["advantage"], scale * total)
    assert att["exact"] is True
    assert att["ranking"] == ["a", "c", "b"] and att["top"] == "a"
    check(att["top_vs_second"], scale * (phi_unit[0] - phi_unit[2]))


def test_game_of_reads_each_coalition_where_it_belongs() -> None:
    """Game.of on a table whose every cell is distinct: 'minus i' is N∖{i}, 'plus i' is {i}."""
    v = np.arange(16, dtype=float)[None, :] * 10 + np.array([[0.0], [1.0]])
    g = Game.of(v)
    assert g.on.tolist() == [150.0, 151.0] and g.off.tolist() == [0.0, 1.0]
    assert g.minus[0].tolist() == [10.0 * (15 - (1 << i)) for i in range(4)]
    assert g.plus[0].tolist() == [10.0 * (1 << i) for i in range(4)]


# ---------------------------------------------------------------- Spearman's rank correlation


@pytest.mark.parametrize("case", ["continuous", "ties", "constant"])
def test_spearman_matches_scipy(case: str) -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, 30)
    if case == "continuous":
        y = x + rng.normal(0, 0.3, 30)
    elif case == "ties":
        y = np.round(x * 3 + rng.normal(0, 0.5, 30))  # a handful of distinct values, many ties
    else:
        y = np.zeros(30)  # no variation: SciPy's coefficient is undefined, the report says 0
        with pytest.warns(sps.ConstantInputWarning):
            assert np.isnan(sps.spearmanr(x, y).statistic)
        assert _spearman(x, y) == 0.0
        return
    assert _spearman(x, y) == pytest.approx(sps.spearmanr(x, y).statistic, abs=1e-12)


# ---------------------------------------------------------------- an ensemble's tables


def _ensemble(winner: list[int], victory: list[int], defeated: list[list[int]]) -> EnsembleResult:
    sp = spec("tutorial")
    n = len(winner)
    return EnsembleResult(scenario=scenario("tutorial"), spec=sp, seed=0, runs=n,
                          winner=np.array(winner), victory=np.array(victory),
                          defeated=np.array(defeated), sanctions=np.full((n, sp.L, 7), -1),
                          office_lost=np.full((n, sp.O), -1), coalitions=np.zeros((n, 1, sp.L), dtype=np.int64),
                          committee_share=np.zeros((n, 1, sp.L)), members=np.zeros((n, 1)),
                          positions=np.zeros((n, 1, sp.L, len(sp.axis_names)), dtype=np.float32), votes={})


WINNERS = [0, 0, 1, -1, 0, 2, 0, -1, 1, 0]
VICTORY = [12, 30, 7, -1, 20, 40, 12, -1, 9, 50]
DEFEATED = [[-1, 5, 3, 8], [-1, 3, 3, -1], [4, -1, 2, 9], [-1, -1, 7, -1], [-1, 5, 3, 8],
            [6, 2, -1, -1], [-1, 5, 3, 8], [2, -1, -1, -1], [4, -1, 2, 9], [-1, 1, 9, 4]]


def test_win_rates_counts_and_wilson_intervals() -> None:
    ens = _ensemble(WINNERS, VICTORY, DEFEATED)
    names = spec("tutorial").leader_names
    rates = ens.win_rates()
    assert list(rates) == [*names, "nobody"]
    expected = {names[0]: 5, names[1]: 2, names[2]: 1, names[3]: 0, "nobody": 2}
    for name, k in expected.items():
        r = rates[name]
        lo, hi = proportion_confint(k, 10, method="wilson")
        assert r["count"] == k and r["rate"] == k / 10
        assert r["low"] == pytest.approx(lo, abs=1e-12) and r["high"] == pytest.approx(hi, abs=1e-12)


def test_win_rates_by_a_month_count_only_victories_until_then() -> None:
    ens = _ensemble(WINNERS, VICTORY, DEFEATED)
    names = spec("tutorial").leader_names
    by = ens.win_rates_by(12)  # leader 0 won at 12, 30, 20, 12, 50: two by month 12
    assert by == {names[0]: 0.2, names[1]: 0.2, names[2]: 0.0, names[3]: 0.0}


def test_median_victory_dates() -> None:
    ens = _ensemble(WINNERS, VICTORY, DEFEATED)
    sp = spec("tutorial")
    med = ens.median_victory()
    assert med[sp.leader_names[0]] == sp.date(20)  # months 12, 12, 20, 30, 50
    assert med[sp.leader_names[2]] == sp.date(40)
    assert med[sp.leader_names[3]] is None
    assert sp.date(20) == "September 1951"  # the tutorial starts in January 1950


def test_elimination_order_and_its_counts() -> None:
    assert elimination_order(np.array([-1, 5, 3, 8]), 0) == [2, 1, 3]
    assert elimination_order(np.array([4, 2, 2, -1]), 3) == [1, 2, 0]  # a tie keeps the list order
    assert elimination_order(np.array([6, 2, 1, -1]), 2) == [1, 0]  # the winner is never listed
    ens = _ensemble(WINNERS, VICTORY, DEFEATED)
    names = spec("tutorial").leader_names
    by_hand: Counter[str] = Counter()
    for w, d in zip(WINNERS, DEFEATED, strict=True):
        fallen = sorted((m, i) for i, m in enumerate(d) if m >= 0 and i != w)
        by_hand[" > ".join(names[i] for _, i in fallen) or "(none)"] += 1
    got = ens.elimination_orders(top=10)
    assert dict(got) == dict(by_hand)
    assert got[0] == (" > ".join([names[2], names[1], names[3]]), 3)  # runs 0, 4 and 6
    assert [n for _, n in got] == sorted((n for _, n in got), reverse=True)


def test_the_stages_of_a_run() -> None:
    """Month by month the largest coalition and its target (column j holds the coalition against
    leader j): against 1 in months 0-1 (members 0 and 2, then 0 and 3: the stage lists all
    three), no coalition of two in month 2, against 2 in months 3-4, against 3 in month 5."""
    sp = spec("tutorial")
    c = np.zeros((6, sp.L), dtype=np.int64)
    c[0, 1] = 0b0101
    c[1, 1] = 0b1001
    c[2, 3] = 0b0001  # one leader alone is no coalition
    c[3, 2] = 0b1011
    c[3, 1] = 0b0101  # smaller than the coalition against 2
    c[4, 2] = 0b0011
    c[5, 3] = 0b0011
    names = sp.leader_names
    got = stages(sp, c, 5)
    assert got == [
        {"target": names[1], "members": [names[0], names[2], names[3]], "from": sp.date(0), "to": sp.date(1)},
        {"target": names[2], "members": [names[0], names[1], names[3]], "from": sp.date(3), "to": sp.date(4)},
        {"target": names[3], "members": [names[0], names[1]], "from": sp.date(5), "to": sp.date(5)}]
    assert stages(sp, c, 3)[-1]["to"] == sp.date(3)  # the run ended (was won) in month 3


# ---------------------------------------------------------------- what the reports print


def test_report_error_bars_and_tables_show_each_intervals_own_ends() -> None:
    stats = [{"mean": 0.10, "low": 0.02, "high": 0.30}, {"mean": -0.05, "low": -0.20, "high": 0.0}]
    mids, minus, plus = report._spread(stats)
    assert mids == [0.10, -0.05]
    assert minus == pytest.approx([0.08, 0.15]) and plus == pytest.approx([0.20, 0.05])
    b = report._bars("t", "axis", ["x", "y"], stats)
    html = report.bars_table(b)
    assert "+10.0%" in html and "+2.0% to +30.0%" in html
    assert "-5.0%" in html and "-20.0% to +0.0%" in html
    g = report.Groups("t", "axis", ["x", "y"], [report._series("s", stats, report.BLUE)])
    gt = report.groups_table(g)
    assert "10.0%" in gt and "2.0% to 30.0%" in gt


def test_rounded_keeps_six_decimals_and_drops_non_finite_values() -> None:
    assert rounded({"a": [0.1234567891, np.float64(2.5e-7)], "b": float("nan"), "c": np.int64(3)}) == {
        "a": [0.123457, 0.0], "b": None, "c": 3}
