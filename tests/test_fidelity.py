"""The calibration patterns of the model's specification (docs/model.md §11), and how each kind of
pattern is evaluated.

Fast tests: every kind of pattern the 17 patterns added is evaluated on a small hand-built
ensemble whose observed value is known by construction, once passing and once failing; the swap
of two leaders' data, the interval of a difference, the validation of pattern fields.

Slow tests (Monte Carlo checks of the model, not unit tests): one test per numbered pattern at a
fixed seed, over RUNS runs of each ensemble the patterns need, asserted at the bands the
scenario's `[[patterns]]` give. A pattern the model does not reproduce stays here, marked xfail
with the value measured at this seed (KNOWN_GAPS), rather than being weakened; one listed there
that passes fails the test, so that the list stays true.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from conftest import raw, scenario, spec

from politburo.api import EnsembleResult, ensemble, wilson
from politburo.fidelity import (
    BASELINE,
    PatternResult,
    changed_scenario,
    comparison,
    difference_interval,
    evaluate,
    fidelity,
)
from politburo.loader import ScenarioError, load_raw, read_scenario, swap_leaders, validate
from politburo.schema import Pattern

SOVIET = "soviet-1924"
RUNS = 2000
SEED = 20240121
# The swap check (pattern 17) compares two win rates, each with its own sampling error: over
# 2,000 runs an arm the 95% interval of a difference near 63% is ±3 points wide, so a name that
# changed a leader's chances by 3 points would pass half the time. Over 8,000 runs an arm it is
# ±1.5 points: a 2-point effect of names is found 4 times in 5 (about 12 s on one core).
SWAP_RUNS = 8000


# ---------------------------------------------------------------- hand-built ensembles

S, T_, Z, K, B, R, TO = range(7)  # stalin, trotsky, zinoviev, kamenev, bukharin, rykov, tomsky
ECONOMY = 0


def _ens(n: int, **arrays: Any) -> EnsembleResult:
    """An ensemble of n runs of soviet-1924 in which nothing happens but what `arrays` say."""
    sc, sp = scenario(SOVIET), spec(SOVIET)
    T, L = sp.months, sp.L
    base: dict[str, Any] = {
        "winner": np.full(n, -1), "victory": np.full(n, -1), "defeated": np.full((n, L), -1),
        "sanctions": np.full((n, L, 7), -1), "office_lost": np.full((n, sp.O), -1),
        "coalitions": np.zeros((n, T, L), dtype=np.int32), "committee_share": np.zeros((n, T, L)),
        "members": np.ones((n, T)),
        "positions": np.broadcast_to(sp.ideology0.astype(np.float32), (n, T, L, len(sp.axis_names))).copy()}
    base.update(arrays)
    return EnsembleResult(scenario=sc, spec=sp, seed=0, runs=n, votes={}, **base)


def _winners(*counts: tuple[int, int]) -> np.ndarray:
    """Winner per run from (leader index or -1, runs) pairs."""
    return np.concatenate([np.full(k, who) for who, k in counts])


def _pattern(**kw: Any) -> Pattern:
    return Pattern(id=0, text="t", **kw)


def _check(p: Pattern, ens: EnsembleResult, observed: float | None, passed: bool,
           others: dict[str, EnsembleResult] | None = None) -> PatternResult:
    res = evaluate(p, ens, others)
    if observed is None:
        assert res.observed is None
    else:
        assert res.observed == pytest.approx(observed, abs=1e-12)
    assert res.passed is passed, res
    return res


def _month(date: str) -> int:
    return scenario(SOVIET).month(date)


# ---------------------------------------------------------------- the end


@pytest.mark.parametrize("others, passed", [(10, True), (9, False)])
def test_others_win_rate(others: int, passed: bool) -> None:
    """Trotsky 6 and Bukharin `others` − 6 of 100 runs: the others' combined share, not the largest."""
    w = _winners((S, 50), (T_, 6), (B, others - 6), (-1, 50 - others))
    res = _check(_pattern(kind="others_win_rate", leader="stalin", min=0.10), _ens(100, winner=w), others / 100, passed)
    assert res.values == {"count": others, "runs": 100}


@pytest.mark.parametrize("third, passed", [(1, True), (0, False)])
def test_ranked_win_rate(third: int, passed: bool) -> None:
    """The third most successful leader's share: at least three leaders each win 1% or more."""
    w = _winners((S, 60), (Z, 5), (T_, third), (K, 0), (-1, 35 - third))
    res = _check(_pattern(kind="ranked_win_rate", rank=3, min=0.01), _ens(100, winner=w), third / 100, passed)
    assert "Stalin 60.0%, Zinoviev 5.0%" in res.detail


@pytest.mark.parametrize("nobody, passed", [(40, True), (41, False)])
def test_no_winner(nobody: int, passed: bool) -> None:
    w = _winners((S, 100 - nobody), (-1, nobody))
    _check(_pattern(kind="no_winner", max=0.40), _ens(100, winner=w), nobody / 100, passed)


@pytest.mark.parametrize("by, passed", [("1930-12", True), ("1930-08", False)])
def test_median_victory(by: str, passed: bool) -> None:
    """Among Stalin's wins only: the median of four months is the midpoint of the middle two
    (June and November 1930: between August and September, after a band that ends in August)."""
    months = [_month("1929-01"), _month("1930-06"), _month("1930-11"), _month("1930-12")]
    victory = np.array([*months, _month("1924-05")])
    w = np.array([S, S, S, S, T_])  # Trotsky's early win does not count
    p = _pattern(kind="median_victory", leader="stalin", start="1929-11", by=by)
    res = _check(p, _ens(5, winner=w, victory=victory), (months[1] + months[2]) / 2, passed)
    assert res.shown == "between August 1930 and September 1930"
    assert res.band == f"November 1929 to {'December' if passed else 'August'} 1930"


def test_median_victory_without_wins_fails() -> None:
    _check(_pattern(kind="median_victory", leader="stalin", start="1929-11", by="1930-12"), _ens(3), None, False)


# ---------------------------------------------------------------- the pace


def _lost(months: list[int]) -> np.ndarray:
    sc = scenario(SOVIET)
    lost = np.full((len(months), spec(SOVIET).O), -1)
    lost[:, [o.id for o in sc.offices].index("war")] = months
    return lost


@pytest.mark.parametrize("start, passed", [("1924-10", True), ("1925-03", False)])
def test_office_lost_median(start: str, passed: bool) -> None:
    """The median month among the runs in which the office is lost (-1: never lost)."""
    months = [_month("1924-03"), _month("1925-01"), _month("1925-02"), -1, _month("1926-01")]
    p = _pattern(kind="office_lost_median", office="war", start=start, by="1925-06")
    res = _check(p, _ens(5, office_lost=_lost(months)), (_month("1925-01") + _month("1925-02")) / 2, passed)
    assert res.detail.startswith("4 runs in which it is lost")


def test_office_lost_median_never_lost_fails() -> None:
    p = _pattern(kind="office_lost_median", office="war", start="1924-10", by="1925-06")
    _check(p, _ens(4, office_lost=_lost([-1] * 4)), None, False)


@pytest.mark.parametrize("in_january, passed", [(2, True), (3, False)])
def test_office_lost_peak(in_january: int, passed: bool) -> None:
    """The largest share of one month among the runs in which the office is lost."""
    jan = _month("1925-01")
    months = [jan] * in_january + [jan + 1, jan + 2, jan + 3] + [-1] * 4
    res = _check(_pattern(kind="office_lost_peak", office="war", max=0.4), _ens(len(months), office_lost=_lost(months)),
                 in_january / (in_january + 3), passed)
    assert res.detail == f"January 1925: {in_january} of the {in_january + 3} runs in which it is lost"


# ---------------------------------------------------------------- who stood with whom


def _coalitions(n: int) -> np.ndarray:
    sp = spec(SOVIET)
    return np.zeros((n, sp.months, sp.L), dtype=np.int32)


RIGHT_LEFT = [["bukharin", "rykov", "tomsky"], ["trotsky", "zinoviev", "kamenev"]]


@pytest.mark.parametrize("minimum, passed", [(0.8, True), (0.81, False)])
def test_apart_by_against_a_target(minimum: float, passed: bool) -> None:
    """Run 0: Rykov with Kamenev against Stalin in 1927 (together); run 1: the same pair against
    Trotsky (another target); run 2: Rykov with Bukharin (one group); run 3: together only in
    1928 (too late); run 4: a Right member and a Left member in different months (never together)."""
    c = _coalitions(5)
    dec27 = _month("1927-12")
    c[0, dec27, S] = (1 << R) | (1 << K) | (1 << B)
    c[1, 5, T_] = (1 << R) | (1 << K)
    c[2, 5, S] = (1 << R) | (1 << B)
    c[3, dec27 + 1, S] = (1 << TO) | (1 << Z)
    c[4, 5, S], c[4, 6, S] = 1 << TO, 1 << Z
    p = _pattern(kind="apart_by", groups=RIGHT_LEFT, target="stalin", by="1927-12", min=minimum)
    res = _check(p, _ens(5, coalitions=c), 4 / 5, passed)
    assert "together most often: Rykov with Kamenev (1 runs)" in res.detail


@pytest.mark.parametrize("minimum, passed", [(0.5, True), (0.51, False)])
def test_apart_by_any_target(minimum: float, passed: bool) -> None:
    """Without a target, a coalition against anyone counts (run 1: against Bukharin)."""
    c = _coalitions(4)
    c[0, 3, S] = (1 << Z) | (1 << T_)
    c[1, _month("1924-12"), B] = (1 << Z) | (1 << T_)
    c[2, _month("1925-01"), S] = (1 << Z) | (1 << T_)  # too late
    _check(_pattern(kind="apart_by", groups=[["zinoviev"], ["trotsky"]], by="1924-12", min=minimum),
           _ens(4, coalitions=c), 2 / 4, passed)


def _shifts(moves: dict[tuple[int, int, int], float], n: int) -> np.ndarray:
    """Positions that stay at the start but for `moves`: (run, month, leader) -> change of the
    economy position in that month (kept afterwards)."""
    pos = _ens(n).positions.copy()
    for (run, t, who), d in moves.items():
        pos[run, t:, who, ECONOMY] += d
    return pos


@pytest.mark.parametrize("direction, observed, passed", [("low", 3 / 5, True), ("high", 2 / 5, False)])
def test_line_shifts(direction: str, observed: float, passed: bool) -> None:
    """Five shifts of Zinoviev's and Kamenev's in 1925-1927 (three toward the low end), one of
    Zinoviev's in 1924 and one of Stalin's in 1926, which do not count."""
    jan25, dec27 = _month("1925-01"), _month("1927-12")
    moves = {(0, jan25, Z): -0.1, (0, jan25 + 1, Z): -0.1, (1, dec27, K): -0.2, (1, jan25 + 5, K): 0.3,
             (2, jan25 + 12, Z): 0.05, (2, jan25 - 1, Z): -0.5, (2, jan25 + 14, S): 0.4}
    p = _pattern(kind="line_shifts", members=["zinoviev", "kamenev"], axis="economy", direction=direction,
                 start="1925-01", by="1927-12", min=0.6)
    res = _check(p, _ens(3, positions=_shifts(moves, 3)), observed, passed)
    assert res.values == {"toward": round(observed * 5), "shifts": 5}


def test_line_shifts_counts_the_first_month_from_the_start() -> None:
    """A change in the scenario's first month is measured from the starting position."""
    p = _pattern(kind="line_shifts", members=["zinoviev"], axis="economy", direction="low",
                 start="1924-01", by="1924-01", min=0.6)
    _check(p, _ens(2, positions=_shifts({(0, 0, Z): -0.1}, 2)), 1.0, True)


def test_line_shifts_without_shifts_fails() -> None:
    p = _pattern(kind="line_shifts", members=["zinoviev", "kamenev"], axis="economy", direction="low",
                 start="1925-01", by="1927-12", min=0.6)
    res = _check(p, _ens(3), None, False)
    assert res.detail == "no shifts on the economic policy axis"


# ---------------------------------------------------------------- fates


@pytest.mark.parametrize("exiled, passed", [(5, True), (4, False)])
def test_sanction_rate(exiled: int, passed: bool) -> None:
    """Trotsky's exile (the sanction's column), not another leader's nor another sanction."""
    sanctions = np.full((20, 7, 7), -1)
    sanctions[:exiled, T_, 4] = 40  # exiled
    sanctions[:, Z, 4] = 40
    sanctions[:, T_, 5] = 30  # recanted
    _check(_pattern(kind="sanction_rate", leader="trotsky", sanction="exiled", min=0.25),
           _ens(20, sanctions=sanctions), exiled / 20, passed)


def test_sanction_rate_at_most() -> None:
    sanctions = np.full((10, 7, 7), -1)
    sanctions[:3, T_, 5] = 30
    _check(_pattern(kind="sanction_rate", leader="trotsky", sanction="recanted", max=0.2),
           _ens(10, sanctions=sanctions), 0.3, False)


# ---------------------------------------------------------------- causes


@pytest.mark.parametrize("off_wins, passed", [(50, True), (51, False)])
def test_factor_off_drop(off_wins: int, passed: bool) -> None:
    """Stalin's win rate falls from 60% to `off_wins`%: a drop of 10 points passes."""
    base = _ens(100, winner=_winners((S, 60), (-1, 40)))
    off = _ens(100, winner=_winners((S, off_wins), (-1, 100 - off_wins)))
    p = _pattern(kind="factor_off_drop", leader="stalin", factor="appointments", min=0.10)
    res = _check(p, base, (60 - off_wins) / 100, passed, {"appointments off": off})
    assert res.band == ">= 10 points"
    assert res.shown == f"{60 - off_wins:.1f} points"


@pytest.mark.parametrize("rivals, passed", [(1, True), (0, False)])
def test_factor_off_rivals(rivals: int, passed: bool) -> None:
    """The others' combined rate must rise: no change (a mere stalemate) fails."""
    base = _ens(100, winner=_winners((S, 60), (T_, 2), (-1, 38)))
    off = _ens(100, winner=_winners((S, 10), (T_, 1), (B, 1 + rivals), (-1, 88 - rivals)))
    p = _pattern(kind="factor_off_rivals", leader="stalin", factor="appointments", above=0.0)
    res = _check(p, base, rivals / 100, passed, {"appointments off": off})
    assert res.band == "> 0 points"


def test_a_comparison_needs_its_ensemble() -> None:
    p = _pattern(kind="factor_off_rivals", leader="stalin", factor="appointments", above=0.0)
    with pytest.raises(ValueError, match="appointments off"):
        evaluate(p, _ens(10), {"every factor off": _ens(10)})


@pytest.mark.parametrize("stalin_as_zinoviev, passed", [(56, True), (40, False)])
def test_swap(stalin_as_zinoviev: int, passed: bool) -> None:
    """Base: Stalin wins 60 of 100, Zinoviev 2. Swapped: the leader in Zinoviev's place carries
    Stalin's data, and should win about 60; the one in Stalin's place about 2."""
    base = _ens(100, winner=_winners((S, 60), (Z, 2), (-1, 38)))
    swapped = _ens(100, winner=_winners((Z, stalin_as_zinoviev), (S, 3), (-1, 97 - stalin_as_zinoviev)))
    res = _check(_pattern(kind="swap", swap=["stalin", "zinoviev"]), base, abs(stalin_as_zinoviev - 60) / 100,
                 passed, {"stalin and zinoviev swapped": swapped})
    d, lo, hi = difference_interval(stalin_as_zinoviev, 100, 60, 100)
    assert res.values["stalin's data"] == {"defaults": 60, "swapped": stalin_as_zinoviev, "difference": d,
                                            "low": lo, "high": hi}
    assert res.values["zinoviev's data"]["swapped"] == 3
    assert (lo <= 0 <= hi) is passed


def test_difference_interval() -> None:
    """Newcombe's hybrid score interval (1998, method 10): his example 56/70 − 48/80 = 0.2 has
    the interval 0.0524 to 0.3339; a difference of two zero counts keeps a width."""
    d, lo, hi = difference_interval(56, 70, 48, 80)
    assert d == pytest.approx(0.2) and lo == pytest.approx(0.0524, abs=1e-4) and hi == pytest.approx(0.3339, abs=1e-4)
    d, lo, hi = difference_interval(0, 100, 0, 100)
    assert d == 0 and lo == pytest.approx(-wilson(0, 100)[1]) and hi == pytest.approx(wilson(0, 100)[1])


# ---------------------------------------------------------------- bands, comparisons and the report


def test_bands_are_inclusive_but_above_is_strict() -> None:
    w = _winners((S, 45), (-1, 55))
    _check(_pattern(kind="win_rate", leader="stalin", min=0.45, max=0.75), _ens(100, winner=w), 0.45, True)
    _check(_pattern(kind="win_rate", leader="stalin", above=0.45), _ens(100, winner=w), 0.45, False)
    assert evaluate(_pattern(kind="win_rate", leader="stalin", min=0.45, max=0.75),
                    _ens(100, winner=w)).band == "45% to 75%"


def test_comparisons_of_the_scenario() -> None:
    keys = [comparison(p) for p in scenario(SOVIET).patterns]
    assert list(dict.fromkeys(k for k in keys if k)) == [
        "every factor off", "appointments off", "stalin and zinoviev swapped"]


def test_fidelity_runs_only_the_ensembles_its_patterns_need() -> None:
    """One numbered pattern with two entries, over a tiny ensemble: the scenario's and one with
    appointments off, one progress callback over both."""
    heard: list[int] = []
    report = fidelity(SOVIET, runs=20, seed=3, ids=[16], progress=heard.append)
    assert report.ensembles == [BASELINE, "appointments off"] and sum(heard) == 40
    assert [v.id for v in report.patterns] == [16] and len(report.patterns[0].results) == 2
    assert report.patterns[0].passed is all(r.passed for r in report.results)
    data = report.to_dict()
    assert data["total"] == 1 and data["passed"] == int(report.patterns[0].passed)
    assert data["patterns"][0]["group"] == "causes"


# ---------------------------------------------------------------- swapping two leaders' data


def test_swap_leaders_exchanges_data_and_references() -> None:
    data = raw(SOVIET)
    out, overrides = swap_leaders(data, "stalin", "zinoviev", ["leaders.stalin.rigidity=0.3", "regions.moscow.patron=stalin"])
    before = {x["id"]: x for x in data["leaders"]}
    after = {x["id"]: x for x in out["leaders"]}
    assert [x["id"] for x in out["leaders"]] == [x["id"] for x in data["leaders"]]  # places kept
    assert after["stalin"]["name"] == "Stalin" and after["stalin"]["offices"] == before["zinoviev"]["offices"]
    assert after["zinoviev"]["offices"] == before["stalin"]["offices"]
    assert after["zinoviev"]["organisation"] == before["stalin"]["organisation"]
    assert after["trotsky"] == before["trotsky"]
    # a field one of them leaves out is left out (its default) in the other's place
    only = set(before["stalin"]) - set(before["zinoviev"])
    assert only and all(k not in after["stalin"] for k in only)
    patrons = [r.get("patron") for r in data["regions"]]
    swapped = {"stalin": "zinoviev", "zinoviev": "stalin"}
    assert [r.get("patron") for r in out["regions"]] == [swapped.get(x, x) for x in patrons]
    assert set(out["documents"][0]["damage"]) == set(data["documents"][0]["damage"])
    assert out["documents"][0]["damage"]["zinoviev"] == data["documents"][0]["damage"]["stalin"]
    assert out["factors"]["flexibility"]["set"] == {"leaders.zinoviev.rigidity": 0.85}
    assert overrides == {"leaders.zinoviev.rigidity": 0.3, "regions.moscow.patron": "zinoviev"}
    assert data == raw(SOVIET)  # the input is not changed
    validate(out, "swapped")


def test_swap_leaders_twice_is_the_original() -> None:
    data = raw(SOVIET)
    once, _ = swap_leaders(data, "stalin", "trotsky")
    twice, _ = swap_leaders(once, "stalin", "trotsky")
    assert twice == data


def test_swap_leaders_refuses_unknown_or_equal_leaders() -> None:
    with pytest.raises(ScenarioError, match="unknown leader 'lenin'"):
        swap_leaders(raw(SOVIET), "stalin", "lenin")
    with pytest.raises(ScenarioError, match="two different leaders"):
        swap_leaders(raw(SOVIET), "stalin", "stalin")


def test_the_changed_scenarios() -> None:
    where, data = read_scenario(SOVIET)
    patterns = {p.kind: p for p in scenario(SOVIET).patterns}
    off = changed_scenario(patterns["factor_off_drop"], where, data, None, ["testament"])
    assert off.parameters["appointment_capacity"].value == 0.0
    assert off == load_raw(where, data, None, ["testament", "appointments"])
    every = changed_scenario(patterns["all_factors_off"], where, data, None, ())
    assert every == load_raw(where, data, None, list(scenario(SOVIET).factors))
    swapped = changed_scenario(patterns["swap"], where, data, {"leaders.stalin.caution": 0.1}, ["flexibility"])
    leaders = {x.id: x for x in swapped.leaders}
    assert leaders["zinoviev"].caution == 0.1 and leaders["zinoviev"].rigidity == 0.85
    assert leaders["stalin"].offices == {x.id: x for x in scenario(SOVIET).leaders}["zinoviev"].offices


# ---------------------------------------------------------------- validation of pattern fields


@pytest.mark.parametrize("kind, field, value, problem", [
    ("factor_off_drop", "factor", "apointments", "patterns[16].factor: unknown factor 'apointments' (known: "),
    ("line_shifts", "axis", "econ", "patterns[14].axis: unknown axis 'econ' (known: economy, international)"),
    ("swap", "swap", ["stalin", "zinovev"], "patterns[17]: unknown leader 'zinovev'"),
    ("apart_by", "groups", [["zinoviev"], ["trotsk"]], "patterns[11]: unknown leader 'trotsk'"),
    ("sanction_rate", "sanction", "exile", "patterns[15].sanction: unknown sanction 'exile' (known: lost_office, "),
    ("line_shifts", "direction", "left", "patterns[14].direction: Input should be 'low' or 'high'"),
    ("swap", "swap", ["stalin"], "patterns[17]: a pattern of kind 'swap' needs two different leaders, not ['stalin']"),
    ("apart_by", "groups", [["zinoviev"]], "patterns[11]: a pattern of kind 'apart_by' needs two groups, not 1"),
    ("median_victory", "start", None, "patterns[4]: a pattern of kind 'median_victory' needs 'start'"),
    ("median_victory", "by", "1931-01", "patterns[4].by: 1931-01 is outside the scenario (1924-01 to 1930-12)"),
    ("others_win_rate", "min", None, "patterns[2]: a pattern of kind 'others_win_rate' needs a band: 'min', 'max' or 'above'"),
])
def test_a_bad_pattern_field_is_one_line(kind: str, field: str, value: Any, problem: str) -> None:
    data = raw(SOVIET)
    p = next(x for x in data["patterns"] if x["kind"] == kind)
    if value is None:
        del p[field]
    else:
        p[field] = value
    with pytest.raises(ScenarioError) as exc:
        validate(data, "broken")
    assert len(exc.value.problems) == 1 and exc.value.problems[0].startswith(problem), exc.value.problems


def test_the_tutorials_patterns_load() -> None:
    assert {p.kind for p in scenario("tutorial").patterns} == {"membership", "max_other_win_rate", "all_factors_off"}
    assert all(p.group for p in scenario("tutorial").patterns)


# ---------------------------------------------------------------- the 17 patterns at a fixed seed

# Patterns the model does not reproduce at the defaults: measured at SEED over RUNS runs (the
# model is being revised to meet them; the README's Fidelity table gives the values at seed 0).
KNOWN_GAPS: dict[int, str] = {
    2: "only Stalin ever wins: the others together 0 of 2000 runs (band >= 10%), the third most "
       "successful leader 0% (band >= 1%); nobody wins in 37.9% (band <= 40%: holds)",
    6: "Trotsky loses the War Commissariat at the first plenum, January 1924, in 1992 of 2000 runs "
       "(median January 1924, band October 1924 to June 1925; 99.6% in one month, band <= 40%)",
    11: "Zinoviev and Trotsky stand in one coalition in 1924 in 1429 of 2000 runs (apart in 28.5%, "
        "band >= 80%)",
    13: "the Right and the Left stand together against Stalin before 1928 in 1629 of 2000 runs "
        "(apart in 18.6%, band >= 80%)",
    14: "Zinoviev's and Kamenev's changes of line on the economy in 1925-27 go toward the NEP: "
        "2498 of 16357 shifts toward industrialisation (15.3%, band >= 60%)",
    15: "Trotsky recants in 93.6% of runs (band <= 20%) and is never exiled (0 of 2000, band >= 25%)",
    16: "appointments off lowers Stalin's win rate by 55.8 points (band >= 10: holds), but nobody "
        "else wins either way (the others' rate stays 0%, band > 0): the world without "
        "appointments is a stalemate",
}


def _ids() -> list[int]:
    return list(dict.fromkeys(p.id for p in scenario(SOVIET).patterns))


@pytest.fixture(scope="module")
def baseline() -> EnsembleResult:
    return ensemble(scenario(SOVIET), RUNS, SEED)


@pytest.fixture(scope="module")
def results(baseline: EnsembleResult) -> dict[int, list[PatternResult]]:
    """Every pattern of soviet-1924 evaluated at SEED: the swap over SWAP_RUNS runs an arm, the
    others over RUNS runs of each ensemble (the changed scenarios' dropped once evaluated)."""
    where, data = read_scenario(SOVIET)
    out: dict[int, list[PatternResult]] = {}
    patterns = scenario(SOVIET).patterns
    for key in dict.fromkeys(comparison(p) for p in patterns):
        todo = [p for p in patterns if comparison(p) == key]
        if key is None:
            for p in todo:
                out.setdefault(p.id, []).append(evaluate(p, baseline))
            continue
        runs = SWAP_RUNS if todo[0].kind == "swap" else RUNS
        base = baseline if runs == RUNS else ensemble(scenario(SOVIET), runs, SEED)
        other = ensemble(changed_scenario(todo[0], where, data, None, ()), runs, SEED)
        for p in todo:
            out.setdefault(p.id, []).append(evaluate(p, base, {key: other}))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("pattern_id", _ids())
def test_calibration_pattern(pattern_id: int, results: dict[int, list[PatternResult]]) -> None:
    entries = results[pattern_id]
    failing = [f"{r.text}: observed {r.shown}, band {r.band} ({r.detail})" for r in entries if not r.passed]
    if pattern_id in KNOWN_GAPS:
        assert failing, f"pattern {pattern_id} now holds: remove it from KNOWN_GAPS"
        pytest.xfail(KNOWN_GAPS[pattern_id])
    assert not failing, f"pattern {pattern_id}: " + "; ".join(failing)


def test_the_known_gaps_are_patterns() -> None:
    assert set(KNOWN_GAPS) <= set(_ids()) and _ids() == list(range(1, 18))


UNDERESTIMATION_GAP = (
    "Not reproduced: at the calibrated defaults, rivals who see the apparatus clearly turn on the "
    "General Secretary sooner, but in 1924 Trotsky's army command and the fear of a Bonaparte still "
    "make Trotsky the main threat to everyone, and by 1925 the apparatus already holds the committee; "
    "their earlier hostility only speeds up their own defeat. Switching underestimation off raises "
    "Stalin's win rate by a few points instead of lowering it by 10."
)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=UNDERESTIMATION_GAP)
def test_switching_off_underestimation_costs_stalin_ten_points(baseline: EnsembleResult) -> None:
    """Pattern 16's check for another cause of position (not a pattern of the specification)."""
    p = Pattern(id=16, kind="factor_off_drop", text="t", leader="stalin", factor="underestimation", min=0.10)
    where, data = read_scenario(SOVIET)
    off = ensemble(changed_scenario(p, where, copy.deepcopy(data), None, ()), RUNS, SEED)
    res = evaluate(p, baseline, {comparison(p) or "": off})
    assert res.passed, res.detail
