"""What one run reports (docs/model.md §12): fates, elimination order, stages, series, votes,
and a chronicle of dated sentences that agrees with the recorded votes."""

from __future__ import annotations

import re

import numpy as np
import pytest

import politburo
from politburo.engine.sanctions import SANCTIONS


@pytest.fixture(scope="module")
def run():
    return politburo.simulate("soviet-1924", seed=11)


def test_chronicle_is_dated_and_in_order(run):
    months = [m for m, _, _ in run.chronicle]
    assert months == sorted(months)
    assert run.chronicle[0][2] == "Lenin dies."
    for _, date, text in run.chronicle:
        assert re.fullmatch(r"[A-Z][a-z]+ 19[23]\d", date)
        assert text.endswith(".")


def test_every_vote_is_in_the_chronicle_with_its_tally(run):
    tallies = [t for _, _, t in run.chronicle if re.search(r", \d+ to \d+\.$", t)]
    assert len(tallies) == len(run.votes)
    for v, text in zip(run.votes, tallies, strict=True):
        a, b = (v["yes"], v["no"]) if v["passed"] else (v["no"], v["yes"])
        assert text.endswith(f", {a} to {b}."), (v, text)


def test_fates_and_elimination_order_agree(run):
    names = [s["leader"] for s in run.standings]
    for name, fate in run.fates.items():
        assert name in names
        assert set(fate) <= set(SANCTIONS)
    assert len(set(run.elimination_order)) == len(run.elimination_order)
    if run.winner is not None:
        assert run.winner not in run.elimination_order
        assert run.ended == "won"


def test_stages_name_a_target_and_its_coalition(run):
    assert run.stages, "the struggle has at least one stage"
    first = run.stages[0]
    assert first["target"] == "Trotsky" and "Stalin" in first["members"]
    for stage in run.stages:
        assert stage["target"] not in stage["members"]
        assert len(stage["members"]) >= 2


def test_monthly_series_cover_the_run(run):
    T = run.spec.months
    for key in ("prestige", "heir", "committee_share", "actual_power", "perceived_power", "apparatus",
                "target", "economy", "members", "coalitions"):
        assert run.series[key].shape[0] == T, key
    shares = run.series["committee_share"]
    assert np.all((shares >= 0) & (shares <= 1))


def test_the_testament_read_to_the_congress_puts_stalins_removal_to_the_vote():
    res = politburo.simulate(politburo.load_scenario(factors_off=["testament"]), seed=4)
    may = [t for m, _, t in res.chronicle if m == 4]
    assert any("read in full to the Party Congress" in t for t in may)
    assert any("13th Party Congress" in t and "remove Stalin as General Secretary" in t for t in may), may
