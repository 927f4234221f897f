"""The built-in scenarios load and simulate; the engine is generic; the loader names every
problem by its key path; overrides and factors are checked and applied exactly."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SCENARIOS, raw, scenario, spec

import politburo
from politburo import ScenarioError, load_scenario
from politburo.compile import compile_scenario
from politburo.loader import validate

# ---------------------------------------------------------------- built-ins load and run


def test_builtin_names_include_both_scenarios() -> None:
    names = politburo.builtin_names()
    for name in SCENARIOS:
        assert name in names


@pytest.mark.parametrize("name", SCENARIOS)
def test_builtin_scenario_loads_and_compiles(name: str) -> None:
    sc = load_scenario(name)
    assert sc.scenario.name == name
    sp = compile_scenario(sc)
    assert sp.months == sc.months > 12
    assert sp.L == len(sc.leaders) and sp.O == len(sc.offices) and sp.R == len(sc.regions)
    assert sp.founder_death >= 0 and sp.funeral >= sp.founder_death
    assert set(sp.params._fields) == set(sc.parameters)


@pytest.mark.parametrize("name", SCENARIOS)
def test_builtin_scenario_simulates(name: str) -> None:
    res = politburo.simulate(name, seed=1)
    sc = scenario(name)
    assert res.scenario == name
    assert len(res.chronicle) >= 5, res.chronicle
    assert len(res.votes) >= 1
    months = [m for m, _, _ in res.chronicle]
    assert months == sorted(months)
    assert all(0 <= m < sc.months for m in months)
    assert all(isinstance(text, str) and text.strip() for _, _, text in res.chronicle)
    assert res.chronicle[0][2] == f"{sc.scenario.founder} dies."
    for v in res.votes:
        assert v["yes"] >= 0 and v["no"] >= 0 and v["abstain"] >= 0
        assert v["proposer"] != v["target"]
    assert len(res.standings) == len(sc.leaders)
    assert res.ended in ("won", "end date")
    assert (res.winner is None) == (res.ended == "end date")


def test_tutorial_has_what_it_teaches() -> None:
    sc = scenario("tutorial")
    assert len(sc.leaders) == 4
    assert 6 <= len(sc.regions) <= 10
    assert len(sc.axes) == 2
    assert 48 <= sc.months <= 60
    kinds = Counter(e.kind for e in sc.events)
    assert kinds["founder_death"] == 1 and kinds["funeral"] == 1
    assert kinds["congress"] == 2
    assert kinds["plenum"] >= 3
    for k in ("conference", "membership_drive", "economic_shock", "foreign_shock", "bureau_size", "document"):
        assert kinds[k] >= 1, k
    death = next(e for e in sc.events if e.kind == "founder_death")
    assert sc.month(death.date) == 0
    first_congress = min(sc.month(e.date) for e in sc.events if e.kind == "congress")
    letter = next(e for e in sc.events if e.kind == "document")
    assert sc.month(letter.date) == first_congress
    powers = {p for o in sc.offices for p in o.powers}
    assert {"top_party_office", "appoint", "recruit", "army", "government", "press"} <= powers
    assert set(sc.scenario.bodies.values()).isdisjoint(set(scenario("soviet-1924").scenario.bodies.values()))
    assert len(sc.factors) >= 4
    assert {p.kind for p in sc.patterns} >= {"membership", "all_factors_off"}
    assert 2 <= len(sc.membership_record) <= 3
    # the same calibrated parameters as the flagship, each with a source
    assert set(sc.parameters) == set(scenario("soviet-1924").parameters)
    assert all(p.source.strip() for p in sc.parameters.values())
    for group in (sc.leaders, sc.offices, sc.regions, sc.events, sc.documents, sc.membership_record):
        assert all(x.source.strip() for x in group)


# ---------------------------------------------------------------- the engine names no one

FORBIDDEN = re.compile(r"stalin|trotsky|zinoviev|kamenev|bukharin|lenin|soviet|politburo member|khrushchev",
                       re.IGNORECASE)


def _engine_files() -> list[Path]:
    folder = Path(str(resources.files("politburo") / "engine"))
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.name == "step.py" for p in files)
    return files


def _scenario_people() -> set[str]:
    words = set()
    for name in SCENARIOS:
        for ld in raw(name)["leaders"]:
            words.add(ld["id"])
            words.add(ld["name"])
    return words


def test_engine_names_no_person_or_country() -> None:
    people = sorted(_scenario_people())
    assert "stalin" in people and "halvas" in people
    person = re.compile(r"\b(" + "|".join(re.escape(w) for w in people) + r")\b", re.IGNORECASE)
    hits = []
    for path in _engine_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            for rx in (FORBIDDEN, person):
                m = rx.search(line)
                if m:
                    hits.append(f"{path.name}:{lineno}: {m.group(0)!r} in {line.strip()!r}")
    assert not hits, "\n".join(hits)


# ---------------------------------------------------------------- validation names the key path


def _problems(raw_: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        validate(raw_, "soviet-1924")
    assert exc.value.where == "soviet-1924"
    assert exc.value.problems
    return exc.value.problems


def _one_matches(problems: list[str], pattern: re.Pattern[str] | str, *words: str) -> str:
    if isinstance(pattern, str):
        pattern = re.compile("^" + re.escape(pattern) + ": ")
    hits = [p for p in problems if pattern.search(p)]
    assert hits, f"no problem matches {pattern.pattern!r}: {problems}"
    for w in words:
        assert any(w in p for p in hits), f"{w!r} not in {hits}"
    return hits[0]


def test_missing_key_is_named(soviet_raw: dict[str, Any]) -> None:
    del soviet_raw["leaders"][0]["oratory"]
    _one_matches(_problems(soviet_raw), "leaders[stalin].oratory", "required")


def test_wrong_type_is_named(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["leaders"][0]["oratory"] = "high"
    _one_matches(_problems(soviet_raw), "leaders[stalin].oratory", "number")


def test_out_of_range_trait_is_named(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["leaders"][1]["caution"] = 1.7
    _one_matches(_problems(soviet_raw), "leaders[trotsky].caution")


def test_unknown_key_is_named(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["leaders"][2]["charisma"] = 0.5
    _one_matches(_problems(soviet_raw), "leaders[zinoviev].charisma", "unknown key")


def test_office_held_by_two_leaders(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["leaders"][1]["offices"] = ["war", "general_secretary"]
    _one_matches(_problems(soviet_raw), "leaders[trotsky].offices", "general_secretary", "stalin")


def test_date_outside_the_scenario(soviet_raw: dict[str, Any]) -> None:
    i = next(k for k, e in enumerate(soviet_raw["events"]) if e["kind"] == "plenum")
    soviet_raw["events"][i]["date"] = "1935-01"
    # events have no id: they are named by their index
    _one_matches(_problems(soviet_raw), f"events[{i}].date", "1935-01", "outside")


def test_malformed_date(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["events"][0]["date"] = "1924-13"
    _one_matches(_problems(soviet_raw), "events[0].date", "1924-13")


def test_unknown_power(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["offices"][0]["powers"] = ["top_party_office", "telepathy"]
    _one_matches(_problems(soviet_raw), "offices[general_secretary].powers", "telepathy")


def test_factor_overriding_an_unknown_parameter(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["factors"]["appointments"]["set"] = {"parameters.nonexistent": 0.0}
    _one_matches(_problems(soviet_raw), "factors.appointments.set.parameters.nonexistent", "nonexistent")


def test_factor_overriding_an_unknown_leader(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["factors"]["other_posts"]["set"] = {"leaders.nobody.network": 0.0}
    _one_matches(_problems(soviet_raw), "factors.other_posts.set.leaders.nobody.network", "nobody")


def test_factor_setting_a_value_outside_the_prior(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["factors"]["appointments"]["set"] = {"parameters.insight": 5.0}
    _one_matches(_problems(soviet_raw), "factors.appointments", "parameters.insight", "prior")


def test_parameter_outside_its_prior(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["parameters"]["insight"]["value"] = 2.0
    _one_matches(_problems(soviet_raw), "parameters.insight", "prior")


def test_unknown_parameter(soviet_raw: dict[str, Any]) -> None:
    soviet_raw["parameters"]["nonexistent"] = {"value": 1.0, "prior": [0.0, 2.0], "source": "test"}
    _one_matches(_problems(soviet_raw), "parameters.nonexistent", "unknown parameter")


def test_missing_parameter(soviet_raw: dict[str, Any]) -> None:
    del soviet_raw["parameters"]["insight"]
    _one_matches(_problems(soviet_raw), "parameters.insight", "missing")


def test_every_problem_is_reported(soviet_raw: dict[str, Any]) -> None:
    del soviet_raw["leaders"][0]["oratory"]
    soviet_raw["offices"][0]["powers"] = ["top_party_office", "telepathy"]
    soviet_raw["parameters"]["insight"]["value"] = 2.0
    problems = _problems(soviet_raw)
    for path in ("leaders[stalin].oratory", "offices[general_secretary].powers", "parameters.insight"):
        _one_matches(problems, path)


# ---------------------------------------------------------------- load_scenario options


def test_unknown_scenario_names_the_option() -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("nope")
    assert exc.value.where == "--scenario"
    assert "--scenario" in str(exc.value) and "nope" in str(exc.value)


def test_missing_file() -> None:
    with pytest.raises(ScenarioError):
        load_scenario("/nonexistent/scenario.toml")


def test_scenario_file_path_loads(tmp_path: Path) -> None:
    src = resources.files("politburo") / "scenarios" / "tutorial.toml"
    path = tmp_path / "copy.toml"
    path.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_scenario(str(path)).scenario.name == "tutorial"


@pytest.mark.parametrize("overrides", [["parameters.nonexistent=1"], {"parameters.nonexistent": 1}])
def test_override_of_unknown_parameter(overrides: Any) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("soviet-1924", overrides=overrides)
    assert exc.value.where == "--set"
    assert "nonexistent" in str(exc.value)


def test_override_with_a_non_number() -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("soviet-1924", overrides=["parameters.insight=abc"])
    assert exc.value.where == "--set"
    assert "parameters.insight" in str(exc.value)


def test_override_outside_the_prior() -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("soviet-1924", overrides=["parameters.insight=2.5"])
    assert any(p.startswith("parameters.insight") for p in exc.value.problems)


def test_override_not_path_equals_value() -> None:
    with pytest.raises(ScenarioError):
        load_scenario("soviet-1924", overrides=["parameters.insight"])


def test_unknown_factor() -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("soviet-1924", factors_off=["nope"])
    assert exc.value.where == "--factor"
    assert "nope" in str(exc.value)


@pytest.mark.parametrize("name", SCENARIOS)
def test_override_changes_only_that_parameter(name: str) -> None:
    base = spec(name)
    lo, hi = scenario(name).parameters["insight"].prior
    value = (lo + hi) / 2 if base.params.insight != (lo + hi) / 2 else lo
    for ov in ({"parameters.insight": value}, [f"parameters.insight={value!r}"]):
        sp = compile_scenario(load_scenario(name, overrides=ov))
        assert sp.params.insight == value
        assert {k: v for k, v in sp.params._asdict().items() if k != "insight"} == \
               {k: v for k, v in base.params._asdict().items() if k != "insight"}


def _compiled_value(sp: Any, sc: Any, path: str) -> Any:
    """Where a factor's override lands in the compiled spec."""
    kind, *rest = path.split(".")
    if kind == "parameters":
        return getattr(sp.params, rest[0])
    ident, fld = rest
    if kind == "leaders":
        i = [x.id for x in sc.leaders].index(ident)
        return getattr(sp, fld)[i].item()
    if kind == "axes":
        i = [x.id for x in sc.axes].index(ident)
        return {"high_appeal": sp.high_appeal}[fld][i].item()
    if kind == "documents":
        i = [x.id for x in sc.documents].index(ident)
        return {"forced_release": sp.doc_forced}[fld][i].item()
    raise AssertionError(f"no mapping for {path}")


def _expected(sc: Any, path: str, value: Any) -> Any:
    if path.startswith("documents.") and path.endswith(".forced_release"):
        return sc.month(value)
    return value


@pytest.mark.parametrize("name", SCENARIOS)
def test_factor_off_changes_the_compiled_spec_as_its_set_says(name: str) -> None:
    sc0, sp0 = scenario(name), spec(name)
    assert sc0.factors
    for fname, factor in sc0.factors.items():
        sc = load_scenario(name, factors_off=[fname])
        sp = compile_scenario(sc)
        for path, value in factor.set.items():
            assert _compiled_value(sp, sc, path) == _expected(sc, path, value), (fname, path)
        # nothing else moves: the other parameters, and the arrays the factor does not touch
        touched = {p.split(".")[1] for p in factor.set if p.startswith("parameters.")}
        assert {k: v for k, v in sp.params._asdict().items() if k not in touched} == \
               {k: v for k, v in sp0.params._asdict().items() if k not in touched}, fname
        if all(p.startswith("parameters.") for p in factor.set):
            for attr in ("oratory", "organisation", "network", "rigidity", "prestige0", "holder0", "meeting",
                         "delegates", "committee_size", "bureau_size", "drive", "doc_forced", "high_appeal"):
                assert np.array_equal(getattr(sp, attr), getattr(sp0, attr)), (fname, attr)


@pytest.mark.parametrize("name", SCENARIOS)
def test_all_factors_off_together(name: str) -> None:
    sc0 = scenario(name)
    sc = load_scenario(name, factors_off=list(sc0.factors))
    sp = compile_scenario(sc)
    for factor in sc0.factors.values():
        for path, value in factor.set.items():
            assert _compiled_value(sp, sc, path) == _expected(sc, path, value), path
