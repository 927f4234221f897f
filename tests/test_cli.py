"""The `politburo` command line: output, JSON, parquet export, scenario checks and bad input.

The engine is still being calibrated, so nothing here asserts particular win rates."""

import json
import math
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from politburo.cli import app
from politburo.loader import ScenarioError, builtin_names, load_scenario

REPO = Path(__file__).resolve().parents[1]
BUILTIN_FILE = REPO / "src" / "politburo" / "scenarios" / "soviet-1924.toml"
DATED = re.compile(r"^[A-Z][a-z]+ \d{4} — \S", re.MULTILINE)
WINNER_LINE = re.compile(
    r"^(\w[\w' -]* won in [A-Z][a-z]+ \d{4}|No one won by [A-Z][a-z]+ \d{4}: the run ends as an oligarchy)$",
    re.MULTILINE)

runner = CliRunner()


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def cli_process(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "politburo.cli", *args], check=False, capture_output=True,
                          text=True, env=env, timeout=120)


def one_error_line(stderr: str) -> str:
    lines = [x for x in stderr.splitlines() if x.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# ------------------------------------------------------------------ run


def test_run_prints_chronicle_standings_and_winner() -> None:
    res = cli("run", "--seed", "1")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert DATED.search(out), out[:500]
    assert "Final standings" in out
    for header in ("Leader", "Status", "Offices", "Prestige", "Committee"):
        assert header in out
    for leader in load_scenario("soviet-1924").leaders:
        assert leader.name in out
    assert WINNER_LINE.search(out), out[-800:]
    assert "Elimination order: " in out


def test_run_json_is_the_only_thing_on_stdout() -> None:
    proc = cli_process("run", "--seed", "5", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["seed"] == 5
    assert data["chronicle"] and {"month", "date", "text"} <= set(data["chronicle"][0])
    assert {"winner", "elimination_order", "standings", "votes", "fates"} <= set(data)


def test_seeds_change_the_story_and_repeat_exactly() -> None:
    a1, a2, b = cli("run", "--seed", "11"), cli("run", "--seed", "11"), cli("run", "--seed", "12")
    assert a1.exit_code == a2.exit_code == b.exit_code == 0
    assert a1.stdout == a2.stdout
    story = [line for line in a1.stdout.splitlines() if DATED.match(line)]
    other = [line for line in b.stdout.splitlines() if DATED.match(line)]
    assert story and other and story != other


def test_run_without_seed_prints_the_seed_it_used() -> None:
    res = cli("run", "--json")
    assert res.exit_code == 0
    seed = json.loads(res.stdout)["seed"]
    again = cli("run", "--json", "--seed", str(seed))
    assert json.loads(again.stdout)["chronicle"] == json.loads(res.stdout)["chronicle"]


def test_run_accepts_overrides_and_factors() -> None:
    res = cli("run", "--seed", "2", "--json", "--set", "parameters.insight=0.5",
              "--set", "leaders.stalin.rigidity=0.3", "--factor", "testament=off", "--factor", "funeral=off")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["chronicle"]


# ------------------------------------------------------------------ ensemble


def test_ensemble_json_win_rates_sum_to_one() -> None:
    res = cli("ensemble", "--runs", "20", "--seed", "3", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["runs"] == 20 and data["seed"] == 3
    rates = data["win_rates"]
    assert "nobody" in rates
    assert math.isclose(sum(r["rate"] for r in rates.values()), 1.0)
    assert sum(r["count"] for r in rates.values()) == 20
    for r in rates.values():
        assert r["low"] <= r["rate"] <= r["high"]
    assert {"win_rates_by_decisive_date", "decisive_date", "median_victory", "elimination_orders"} <= set(data)
    assert not any("time" in key for key in data)


def test_ensemble_prints_tables_and_chart() -> None:
    res = cli("ensemble", "--runs", "30", "--batch-size", "7")
    assert res.exit_code == 0, res.output
    out = res.stdout
    for text in ("Who wins", "95% interval", "Median victory", "Win rates", "Most common elimination orders",
                 "no one"):
        assert text in out
    assert "█" in out
    assert re.search(r"By [A-Z][a-z]+ \d{4}", out)
    assert "30/30" in res.stderr  # the progress bar is on stderr


def test_ensemble_batch_size_does_not_change_results() -> None:
    a = json.loads(cli("ensemble", "--runs", "25", "--json", "--batch-size", "4").stdout)
    b = json.loads(cli("ensemble", "--runs", "25", "--json").stdout)
    assert a == b


def _sql(query: str) -> Any:
    rel = duckdb.sql(query)
    assert rel is not None
    return rel


def test_ensemble_out_writes_parquet_readable_by_duckdb(tmp_path: Path) -> None:
    target = tmp_path / "results"
    res = cli("ensemble", "--runs", "15", "--out", str(target))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # no temporary directory left
    assert sorted(p.name for p in target.iterdir()) == ["runs.parquet", "votes.parquet"]
    assert str(target) in res.stdout and "duckdb" in res.stdout.lower()

    runs_file, votes_file = target / "runs.parquet", target / "votes.parquet"
    counts = _sql(f"select winner, count(*) from '{runs_file}' group by 1").fetchall()
    assert sum(n for _, n in counts) == 15
    runs_cols = _sql(f"select * from '{runs_file}'").columns
    for col in ("seed", "winner", "victory_month", "elimination_order", "trotsky_expelled",
                "stalin_lost_office"):
        assert col in runs_cols
    votes_cols = _sql(f"select * from '{votes_file}'").columns
    for col in ("run", "month", "body", "motion", "proposer", "target", "yes", "no", "abstain", "passed"):
        assert col in votes_cols
    assert _sql(f"select count(*) from '{votes_file}' where run < 0 or run >= 15").fetchall() == [(0,)]


def test_ensemble_out_json_keeps_stdout_clean_and_replaces_files(tmp_path: Path) -> None:
    target = tmp_path / "results"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    res = cli("ensemble", "--runs", "10", "--json", "--out", str(target))
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)
    assert "runs.parquet" in res.stderr
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt", "runs.parquet", "votes.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_ensemble_out_leaves_nothing_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the second batch is written: one line, nothing left behind."""
    import pyarrow.parquet as pq

    calls: list[int] = []

    class Flaky(pq.ParquetWriter):  # type: ignore[misc]
        def write_table(self, table: Any, *args: Any, **kwargs: Any) -> None:
            calls.append(table.num_rows)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
            super().write_table(table, *args, **kwargs)

    monkeypatch.setattr(pq, "ParquetWriter", Flaky)
    res = cli("ensemble", "--runs", "10", "--batch-size", "5", "--out", str(tmp_path / "results"))
    assert res.exit_code == 2
    assert res.stderr.splitlines()[-1].startswith("politburo: --out: ")
    assert "No space left on device" in res.stderr and "Traceback" not in res.stderr
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []


def test_ensemble_out_under_missing_parent_fails_cleanly(tmp_path: Path) -> None:
    res = cli("ensemble", "--runs", "10", "--out", str(tmp_path / "missing" / "results"))
    assert res.exit_code == 2
    assert one_error_line(res.stderr).startswith("politburo: --out: ")
    assert res.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_ensemble_out_under_read_only_location_fails_cleanly(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a file system that refuses
            locked = Path("/sys")
            if not locked.is_dir() or _can_mkdir(locked):
                pytest.skip("no read-only location available")
        before = sorted(p.name for p in locked.iterdir())
        res = cli("ensemble", "--runs", "10", "--out", str(locked / "results"))
        assert res.exit_code == 2
        assert one_error_line(res.stderr).startswith("politburo: --out: ")
        assert res.stdout == ""
        assert sorted(p.name for p in locked.iterdir()) == before
    finally:
        (tmp_path / "locked").chmod(0o755)


def _can_mkdir(parent: Path) -> bool:
    probe = parent / "politburo-probe"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


def test_ensemble_out_onto_a_file_fails_and_keeps_the_file(tmp_path: Path) -> None:
    target = tmp_path / "results"
    target.write_text("keep me")
    res = cli("ensemble", "--runs", "10", "--out", str(target))
    assert res.exit_code == 2
    assert "not a directory" in one_error_line(res.stderr)
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


# ------------------------------------------------------------------ fidelity


def test_fidelity_table_and_json() -> None:
    patterns = load_scenario("soviet-1924").patterns
    res = cli("fidelity", "--runs", "50")
    assert res.exit_code in (0, 1), res.output
    verdicts = re.findall(r"\b(PASS|FAIL)\b", res.stdout)
    assert len(verdicts) == len(patterns)  # one row per entry (23 entries of 17 patterns in soviet-1924)
    assert res.exit_code == (1 if "FAIL" in verdicts else 0)
    assert "200/200" in res.stderr  # four ensembles: every factor off, appointments off, two leaders swapped
    for heading in ("The end", "The pace", "Who stood with whom", "Fates", "Causes"):
        assert heading in res.stdout
    count = re.search(r"(\d+) of 17 patterns pass", res.stdout)
    assert count, res.stdout

    res = cli("fidelity", "--runs", "50", "--json")
    assert res.exit_code in (0, 1)
    data = json.loads(res.stdout)
    assert data["runs"] == 50 and data["total"] == 17 and data["passed"] == int(count.group(1))
    assert [v["id"] for v in data["patterns"]] == list(range(1, 18))
    entries = [e for v in data["patterns"] for e in v["entries"]]
    assert len(entries) == len(patterns)
    for row in entries:
        assert set(row) == {"id", "group", "kind", "text", "observed", "shown", "band", "passed", "detail", "values"}
    for v in data["patterns"]:
        assert v["passed"] == all(e["passed"] for e in v["entries"])
    assert data["failed"] == [v["id"] for v in data["patterns"] if not v["passed"]]
    assert res.exit_code == (0 if not data["failed"] else 1)
    assert [r["passed"] for r in entries] == [v == "PASS" for v in verdicts]


# ------------------------------------------------------------------ scenarios and check


def test_scenarios_lists_the_builtin_scenario() -> None:
    res = cli("scenarios")
    assert "soviet-1924" in res.stdout
    assert load_scenario("soviet-1924").scenario.title.split(":")[0] in res.stdout
    broken = []  # other built-in scenarios may be mid-edit: each one that does not load is reported
    for name in builtin_names():
        try:
            load_scenario(name)
        except ScenarioError:
            broken.append(name)
    assert res.exit_code == (2 if broken else 0), res.output
    assert sorted({line.split(": ")[1] for line in res.stderr.splitlines()}) == broken


def test_check_builtin_file_is_ok() -> None:
    res = cli("check", str(BUILTIN_FILE))
    assert res.exit_code == 0, res.output
    assert re.fullmatch(re.escape(str(BUILTIN_FILE)) + r": ok \(\d+ leaders, \d+ regions, \d+ events, \d+ factors\)\n",
                        res.stdout)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def _dump(raw: dict[str, Any]) -> str:
    """A small TOML writer: enough for scenario files (tables, arrays of tables, inline values)."""
    lines: list[str] = []
    for key, value in raw.items():
        if isinstance(value, list) and all(isinstance(x, dict) for x in value):
            for item in value:
                lines.append(f"[[{key}]]")
                lines += [f"{json.dumps(k)} = {_toml_value(x)}" for k, x in item.items()]
        else:
            lines.append(f"[{key}]")
            lines += [f"{json.dumps(k)} = {_toml_value(x)}" for k, x in value.items()]
    return "\n".join(lines) + "\n"


def _broken(tmp_path: Path, *problems: str) -> tuple[Path, list[str]]:
    """A copy of the built-in scenario with the named problems, and the key paths to expect."""
    raw = tomllib.loads(BUILTIN_FILE.read_text(encoding="utf-8"))
    keys = []
    if "missing" in problems:
        del raw["scenario"]["title"]
        keys.append("scenario.title")
    if "type" in problems:
        raw["leaders"][0]["oratory"] = "eloquent"
        keys.append(f"leaders[{raw['leaders'][0]['id']}].oratory")
    if "power" in problems:
        raw["offices"][0]["powers"].append("teleport")
        keys.append(f"offices[{raw['offices'][0]['id']}].powers")
    if "two_holders" in problems:
        holders = [i for i, x in enumerate(raw["leaders"]) if x.get("offices")]
        office = raw["leaders"][holders[0]]["offices"][0]
        other = next(i for i in range(len(raw["leaders"])) if i != holders[0])
        raw["leaders"][other].setdefault("offices", []).append(office)
        keys.append(f"leaders[{raw['leaders'][other]['id']}].offices")
    if "date" in problems:
        raw["events"][0]["date"] = "2999-01"
        keys.append("events[0].date")
    if "factor" in problems:
        name = next(iter(raw["factors"]))
        raw["factors"][name]["set"]["parameters.no_such_parameter"] = 1.0
        keys.append(f"factors.{name}.set.parameters.no_such_parameter")
    path = tmp_path / "broken.toml"
    path.write_text(_dump(raw), encoding="utf-8")
    return path, keys


def _check_reports(path: Path, keys: list[str]) -> None:
    res = cli("check", str(path))
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert lines and "Traceback" not in res.stderr
    for line in lines:
        assert line.startswith(f"{path}: ")
    for key in keys:
        assert any(line.startswith(f"{path}: {key}: ") for line in lines), (key, lines)


def test_dumped_copy_of_the_builtin_is_ok(tmp_path: Path) -> None:
    path, _ = _broken(tmp_path)
    assert cli("check", str(path)).exit_code == 0


@pytest.mark.parametrize("problems", [
    ("missing", "type", "power"),  # field problems are reported together
    ("two_holders", "date"),  # so are cross-references
    ("factor",),  # factor overrides are checked once the scenario itself is valid
])
def test_check_reports_every_problem_with_its_key_path(tmp_path: Path, problems: tuple[str, ...]) -> None:
    path, keys = _broken(tmp_path, *problems)
    _check_reports(path, keys)


def test_check_reports_all_kinds_of_problem_at_once(tmp_path: Path) -> None:
    path, keys = _broken(tmp_path, "missing", "type", "power", "two_holders", "date", "factor")
    _check_reports(path, keys)


def test_check_reports_a_factor_that_breaks_the_scenario_when_switched_off(tmp_path: Path) -> None:
    raw = tomllib.loads(BUILTIN_FILE.read_text(encoding="utf-8"))
    name = next(iter(raw["factors"]))
    raw["factors"][name]["set"] = {f"leaders.{raw['leaders'][0]['id']}.rigidity": 5.0}
    path = tmp_path / "factor.toml"
    path.write_text(_dump(raw), encoding="utf-8")
    res = cli("check", str(path))
    assert res.exit_code == 2
    assert one_error_line(res.stderr).startswith(f"{path}: factors.{name}: ")


def test_check_missing_file() -> None:
    res = cli("check", "no/such/scenario.toml")
    assert res.exit_code == 2
    assert one_error_line(res.stderr) == "no/such/scenario.toml: no such file"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("args, where", [
    (["run", "--scenario", "no-such-scenario"], "--scenario"),
    (["run", "--set", "parameters.no_such_parameter=1"], "--set"),
    (["run", "--set", "parameters.insight=abc"], "--set"),
    (["run", "--set", "parameters.insight"], "--set"),
    (["run", "--factor", "no_such_factor=off"], "--factor"),
    (["run", "--factor", "testament=on"], "--factor"),
    (["run", "--seed", "abc"], "--seed"),
    (["run", "--seed", "-1"], "--seed"),
    (["ensemble", "--runs", "0"], "--runs"),
    (["ensemble", "--runs", "-3"], "--runs"),
    (["ensemble", "--runs", "many"], "--runs"),
    (["ensemble", "--batch-size", "0"], "--batch-size"),
    (["ensemble", "--seed", "abc"], "--seed"),
    (["fidelity", "--runs", "0"], "--runs"),
    (["fidelity", "--factor", "testament"], "--factor"),
])
def test_bad_input_gives_one_line_and_exit_2(args: list[str], where: str) -> None:
    res = cli(*args)
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit)
    assert one_error_line(res.stderr).startswith(f"politburo: {where}: ")
    assert res.stdout == ""


def test_bad_seed_through_the_real_entry_point() -> None:
    proc = cli_process("run", "--seed", "abc")
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == "politburo: --seed: seed must be an integer, not 'abc'"
    assert proc.stdout == ""


def test_usage_errors_exit_2() -> None:
    for args in (["run", "--no-such-option"], ["no-such-command"], ["check"]):
        res = cli(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output


def test_version() -> None:
    proc = cli_process("--version")
    assert proc.returncode == 0
    assert re.fullmatch(r"politburo \d+\.\d+\.\d+\S*\n", proc.stdout)
