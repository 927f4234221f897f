"""Calibration patterns (docs/model.md §11) and anti-script checks, over 2,000 runs at a fixed seed.

These are Monte Carlo checks of the model, not unit tests: each pattern is asserted at the
band the scenario's `[[patterns]]` give. A pattern the model does not reproduce stays here,
marked xfail with the reason, rather than being weakened. Each one-sided pattern is also checked
against the sampling noise of the value observed at another seed (see OBSERVED).
"""

from __future__ import annotations

import copy
import tomllib
from importlib import resources

import numpy as np
import pytest

from politburo.api import ensemble
from politburo.fidelity import evaluate
from politburo.loader import load_scenario, validate

RUNS = 2000
SEED = 20240121

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("soviet-1924")


@pytest.fixture(scope="module")
def baseline(scenario):
    return ensemble(scenario, RUNS, SEED)


@pytest.fixture(scope="module")
def all_off(scenario):
    return ensemble(load_scenario("soviet-1924", factors_off=list(scenario.factors)), RUNS, SEED)


def _patterns(scenario):
    return [pytest.param(i, id=f"pattern{p.id}-{p.kind}") for i, p in enumerate(scenario.patterns)]


# Patterns the model does not yet reproduce at the defaults (see the closing note of the engine issue).
KNOWN_GAPS: dict[str, str] = {}


@pytest.mark.parametrize("index", range(len(load_scenario("soviet-1924").patterns)))
def test_calibration_pattern(index, scenario, baseline, all_off):
    pattern = scenario.patterns[index]
    if pattern.kind in KNOWN_GAPS:
        pytest.xfail(KNOWN_GAPS[pattern.kind])
    result = evaluate(pattern, baseline, all_off)
    assert result.passed, f"pattern {pattern.id} ({pattern.text}): observed {result.observed:.3f}, band {result.band}"


# What `politburo fidelity --runs 2000` observes at seed 0 (README's Fidelity table), as counts:
# (runs in which the pattern held, runs it is a share of), in the scenario's order of patterns.
# Membership (pattern 6) is not a share: its largest relative error, 1 − 679,953 / 735,881 (May
# 1924), every run alike at that date. A one-sided pattern observed far inside its band (Stalin
# wins in 62.9% of runs; the band asks for 55%) says nothing about a model that drifted — became
# more deterministic, or weaker — while staying inside the band: each one is also checked
# against the sampling noise of its observed value, at the other seed the suite uses.
OBSERVED: list[tuple[int, int] | float] = [
    (1258, 2000),  # 1: Stalin wins
    (0, 2000),  # 1: the most successful other leader wins
    (1148, 1258),  # 2: the order of eliminations, among Stalin's wins
    (2000, 2000),  # 3: the coalition against Trotsky in 1924
    (2000, 2000),  # 4: Trotsky loses the army by the end of 1925
    (1042, 2000),  # 5: Zinoviev, Kamenev and Trotsky in one coalition
    1 - 679_953 / 735_881,  # 6: membership
    (1258, 1258),  # 7: a committee majority by the end of 1927, among Stalin's wins
    (1053, 1957),  # 8: Bukharin falls in 1928-1930, among the runs in which he falls
    (30, 2000),  # 9: with every factor off, the most successful leader wins
]
NOISE_SE = 4.0  # standard errors: wide enough that an unchanged model passes at any seed


def _runs_counted(pattern, ens) -> int:
    """The number of runs a pattern's share is taken over in `ens`."""
    ids = [x.id for x in ens.scenario.leaders]
    if pattern.kind in ("elimination_order", "committee_majority_by"):
        return int((ens.winner == ids.index(pattern.leader)).sum())
    if pattern.kind == "defeat_window":
        return int((ens.defeated[:, ids.index(pattern.leader)] >= 0).sum())
    return ens.runs


def plausible(reference: tuple[int, int], n: int) -> tuple[float, float]:
    """The range in which a share observed over n runs lies if the model still gives the
    reference count k of m runs: the difference of two independent binomial shares, at
    NOISE_SE standard errors, with the rate estimated as (k + 2) / (m + 4) so that a share of 0
    or 1 still has a spread (Agresti & Coull 1998)."""
    k, m = reference
    p = (k + 2) / (m + 4)
    half = NOISE_SE * np.sqrt(p * (1 - p) * (1 / m + 1 / n))
    return max(0.0, k / m - half), min(1.0, k / m + half)


def test_the_observed_values_are_the_scenarios_patterns(scenario):
    assert len(OBSERVED) == len(scenario.patterns)
    assert [isinstance(o, float) for o in OBSERVED] == [p.kind == "membership" for p in scenario.patterns]


@pytest.mark.parametrize("index", range(len(load_scenario("soviet-1924").patterns)))
def test_calibration_pattern_stays_near_its_observed_value(index, scenario, baseline, all_off):
    pattern = scenario.patterns[index]
    if pattern.kind in KNOWN_GAPS:
        pytest.xfail(KNOWN_GAPS[pattern.kind])
    result = evaluate(pattern, baseline, all_off)
    ref = OBSERVED[index]
    if isinstance(ref, float):
        # membership: the mean over runs at each recorded date; its noise from the runs' spread
        se = max(float(baseline.members[:, scenario.month(pt.date)].std(ddof=1)) / np.sqrt(RUNS) / pt.members
                 for pt in scenario.membership_record)
        lo, hi = ref - NOISE_SE * np.sqrt(2) * se - 1e-6, ref + NOISE_SE * np.sqrt(2) * se + 1e-6
    else:
        ens = all_off if pattern.kind == "all_factors_off" else baseline
        lo, hi = plausible(ref, _runs_counted(pattern, ens))
    assert lo <= result.observed <= hi, (
        f"pattern {pattern.id} ({pattern.text}): observed {result.observed:.4f}, outside the range "
        f"{lo:.4f} to {hi:.4f} around the value observed before")


def test_plausible_range_by_hand():
    # 1258 of 2000 against 2000 runs: p = 1260/2004, half-width 4·sqrt(p(1-p)·(2/2000))
    p = 1260 / 2004
    half = 4 * np.sqrt(p * (1 - p) / 1000)
    assert plausible((1258, 2000), 2000) == pytest.approx((0.629 - half, 0.629 + half))
    assert plausible((2000, 2000), 2000) == pytest.approx((1 - 4 * np.sqrt(2002 * 2 / 2004**2 / 1000), 1.0))


def win_rate(ens, leader_index: int) -> float:
    return float((ens.winner == leader_index).mean())


UNDERESTIMATION_GAP = (
    "Not reproduced: at the calibrated defaults, rivals who see the apparatus clearly turn on the "
    "General Secretary sooner, but in 1924 Trotsky's army command and the fear of a Bonaparte still "
    "make Trotsky the main threat to everyone, and by 1925 the apparatus already holds the committee; "
    "their earlier hostility only speeds up their own defeat. Switching underestimation off raises "
    "Stalin's win rate by a few points instead of lowering it by 10."
)


# Stalin's wins with the factor off, at seed 0 over 2,000 runs (README: from 62% to 6%).
OFF_OBSERVED = {"appointments": (139, 2000)}


@pytest.mark.parametrize("factor", [
    "appointments",
    pytest.param("underestimation", marks=pytest.mark.xfail(strict=True, reason=UNDERESTIMATION_GAP)),
])
def test_switching_off_a_position_cause_costs_stalin_ten_points(factor, scenario, baseline):
    off = ensemble(load_scenario("soviet-1924", factors_off=[factor]), RUNS, SEED)
    drop = win_rate(baseline, 0) - win_rate(off, 0)
    assert drop >= 0.10, f"switching off {factor} lowers Stalin's win rate by only {drop:.3f}"
    if factor in OFF_OBSERVED:
        # far inside the band (README: from 62% to 6%): also within the noise of what was observed
        lo, hi = plausible(OFF_OBSERVED[factor], RUNS)
        assert lo <= win_rate(off, 0) <= hi, (factor, win_rate(off, 0), lo, hi)


def test_no_leader_dominates_with_every_factor_off(all_off):
    rates = np.bincount(all_off.winner[all_off.winner >= 0], minlength=7) / all_off.runs
    assert rates.max() <= 0.40, rates


def _swapped_raw(a: str, b: str) -> dict:
    """The soviet-1924 data with two leaders' traits, offices, clients and home bases exchanged
    (names and ids stay; so does their place in the list)."""
    text = (resources.files("politburo") / "scenarios" / "soviet-1924.toml").read_text()
    raw = tomllib.loads(text)
    raw = copy.deepcopy(raw)
    leaders = {ld["id"]: ld for ld in raw["leaders"]}
    keep = {"id", "name", "source"}
    fa = {k: v for k, v in leaders[a].items() if k not in keep}
    fb = {k: v for k, v in leaders[b].items() if k not in keep}
    for k in fa:
        leaders[a].pop(k)
    for k in fb:
        leaders[b].pop(k)
    leaders[a].update(fb)
    leaders[b].update(fa)

    def swap(x):
        return b if x == a else a if x == b else x

    for r in raw["regions"]:
        r["patron"] = swap(r.get("patron")) if r.get("patron") else r.get("patron")
        if r.get("home_of"):
            r["home_of"] = swap(r["home_of"])
        if r.get("patron") is None:
            r.pop("patron", None)
    for o in raw["offices"]:
        if o.get("patron"):
            o["patron"] = swap(o["patron"])
    for d in raw["documents"]:
        d["damage"] = {swap(k): v for k, v in d["damage"].items()}
        d["removal"] = {swap(k): v for k, v in d.get("removal", {}).items()}
    raw["patterns"] = []
    raw["factors"] = {}
    return raw


def test_swapping_two_leaders_swaps_their_win_rates(baseline):
    """The engine knows traits and offices, not identities: give Zinoviev Stalin's traits,
    offices, clients and home base (and the reverse) and their win rates change places."""
    swapped = ensemble(validate(_swapped_raw("stalin", "zinoviev"), "swapped"), RUNS, SEED)
    s0, z0 = win_rate(baseline, 0), win_rate(baseline, 2)
    s1, z1 = win_rate(swapped, 0), win_rate(swapped, 2)
    tol = 4 * np.sqrt(0.25 / RUNS) + 0.02  # four standard errors of a proportion, plus slack
    assert abs(z1 - s0) <= tol, (s0, z1)
    assert abs(s1 - z0) <= tol, (z0, s1)
