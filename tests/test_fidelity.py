"""Calibration patterns (docs/model.md §11) and anti-script checks, over 2,000 runs at a fixed seed.

These are Monte Carlo checks of the model, not unit tests: each pattern is asserted at the
band the scenario's `[[patterns]]` give. A pattern the model does not reproduce stays here,
marked xfail with the reason, rather than being weakened.
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


def win_rate(ens, leader_index: int) -> float:
    return float((ens.winner == leader_index).mean())


UNDERESTIMATION_GAP = (
    "Not reproduced: at the calibrated defaults, rivals who see the apparatus clearly turn on the "
    "General Secretary sooner, but in 1924 Trotsky's army command and the fear of a Bonaparte still "
    "make Trotsky the main threat to everyone, and by 1925 the apparatus already holds the committee; "
    "their earlier hostility only speeds up their own defeat. Switching underestimation off raises "
    "Stalin's win rate by a few points instead of lowering it by 10."
)


@pytest.mark.parametrize("factor", [
    "appointments",
    pytest.param("underestimation", marks=pytest.mark.xfail(strict=True, reason=UNDERESTIMATION_GAP)),
])
def test_switching_off_a_position_cause_costs_stalin_ten_points(factor, scenario, baseline):
    off = ensemble(load_scenario("soviet-1924", factors_off=[factor]), RUNS, SEED)
    drop = win_rate(baseline, 0) - win_rate(off, 0)
    assert drop >= 0.10, f"switching off {factor} lowers Stalin's win rate by only {drop:.3f}"


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
