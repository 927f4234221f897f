"""A scenario's plausible worlds (`politburo.experiments.worlds`): the CSV file a scenario names
in `[scenario] worlds`, checked by `politburo check` and drawn from by `explain --uncertainty N`
(weighted, with replacement, seeded); `--prior` (`draws_from="prior"`) keeps the uniform draws
from the priors, and a scenario without worlds is refused unless it is given.

The worlds files here are small, written beside a copy of the tutorial scenario in a temporary
folder; the experiments are tiny (tens of replicates, one worker): they check the plumbing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import politburo
from politburo import report
from politburo.cli import app
from politburo.experiments import analyses as an
from politburo.experiments import library as lib
from politburo.experiments.worlds import Worlds, priors, read_worlds, worlds_file
from politburo.loader import ScenarioError, load_raw, read_scenario, scenario_folder

runner = CliRunner()
SMALL = {"replicates": 24, "workers": 1}
TUTORIAL = Path(__file__).resolve().parents[1] / "src" / "politburo" / "scenarios" / "tutorial.toml"
# Three worlds of the tutorial, inside its priors; the second has weight 0. insight is a value a
# factor (underestimation) sets when switched off.
WORLDS = """insight,bandwagon,appointment_strength,weight,distance
0.2,1.0,0.5,1,0.10
0.6,3.0,0.8,0,0.20
0.4,2.0,0.3,2,0.05
"""


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def one_line(text: str) -> str:
    lines = [x for x in text.splitlines() if x.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def scenario_with(folder: Path, worlds: str | bytes | None, name: str = "tut.worlds.csv") -> Path:
    """A copy of the tutorial in `folder` whose [scenario] names `name`, written with `worlds`
    (None: not written)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = TUTORIAL.read_text(encoding="utf-8").replace("[scenario]\n", f'[scenario]\nworlds = "{name}"\n', 1)
    path = folder / "tut.toml"
    path.write_text(text, encoding="utf-8")
    if worlds is not None:
        data = worlds.encode() if isinstance(worlds, str) else worlds
        (folder / name).write_bytes(data)
    return path


def read(path: Path) -> Worlds:
    where, raw = read_scenario(str(path))
    found = worlds_file(raw["scenario"].get("worlds"), scenario_folder(str(path)))
    assert found is not None
    return read_worlds(*found, priors(load_raw(where, raw)))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scenario_with(tmp_path_factory.mktemp("scenario"), WORLDS)


# ------------------------------------------------------------------ reading and checking


def test_a_worlds_file_is_read_and_checked(scenario: Path) -> None:
    w = read(scenario)
    assert (w.name, w.file) == ("tut.worlds.csv", str(scenario.parent / "tut.worlds.csv"))
    assert w.names == ("insight", "bandwagon", "appointment_strength") and w.count == 3
    assert w.values.tolist() == [[0.2, 1.0, 0.5], [0.6, 3.0, 0.8], [0.4, 2.0, 0.3]]
    assert w.weights.tolist() == [1.0, 0.0, 2.0]
    assert w.distances is not None and w.distances.tolist() == [0.1, 0.2, 0.05]
    assert w.sha256 == hashlib.sha256((scenario.parent / "tut.worlds.csv").read_bytes()).hexdigest()
    assert w.text == "plausible worlds (3 accepted draws of the calibration)"
    res = cli("check", str(scenario))
    assert res.exit_code == 0, res.output
    assert res.stdout == f"{scenario}: ok (4 leaders, 8 regions, 19 events, 9 factors, 3 plausible worlds)\n"
    assert json.loads(cli("check", str(scenario), "--json").stdout) == {
        "file": str(scenario), "valid": True, "problems": [], "worlds": 3}


def test_without_weights_every_world_counts_the_same_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    w = read(scenario_with(tmp_path, "\ufeffinsight , bandwagon\r\n0.1,2\r\n\r\n0.3, 1.5\r\n\r\n"))
    assert w.names == ("insight", "bandwagon") and w.values.tolist() == [[0.1, 2.0], [0.3, 1.5]]
    assert w.weights.tolist() == [1.0, 1.0] and w.distances is None


BAD: list[tuple[str, str | bytes | None, str]] = [
    ("missing", None, "no such file (the scenario's plausible worlds)"),
    ("empty", "", "empty: the first line should name the calibrated parameters"),
    ("header only", "insight,weight\n", "no worlds: the file has a header but no rows"),
    ("unknown column", "insight,nope\n0.2,1\n",
     "line 1: column 'nope' is not a parameter of the scenario (nor weight or distance)"),
    ("twice", "insight,insight\n0.2,0.3\n", "line 1: column 'insight' appears twice"),
    ("no parameter", "weight,distance\n1,0.1\n", "line 1: no parameter among the columns"),
    ("outside prior", "insight,bandwagon\n0.2,1\n1.5,1\n", "line 3: insight = 1.5 lies outside its prior [0, 1]"),
    ("not a number", "insight\n0.2\nabc\n", "line 3: insight = 'abc' is not a finite number"),
    ("nan", "insight\nnan\n", "line 2: insight = 'nan' is not a finite number"),
    ("infinite", "insight,weight\n0.2,inf\n", "line 2: weight = 'inf' is not a finite number"),
    ("negative weight", "insight,weight\n0.2,1\n0.3,-1\n", "line 3: weight = -1 is negative"),
    ("zero weights", "insight,weight\n0.2,0\n0.3,0\n", "every weight is 0: no world could be drawn"),
    ("negative distance", "insight,distance\n0.2,-0.1\n", "line 2: distance = -0.1 is negative"),
    ("short row", "insight,bandwagon\n0.2\n", "line 2: 1 values for 2 columns"),
    ("several", "insight\n2\n3\n4\n", "line 2: insight = 2 lies outside its prior [0, 1] (and 2 more problems)"),
    ("not UTF-8", b"insight\n\xff\xfe\n", "not a UTF-8 text file"),
]


@pytest.mark.parametrize(("case", "content", "problem"), BAD, ids=[c for c, _, _ in BAD])
def test_a_bad_worlds_file_is_one_line_and_exit_2(tmp_path: Path, case: str, content: str | bytes | None,
                                                   problem: str) -> None:
    path = scenario_with(tmp_path / "scenario", content)
    shown = str(path.parent / "tut.worlds.csv")
    with pytest.raises(ScenarioError) as info:
        read(path)
    assert (info.value.where, info.value.problems) == (shown, [problem])
    res = cli("check", str(path))
    assert res.exit_code == 2 and res.stdout == ""
    assert one_line(res.stderr) == f"{path}: scenario.worlds: {shown}: {problem}"
    store = tmp_path / "store"
    res = cli("explain", "-s", str(path), "-n", "8", "--uncertainty", "2", "--store", str(store))
    assert res.exit_code == 2 and res.stdout == ""
    assert one_line(res.stderr) == f"politburo: {shown}: {problem}"
    assert not store.exists()  # nothing run, nothing stored


def test_worlds_are_checked_against_the_priors_of_the_shared_world(scenario: Path, tmp_path: Path) -> None:
    """A --set that narrows a prior leaves out the worlds outside it."""
    with pytest.raises(ScenarioError) as info:
        politburo.explain(scenario, uncertainty=2, set={"parameters.bandwagon.prior": [1.5, 4.0]},
                          store=tmp_path / "store", **SMALL)
    assert info.value.problems == ["line 2: bandwagon = 1.0 lies outside its prior [1.5, 4]"]
    assert not (tmp_path / "store").exists()


# ------------------------------------------------------------------ drawing


def test_draws_are_seeded_and_follow_the_weights(scenario: Path) -> None:
    w = read(scenario)
    assert w.rows(12, 0).tolist() == w.rows(12, 0).tolist() == [2, 0, 0, 0, 2, 0, 2, 2, 2, 2, 2, 2]
    assert w.rows(12, 1).tolist() != w.rows(12, 0).tolist()
    assert w.rows(5, 0).tolist() == w.rows(12, 0).tolist()[:5]  # the first draws do not depend on n
    many = w.rows(30_000, 3)
    counts = np.bincount(many, minlength=3)
    assert counts[1] == 0  # weight 0: never drawn
    assert counts[2] / many.size == pytest.approx(2 / 3, abs=0.01)  # 4 standard deviations
    # the same draws for a seed on any machine: the generator is numpy's PCG64, seeded by (seed, a constant)
    four = Worlds("x", "x", ("insight",), np.array([[0.1], [0.2], [0.3], [0.4]]), np.array([1.0, 0.0, 2.0, 1.0]),
                  None, "")
    assert four.rows(12, 0).tolist() == [2, 0, 0, 0, 3, 0, 2, 3, 2, 2, 3, 2]


def test_the_experiment_runs_the_drawn_worlds_and_factors_stay_switchable(scenario: Path) -> None:
    where, raw = read_scenario(str(scenario))
    w = read(scenario)
    exp = an.build_uncertainty(where, raw, {"parameters.bandwagon": 2.5}, "groups", 4, 5, 0, w)
    rows = w.rows(5, 0)
    assert len(exp.arms) == 5 * 8
    for d, r in enumerate(rows):
        for arm in exp.arms[8 * d:8 * (d + 1)]:  # the world's bandwagon is not drawn
            assert dict(arm.sets) == {"parameters.insight": w.values[r, 0], "parameters.appointment_strength":
                                      w.values[r, 2]}
    on, off = exp.arms[7], exp.arms[0]  # draw 0: every factor on; every factor off
    assert load_raw(where, raw, dict(on.sets), on.factors_off).parameters["insight"].value == w.values[rows[0], 0]
    assert "underestimation" in off.factors_off  # switched off, it still sets its value over the world's
    assert load_raw(where, raw, dict(off.sets), off.factors_off).parameters["insight"].value == 1.0
    assert exp.settings["draws_from"] == w.summary(rows) and w.summary(rows)["distinct"] == len(set(rows.tolist()))
    assert exp.identity()["sources"] == {"draws_from": {"source": "worlds", "sha256": w.sha256}}


def test_a_changed_worlds_file_is_a_new_experiment(tmp_path: Path) -> None:
    """Even when only a distance changes (the draws are the same); the file's name alone, in the
    scenario, changes no experiment's id."""
    first = scenario_with(tmp_path / "a", WORLDS)
    second = scenario_with(tmp_path / "b", WORLDS.replace("0.10", "0.11"))
    ids = []
    for path in (first, second):
        where, raw = read_scenario(str(path))
        w = read(path)
        exp = an.build_uncertainty(where, raw, {}, "groups", 4, 3, 0, w)
        ids.append((exp.id, exp.arms))
    assert ids[0][1] == ids[1][1] and ids[0][0] != ids[1][0]
    where, raw = read_scenario(str(first))
    _, plain = read_scenario("tutorial")
    explain = an.build_explain(where, raw, {}, "groups", 4, 0)
    assert explain.id == an.build_explain("tutorial", plain, {}, "groups", 4, 0).id
    prior = an.build_uncertainty(where, raw, {}, "groups", 4, 3, 0)
    assert prior.id == an.build_uncertainty("tutorial", plain, {}, "groups", 4, 3, 0).id
    assert "sources" not in prior.identity() and prior.id not in (ids[0][0], ids[1][0])


def test_prior_draws_are_those_of_before() -> None:
    """The uniform draws from the priors (`--prior`) are the draws `--uncertainty` made before it
    drew from plausible worlds: values pinned from then, and an id without `sources`."""
    _, raw = read_scenario("tutorial")
    drawn = an.prior_draws(raw, 2, 7)
    assert len(drawn[0]) == len(raw["parameters"])
    assert {k: drawn[0][k] for k in ("parameters.insight", "parameters.bandwagon")} == {
        "parameters.insight": 0.254129, "parameters.bandwagon": 3.696123}
    assert {k: drawn[1][k] for k in ("parameters.insight", "parameters.bandwagon")} == {
        "parameters.insight": 0.209986, "parameters.bandwagon": 0.823821}
    exp = an.build_uncertainty("tutorial", raw, {}, "groups", 4, 2, 7)
    assert set(exp.identity()) == {"kind", "scenario", "world", "arms", "seed", "replicates", "futures", "every",
                                   "engine"}
    assert exp.settings["draws_from"] == {"source": "prior", "text": "uniform priors"}


# ------------------------------------------------------------------ explain --uncertainty N


def test_explain_draws_from_the_plausible_worlds(scenario: Path, store: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    res = politburo.explain(scenario, uncertainty=3, store=store, **SMALL)
    unc = res.uncertainty
    assert unc is not None and unc.draws == 3 and unc.replicates == 6
    w = read(scenario)
    rows = w.rows(3, 0)
    assert unc.draws_from == lib.DrawSource("worlds", "plausible worlds (3 accepted draws of the calibration)",
                                            "tut.worlds.csv", w.sha256, 3, len(set(rows.tolist())),
                                            ("insight", "bandwagon", "appointment_strength"), 0.1, 0.2)
    assert "plausible worlds of the calibration" in unc.verdict
    assert lib.result_from_dict(res.to_dict()) == res
    out = cli("explain", "-s", str(scenario), "-n", "24", "--workers", "1", "--store", str(store),
              "--uncertainty", "3", "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == res.to_dict()
    text = cli("explain", "-s", str(scenario), "-n", "24", "--workers", "1", "--store", str(store),
               "--uncertainty", "3")
    assert "draws from the plausible worlds of tut.worlds.csv (3 accepted draws of the calibration" in text.stdout
    page = report.uncertainty_section(unc.to_dict())
    assert "drawn from the scenario&#x27;s plausible worlds (3 accepted draws of the calibration)" in page
    # the same scenario given as data: its worlds file is read from the current folder
    _, raw = read_scenario(str(scenario))
    monkeypatch.chdir(scenario.parent)
    assert politburo.explain(raw, uncertainty=3, store=store, **SMALL) == res


def test_prior_gives_the_draws_and_results_of_a_scenario_without_worlds(scenario: Path, store: Path) -> None:
    with_worlds = politburo.explain(scenario, uncertainty=2, draws_from="prior", store=store, **SMALL)
    without = politburo.explain("tutorial", uncertainty=2, draws_from="prior", store=store, **SMALL)
    assert with_worlds.to_dict() == without.to_dict()
    unc = without.uncertainty
    assert unc is not None and unc.draws_from == lib.DrawSource("prior", "uniform priors")
    assert unc.verdict.startswith("Over 2 parameter draws from their priors")
    # a result stored before draws could come from plausible worlds reads back as drawn from the priors
    old = without.to_dict()
    del old["uncertainty"]["draws_from"]
    back = lib.result_from_dict(old)
    assert isinstance(back, lib.ExplainResult) and back.uncertainty is not None
    assert back.uncertainty.draws_from == lib.DrawSource("prior", "uniform priors")


def test_a_scenario_without_worlds_needs_prior(tmp_path: Path) -> None:
    store = tmp_path / "store"
    res = cli("explain", "-s", "tutorial", "-n", "8", "--uncertainty", "2", "--store", str(store))
    assert res.exit_code == 2
    assert one_line(res.stderr) == (
        "politburo: --uncertainty: scenario tutorial has no plausible worlds to draw from (no worlds file in its "
        "[scenario]; a calibration makes one): add --prior to draw the parameters uniformly from their priors")
    res = cli("explain", "-s", "tutorial", "-n", "8", "--prior", "--store", str(store))
    assert res.exit_code == 2
    assert one_line(res.stderr) == "politburo: --prior: draws from the priors only with --uncertainty N"
    assert not store.exists()
