"""Values outside their domain: every number of a scenario is finite and inside a documented range,
in a file and through overrides alike, each refusal one line naming the key path; anything the
TOML reader raises is one line too; absurd sizes are refused, and the largest allowed ones run."""

from __future__ import annotations

import copy
import math
import os
import re
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SCENARIOS, raw, scenario
from pydantic import BaseModel
from typer.testing import CliRunner

from politburo import schema
from politburo.api import simulate
from politburo.cli import app
from politburo.engine.parameters import PARAMETERS
from politburo.loader import ScenarioError, load_raw, load_scenario, validate

REPO = Path(__file__).resolve().parents[1]
SCENARIO_DIR = REPO / "src" / "politburo" / "scenarios"
LIMIT = sys.get_int_max_str_digits()  # 4300 unless the environment changes it
NAN, INF = float("nan"), float("inf")

runner = CliRunner()


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def one_line(res: Any) -> str:
    """The single line a refused command prints on stderr (exit code 2, nothing on stdout)."""
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


# ------------------------------------------------------------------ every numeric field of the schema

Path_ = tuple[str | int, ...]


def _base(tp: Any) -> Any:
    """A field type without Annotated and without an optional None."""
    if typing.get_origin(tp) is typing.Annotated:
        return _base(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _base(args[0]) if len(args) == 1 else tp
    return tp


def _numeric(tp: Any) -> bool:
    """Is a field's type int or float (perhaps Annotated, perhaps optional)?"""
    return _base(tp) in (int, float)


def _model(tp: Any) -> type[BaseModel] | None:
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def numeric_fields(cls: type[BaseModel] = schema.Scenario) -> set[tuple[str, str]]:
    """(model, field) of every numeric field reachable from `cls`, read from the classes."""
    out: set[tuple[str, str]] = set()
    for name, info in cls.model_fields.items():
        tp = info.annotation
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if _numeric(tp) or (origin in (dict, tuple, list) and args and _numeric(args[-1])):
            out.add((cls.__name__, name))
        for sub in ([tp] if origin is None else list(args)):
            if _model(sub) is not None:
                out |= numeric_fields(sub)
    return out


def numeric_leaves(m: BaseModel, path: Path_ = ()) -> Iterator[tuple[Path_, str, str]]:
    """(path in the raw data, model, field) of every number a scenario has or could have: an
    optional numeric field left out (None) counts, each value of a table of numbers counts."""
    cls = type(m)
    for name, info in cls.model_fields.items():
        tp, value = info.annotation, getattr(m, name)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        here = (*path, name)
        if _numeric(tp):
            yield here, cls.__name__, name
        elif origin is dict and _numeric(args[1]):
            for k in value:
                yield (*here, k), cls.__name__, name
        elif origin is tuple and all(_numeric(a) for a in args):
            for i in range(len(value)):
                yield (*here, i), cls.__name__, name
        elif isinstance(value, BaseModel):
            yield from numeric_leaves(value, here)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from numeric_leaves(item, (*here, i))
        elif isinstance(value, dict):
            for k, item in value.items():
                if isinstance(item, BaseModel):
                    yield from numeric_leaves(item, (*here, k))


def location(data: dict[str, Any], path: Path_) -> str:
    """How messages name `path`: list items by id in brackets, or by position without one."""
    out, node = "", data
    for key in path:
        if isinstance(key, int) and isinstance(node, list):
            item = node[key]
            out += f"[{item['id'] if isinstance(item, dict) and 'id' in item else key}]"
            node = item
        else:
            out += f".{key}" if out else str(key)
            node = node.get(key) if isinstance(node, dict) else None
    return out


def key_path(data: dict[str, Any], path: Path_) -> str | None:
    """The --set key path of `path` (list items by id), or None if an item on it has no id."""
    keys, node = [], data
    for key in path:
        if isinstance(key, int) and isinstance(node, list):
            if not (isinstance(node[key], dict) and isinstance(node[key].get("id"), str)):
                return None  # (a pattern's number is no key)
            keys.append(node[key]["id"])
            node = node[key]
        elif isinstance(key, int):  # an element of a prior: named by the prior
            keys.append(str(key))
        else:
            keys.append(key)
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(keys)


def put(data: dict[str, Any], path: Path_, value: Any) -> None:
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def leaves(name: str) -> list[Path_]:
    return [p for p, _, _ in numeric_leaves(scenario(name))]


def test_the_walk_reaches_every_numeric_field_of_the_schema() -> None:
    declared = numeric_fields()
    walked = {(m, f) for name in SCENARIOS for _, m, f in numeric_leaves(scenario(name))}
    assert declared == walked
    # the classes' numbers, by hand (a new numeric field must be added here and given a domain)
    assert declared == {
        ("Meta", "committee_size"), ("Meta", "bureau_size"), ("Axis", "high_appeal"),
        *(("Leader", f) for f in ("oratory", "organisation", "ambition", "caution", "rigidity", "network",
                                  "prestige", "ideology")),
        ("Region", "members"), ("Region", "loyalty"), ("Region", "sentiment"), ("Document", "damage"),
        *(("Event", f) for f in ("delegates", "committee_size", "size", "members", "months", "mean", "sd")),
        ("MembershipPoint", "members"), ("Parameter", "value"), ("Parameter", "prior"),
        *(("Pattern", f) for f in ("id", "rank", "min", "max", "above", "tolerance")),
    }


@pytest.mark.parametrize("value, shown", [(NAN, "nan"), (INF, "inf"), (-INF, "-inf")])
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_number_in_a_file_refuses_non_finite_values(name: str, value: float, shown: str) -> None:
    """Every numeric leaf at once (a problem is reported for each): exactly one line per leaf."""
    data = raw(name)
    expected = set()
    for path in leaves(name):
        put(data, path, value)
        expected.add(f"{location(data, path)}: must be a finite number, not {shown}")
    with pytest.raises(ScenarioError) as exc:
        validate(data, f"{name}.toml")
    assert exc.value.where == f"{name}.toml"
    assert sorted(exc.value.problems) == sorted(expected)


@pytest.mark.parametrize("value, shown", [(NAN, "nan"), (INF, "inf"), (-INF, "-inf")])
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_number_a_key_path_names_refuses_non_finite_overrides(name: str, value: float,
                                                                     shown: str) -> None:
    """Through --set, each problem is named by the key path as given (a prior, set whole, by its
    elements)."""
    data = raw(name)
    overrides: dict[str, Any] = {}
    expected = set()
    for path in leaves(name):
        key = key_path(data, path)
        if key is None:  # events, membership records and patterns have no key path
            continue
        if path[-2] == "prior":
            key = key.rsplit(".", 1)[0]
            overrides[key] = [value, value]
            expected.add(f"{key}[{path[-1]}]: must be a finite number, not {shown}")
        else:
            overrides[key] = value
            expected.add(f"{key}: must be a finite number, not {shown}")
    assert len(overrides) > 100
    with pytest.raises(ScenarioError) as exc:
        load_raw(name, raw(name), overrides)
    assert exc.value.where == "--set"
    assert sorted(exc.value.problems) == sorted(expected)


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_factor_setting_nan_is_refused(name: str) -> None:
    data = raw(name)
    expected = set()
    for factor, spec in data["factors"].items():
        numbers = [k for k, v in spec["set"].items() if type(v) in (int, float)]
        for k in numbers:
            spec["set"][k] = NAN
            # leaders.stalin.network is leaders[stalin].network; a parameter's path names its value
            item = re.sub(r"^(\w+)\.([^.]+)\.", r"\1[\2].", k)
            place = f"{k}.value" if k.startswith("parameters.") else item
            expected.add(f"factors.{factor}: switching it off makes {place} invalid: "
                         "must be a finite number, not nan")
    assert expected
    with pytest.raises(ScenarioError) as exc:
        validate(data, name)
    assert sorted(exc.value.problems) == sorted(expected)


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_number_has_a_finite_range(name: str, sign: int) -> None:
    """±1e300 in every float and ±10**30 in every integer field: each leaf is refused at its path
    (a parameter's value by its prior: the problem is named by the parameter)."""
    data = raw(name)
    expected = set()
    for path, model, field in numeric_leaves(scenario(name)):
        is_int = _base(getattr(schema, model).model_fields[field].annotation) is int
        put(data, path, sign * (10**30 if is_int else 1e300))
        loc = location(data, path)
        if model == "Parameter":  # a value outside its prior is the parameter's problem
            loc = loc.split(".value")[0].split(".prior")[0]
        elif (model, field) == ("Leader", "ideology"):  # checked as a table: "ideology.AXIS = x is outside"
            loc = loc.rsplit(".", 1)[0]
        expected.add(loc)
    with pytest.raises(ScenarioError) as exc:
        validate(data, name)
    named = {p.split(": ")[0] for p in exc.value.problems}
    named = {n.split(".prior")[0] if n.startswith("parameters.") else n for n in named}
    assert named == expected


def test_an_integral_float_is_checked_as_the_integer_it_names() -> None:
    data = raw("tutorial")
    region = data["regions"][0]["id"]
    for value in (1e30, 10**30):
        data["regions"][0]["members"] = value
        with pytest.raises(ScenarioError) as exc:
            validate(data, "t")
        limit = f"Input should be less than or equal to {schema.MAX_MEMBERS}"
        assert exc.value.problems == [f"regions[{region}].members: {limit}"]


# ------------------------------------------------------------------ parameters' domains


def test_every_parameter_has_a_domain_holding_the_builtin_priors() -> None:
    assert set(schema.PARAMETER_DOMAINS) == set(PARAMETERS)
    for name in SCENARIOS:
        for p, param in scenario(name).parameters.items():
            lo, hi = schema.PARAMETER_DOMAINS[p]
            assert math.isfinite(lo) and math.isfinite(hi) and lo <= param.prior[0] <= param.prior[1] <= hi, p


def test_a_prior_beyond_its_domain_is_refused() -> None:
    with pytest.raises(ScenarioError) as exc:
        load_raw("soviet-1924", raw("soviet-1924"), {"parameters.insight.prior": [0.0, 5.0]})
    expected = "parameters.insight.prior: [0, 5] goes beyond the parameter's domain [0, 1]"
    assert exc.value.problems == [expected]
    with pytest.raises(ScenarioError) as exc:
        load_raw("soviet-1924", raw("soviet-1924"), {"parameters.supermajority.prior": [0.2, 1.0],
                                                     "parameters.supermajority": 0.3})
    expected = "parameters.supermajority.prior: [0.2, 1] goes beyond the parameter's domain [0.5, 1]"
    assert exc.value.problems == [expected]


# ------------------------------------------------------------------ sizes


def test_more_leaders_than_the_engine_records_are_refused() -> None:
    data = raw("tutorial")
    extra = copy.deepcopy(data["leaders"][-1])
    extra.pop("offices", None)
    for k in range(schema.MAX_LEADERS + 1 - len(data["leaders"])):
        data["leaders"].append({**extra, "id": f"extra{k}", "name": f"Extra {k}"})
    with pytest.raises(ScenarioError) as exc:
        validate(data, "t")
    expected = (f"leaders: List should have at most {schema.MAX_LEADERS} items after validation, "
                f"not {len(data['leaders'])}")
    assert len(data["leaders"]) == schema.MAX_LEADERS + 1
    assert exc.value.problems == [expected]


def test_a_scenario_longer_than_the_limit_is_refused() -> None:
    data = raw("tutorial")
    y, m = (int(x) for x in data["scenario"]["start"].split("-"))
    months = schema.MAX_MONTHS + 1
    k = y * 12 + m - 1 + months - 1
    data["scenario"]["end"] = end = f"{k // 12:04d}-{k % 12 + 1:02d}"
    with pytest.raises(ScenarioError) as exc:
        validate(data, "t")
    start = data["scenario"]["start"]
    expected = (f"scenario.end: the scenario spans {months} months ({start} to {end}); "
                f"at most {schema.MAX_MONTHS} are allowed")
    assert exc.value.problems == [expected]


def _at_the_limits() -> dict[str, Any]:
    """The tutorial grown to every size limit at once: leaders, axes, offices, regions, documents,
    months, members, seats, shocks; each parameter at the top of its domain."""
    data = raw("tutorial")
    new_axes = [f"axis{i}" for i in range(schema.MAX_AXES - len(data["axes"]))]
    data["axes"] += [{"id": a, "name": a, "low_label": "low", "high_label": "high", "high_appeal": 1.0}
                     for a in new_axes]
    first = data["leaders"]
    data["leaders"] += [
        {**copy.deepcopy(first[k % len(first)]), "id": f"l{k}", "name": f"L{k}", "offices": []}
        for k in range(len(first), schema.MAX_LEADERS)]
    for ld in data["leaders"]:
        ld["ideology"].update({a: 1.0 for a in new_axes})
    offices = data["offices"]
    data["offices"] += [{"id": f"o{k}", "name": f"O{k}", "powers": ["press"], "source": "test"}
                        for k in range(len(offices), schema.MAX_OFFICES)]
    regions = data["regions"]
    data["regions"] += [{**{k: v for k, v in regions[i % len(regions)].items() if k != "home_of"},
                         "id": f"r{i}", "name": f"R{i}"} for i in range(len(regions), schema.MAX_REGIONS)]
    for r in data["regions"]:
        r["members"] = schema.MAX_MEMBERS
        r["sentiment"].update({a: -1.0 for a in new_axes})
    arrival = next(e for e in data["events"] if e["kind"] == "document")
    for k in range(len(data["documents"]), schema.MAX_DOCUMENTS):
        doc = {"id": f"d{k}", "name": f"D{k}", "source": "test",
               "damage": {ld["id"]: schema.MAX_PRESTIGE for ld in data["leaders"]}}
        data["documents"].append(doc)
        data["events"].append({**arrival, "document": doc["id"]})
    y, m = (int(x) for x in data["scenario"]["start"].split("-"))
    k = y * 12 + m - 1 + schema.MAX_MONTHS - 1
    data["scenario"].update(end=f"{k // 12:04d}-{k % 12 + 1:02d}", committee_size=schema.MAX_SEATS,
                            bureau_size=schema.MAX_SEATS)
    for e in data["events"]:
        e.update({f: schema.MAX_SEATS for f in ("delegates", "committee_size", "size") if f in e})
        if e["kind"] == "membership_drive":
            e.update(members=schema.MAX_MEMBERS, months=schema.MAX_MONTHS)
        if e["kind"] in ("economic_shock", "foreign_shock"):
            e.update(mean=schema.MAX_SHOCK, sd=schema.MAX_SHOCK)
    for p, param in data["parameters"].items():
        lo, hi = schema.PARAMETER_DOMAINS[p]
        param.update(prior=[lo, hi], value=hi)
    return data


def test_a_run_at_every_limit_is_finite() -> None:
    sc = load_raw("limits", _at_the_limits())
    sizes = (len(sc.leaders), len(sc.axes), len(sc.offices), len(sc.regions), len(sc.documents), sc.months)
    assert sizes == (schema.MAX_LEADERS, schema.MAX_AXES, schema.MAX_OFFICES, schema.MAX_REGIONS,
                     schema.MAX_DOCUMENTS, schema.MAX_MONTHS)
    res = simulate(sc, seed=1)
    prestige = [s["prestige"] for s in res.standings]
    assert len(prestige) == schema.MAX_LEADERS and all(0.0 <= p <= schema.MAX_PRESTIGE for p in prestige)
    for key, series in res.series.items():
        assert np.isfinite(np.asarray(series, dtype=float)).all(), key


# ------------------------------------------------------------------ the command line


FINITE = "must be a finite number, not"
DIGITS = f"integer has more than {LIMIT} digits"


@pytest.mark.parametrize("setting, line", [
    ("axes.economy.high_appeal=nan", f"axes.economy.high_appeal: {FINITE} nan"),
    ("regions.leningrad.sentiment.economy=nan", f"regions.leningrad.sentiment.economy: {FINITE} nan"),
    ("parameters.insight=inf", f"parameters.insight: {FINITE} inf"),
    ("leaders.stalin.prestige=-inf", f"leaders.stalin.prestige: {FINITE} -inf"),
    ("scenario.committee_size=1e400", f"scenario.committee_size: {FINITE} inf"),
    ("scenario.committee_size=" + "9" * (LIMIT + 1), f"scenario.committee_size: {DIGITS}"),
    ("axes.economy.high_appeal=0x" + "f" * (LIMIT + 1), f"axes.economy.high_appeal: {DIGITS}"),
    ("axes.economy.high_appeal=" + "9" * 400, f"axes.economy.high_appeal: {FINITE} an integer of 400 digits"),
    ("regions.leningrad.members=1e30",
     f"regions.leningrad.members: Input should be less than or equal to {schema.MAX_MEMBERS}"),
    ("parameters.insight=" + "[" * 5000, "parameters.insight: value nested too deeply"),
])
def test_set_refuses_a_value_outside_its_domain_in_one_line(setting: str, line: str) -> None:
    res = cli("ensemble", "--runs", "200", "--set", setting)
    assert one_line(res) == f"politburo: --set: {line}"


@pytest.mark.parametrize("args, line", [
    (["run", "--seed", "9" * 5000],
     "--seed: seed must be an integer of at most 30 digits, not one of 5,000 digits"),
    (["ensemble", "--runs", "9" * (LIMIT + 1)],
     f"--runs: the number of runs must be an integer of at most 30 digits, not one of {LIMIT + 1:,} digits"),
    (["run", "--seed", "9" * 25], "--seed: seed must be between 0 and 2**63-1, not " + "9" * 25),
])
def test_integer_options_refuse_huge_numbers_in_one_line(args: list[str], line: str) -> None:
    assert one_line(cli(*args)) == f"politburo: {line}"


def _edited(tmp_path: Path, old: str, new: str, name: str = "tutorial") -> tuple[Path, int]:
    """A copy of a built-in scenario with the first `old` replaced by `new`; the line it is on."""
    text = (SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8")
    at = text.index(old)
    path = tmp_path / "edited.toml"
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return path, text[:at].count("\n") + 1


def test_check_names_the_key_path_of_a_nan(tmp_path: Path) -> None:
    data = raw("tutorial")
    region = next(r["id"] for r in data["regions"] if r["sentiment"] == {"land": -0.1, "bloc": 0.0})
    old = "sentiment = { land = -0.1, bloc = 0.0 }"
    path, _ = _edited(tmp_path, old, old.replace("-0.1", "nan"))
    problem = f"regions[{region}].sentiment.land: {FINITE} nan"
    assert one_line(cli("check", str(path))) == f"{path}: {problem}"
    assert one_line(cli("run", "--scenario", str(path), "--seed", "1")) == f"politburo: {path}: {problem}"


@pytest.mark.parametrize("value, problem", [
    ("9" * (LIMIT + 1), f"not valid TOML: integer at line {{line}} has more than {LIMIT} digits"),
    ("-" + "1" * (LIMIT + 100), f"not valid TOML: integer at line {{line}} has more than {LIMIT} digits"),
    ("[" * 3000 + "]" * 3000, "not valid TOML: value at line {line} nested too deeply"),
    ("0x" + "f" * (LIMIT + 1), f"regions[{{region}}].members: {DIGITS}"),
    ("1" + "0" * 30, "regions[{region}].members: Input should be less than or equal to " + f"{schema.MAX_MEMBERS}"),
    ("inf", f"regions[{{region}}].members: {FINITE} inf"),
])
def test_check_gives_one_line_for_an_unreadable_or_absurd_number(tmp_path: Path, value: str,
                                                                 problem: str) -> None:
    data = raw("tutorial")
    region = data["regions"][0]["id"]
    members = data["regions"][0]["members"]
    path, line = _edited(tmp_path, f"members = {members}", f"members = {value}")
    assert one_line(cli("check", str(path))) == f"{path}: " + problem.format(line=line, region=region)


def test_a_huge_integer_through_the_real_entry_point(tmp_path: Path) -> None:
    path, line = _edited(tmp_path, "committee_size = ", "committee_size = " + "9" * (LIMIT + 1) + " #")
    proc = subprocess.run([sys.executable, "-m", "politburo", "check", str(path)], capture_output=True,
                          text=True, check=False, timeout=120, env={**os.environ, "COLUMNS": "80"})
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2, "", f"{path}: not valid TOML: integer at line {line} has more than {LIMIT} digits\n")


def test_the_line_of_a_huge_integer_is_found_in_a_multiline_array(tmp_path: Path) -> None:
    path = tmp_path / "array.toml"
    path.write_text("a = 1\nb = [\n  1,\n  2,\n  " + "7" * (LIMIT + 1) + ",\n  3,\n]\n", encoding="utf-8")
    line = one_line(cli("check", str(path)))
    assert line == f"{path}: not valid TOML: integer at line 5 has more than {LIMIT} digits"


def test_a_claims_file_with_a_huge_integer_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "claims.toml"
    path.write_text('title = "t"\n[[claims]]\nid = "a"\ntext = "t"\nexpect = "lower"\n'
                    f'set = {{ "parameters.insight" = {"9" * (LIMIT + 1)} }}\n', encoding="utf-8")
    res = cli("claims", str(path), "--store", str(tmp_path / "store"))
    line = one_line(res)
    assert line == f"politburo: {path}: not valid TOML: integer at line 6 has more than {LIMIT} digits"
    assert not (tmp_path / "store").exists()


# ------------------------------------------------------------------ the documented domains are the checked ones

GUIDE = REPO / "docs" / "scenarios.md"


def test_the_guide_lists_each_parameter_in_its_domain() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[(−?[\d.]+), (−?[\d.]+)\]: [^|]*\| (.*) \|$", text, re.MULTILINE)
    listed: dict[str, tuple[float, float]] = {}
    for lo, hi, names in rows:
        for name in re.findall(r"`(\w+)`", names):
            assert name not in listed, name
            listed[name] = (float(lo.replace("−", "-")), float(hi.replace("−", "-")))
    assert listed == schema.PARAMETER_DOMAINS


def test_the_guide_states_the_size_limits() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    table = text[text.index("| what | at most |"):]
    table = table[:table.index("\n\n")]
    limits = dict(re.findall(r"^\| (.+?) \| ([\d,⁹]+)", table, re.MULTILINE))
    assert {k: int(v.replace(",", "").replace("10⁹", str(10**9))) for k, v in limits.items()} == {
        "leaders": schema.MAX_LEADERS, "axes": schema.MAX_AXES, "offices": schema.MAX_OFFICES,
        "regions": schema.MAX_REGIONS, "documents": schema.MAX_DOCUMENTS,
        "months from `start` to `end`": schema.MAX_MONTHS,
        "members of a region, recorded membership, recruits of one drive": schema.MAX_MEMBERS,
        "delegates, committee and bureau seats": schema.MAX_SEATS,
        "a shock's `mean` (in absolute value) and `sd`": int(schema.MAX_SHOCK)}


@pytest.mark.parametrize("value", ["yes", "no", "on", "1", "0", '"true"'])
@pytest.mark.parametrize("key", ["leaders.halvas.away", "leaders.brenn.away", "leaders.halvas.bureau",
                                 "regions.sella.national"])
def test_a_boolean_is_true_or_false_whether_or_not_the_file_writes_it(key: str, value: str) -> None:
    """Lax coercion ('yes' -> True) would accept values the guide does not allow, and only for
    fields the file leaves out; every boolean needs the TOML literal true or false."""
    with pytest.raises(ScenarioError) as exc:
        load_scenario("tutorial", [f"{key}={value}"])
    (problem,) = exc.value.problems
    assert problem.startswith(f"{key}: needs true or false, not ")
    assert load_scenario("tutorial", [f"{key}=true"]) is not None
