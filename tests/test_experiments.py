"""Experiments (explain, whatif, inevitability, claims, results): exact Shapley values, common
random numbers across arms, resuming after a crash, backend equivalence, bad input and the
results store. Sizes are tiny: these check the machinery, not the model's numbers."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import raw
from typer.testing import CliRunner

from politburo.cli import app
from politburo.compile import compile_scenario
from politburo.engine.run import run_batch
from politburo.experiments import plan
from politburo.experiments.outcomes import leader_ids
from politburo.experiments.stats import shapley
from politburo.loader import load_scenario

runner = CliRunner()
EXPLAIN_60 = ("explain", "--level", "groups", "-n", "60", "--workers", "1")
TIMING_OR_PATH = {"time", "times", "timing", "elapsed", "duration", "seconds", "secs", "took", "wall", "clock",
                  "started", "finished", "modified", "mtime", "speed", "path", "store", "dir", "folder", "file",
                  "host", "worker", "workers", "backend", "scheduler", "cwd"}


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def cli_json(*args: str) -> tuple[str, Any]:
    res = cli(*args, "--json")
    assert res.exit_code == 0, (res.stdout, res.stderr)
    return res.stdout, json.loads(res.stdout)


def politburo_script() -> str:
    """The installed `politburo` script (the console entry point, `politburo.cli:main`)."""
    exe = Path(sys.executable).parent / "politburo"
    found = str(exe) if exe.exists() else shutil.which("politburo")
    if not found:
        pytest.skip("the politburo script is not installed")
    return found


def task_files(store: Path, exp_id: str) -> list[Path]:
    return sorted((store / exp_id / "tasks").glob("*.parquet"))


def runs_table(store: Path, exp_id: str) -> dict[str, np.ndarray]:
    """Every stored run of an experiment, read with DuckDB, sorted by arm, branch, replicate, future."""
    pattern = str(store / exp_id / "tasks" / "*.parquet")
    con = duckdb.connect()
    try:
        data = con.execute(f"SELECT * FROM read_parquet('{pattern}') "
                           "ORDER BY arm, branch_month, replicate, future").fetchnumpy()
    finally:
        con.close()
    return {k: np.asarray(v) for k, v in data.items()}


def store_is_empty(store: Path) -> bool:
    return not store.exists() or not any(store.iterdir())


# ------------------------------------------------------------------ Shapley values: unit tests


def brute_force_shapley(v: np.ndarray) -> np.ndarray:
    """The Shapley value as the average marginal contribution over all orderings of the players."""
    rows, m = v.shape
    n = m.bit_length() - 1
    phi = np.zeros((rows, n))
    perms = list(itertools.permutations(range(n)))
    for order in perms:
        s = 0
        for i in order:
            phi[:, i] += v[:, s | 1 << i] - v[:, s]
            s |= 1 << i
    return phi / len(perms)


def game(n: int, f: Any) -> np.ndarray:
    """One row: v(S) = f(set of players in S) for every bitmask S."""
    return np.array([[f({i for i in range(n) if s >> i & 1}) for s in range(1 << n)]], dtype=np.float64)


def test_shapley_of_an_additive_game_is_each_players_value() -> None:
    a = np.array([0.3, -1.25, 2.0, 0.0, 7.5])
    v = game(5, lambda S: 4.0 + sum(a[i] for i in S))
    np.testing.assert_allclose(shapley(v)[0], a, atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_shapley_of_the_unanimity_game_is_an_equal_split(n: int) -> None:
    v = game(n, lambda S: 1.0 if len(S) == n else 0.0)
    np.testing.assert_allclose(shapley(v)[0], np.full(n, 1.0 / n), atol=1e-12)


def test_shapley_of_a_unanimity_game_on_a_subset() -> None:
    carriers = {0, 2, 3}
    v = game(5, lambda S: 6.0 if carriers <= S else 0.0)
    np.testing.assert_allclose(shapley(v)[0], [2.0, 0.0, 2.0, 2.0, 0.0], atol=1e-12)


def test_shapley_axioms_on_random_games() -> None:
    rng = np.random.default_rng(20240917)
    n, m = 5, 32
    g = rng.normal(size=(7, m))
    # Efficiency: each row sums to v(N) - v(empty).
    phi = shapley(g)
    assert phi.shape == (7, n)
    np.testing.assert_allclose(phi.sum(axis=1), g[:, -1] - g[:, 0], rtol=0, atol=1e-12)

    # Symmetry: a game symmetric in players 1 and 3 gives them the same value.
    def swap13(s: int) -> int:
        b1, b3 = s >> 1 & 1, s >> 3 & 1
        return (s & ~0b1010) | b1 << 3 | b3 << 1

    sym = g + g[:, [swap13(s) for s in range(m)]]
    phi = shapley(sym)
    np.testing.assert_allclose(phi[:, 1], phi[:, 3], rtol=0, atol=1e-12)
    assert np.abs(phi[:, 1] - phi[:, 0]).max() > 1e-3  # the other players are not symmetric

    # Dummy: a player who never changes the value gets 0.
    dummy = g[:, [s & ~(1 << 2) for s in range(m)]]
    phi = shapley(dummy)
    np.testing.assert_allclose(phi[:, 2], 0.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(phi.sum(axis=1), dummy[:, -1] - dummy[:, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_shapley_matches_the_average_over_all_orderings(n: int) -> None:
    rng = np.random.default_rng(n)
    v = rng.normal(size=(9, 1 << n))
    v[:, 0] = rng.integers(0, 2, size=9)  # and 0/1 games as the experiments produce
    np.testing.assert_allclose(shapley(v), brute_force_shapley(v), rtol=0, atol=1e-12)
    binary = rng.integers(0, 2, size=(50, 1 << n)).astype(np.float64)
    np.testing.assert_allclose(shapley(binary), brute_force_shapley(binary), rtol=0, atol=1e-12)


def test_shapley_rejects_a_table_that_is_not_2_to_the_n_columns() -> None:
    with pytest.raises(ValueError):
        shapley(np.zeros((3, 6)))


# ------------------------------------------------------------------ explain, end to end


@pytest.fixture(scope="module")
def explained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, Any]]:
    """`explain --level groups -n 60 --workers 1` run once into a fresh store."""
    store = tmp_path_factory.mktemp("explain") / "store"
    text, data = cli_json(*EXPLAIN_60, "--store", str(store))
    return store, text, data


def test_explain_is_exact_and_its_shapley_values_can_be_recomputed_from_the_store(
        explained: tuple[Path, str, dict[str, Any]]) -> None:
    store, _, data = explained
    assert data["exact"] is True
    exp_id = data["experiment"]
    manifest = json.loads((store / exp_id / "experiment.json").read_text())
    ids = [p["id"] for p in data["players"]]
    assert ids == ["position", "rivals_errors", "ideology"]
    factors = raw("soviet-1924")["factors"]
    n, m = len(ids), 1 << len(ids)
    assert len(manifest["arms"]) == m
    # Arm S switches off exactly the factors of the players missing from S.
    for s, arm in enumerate(manifest["arms"]):
        expected = sorted(f for f, spec in factors.items() if not s >> ids.index(spec["group"]) & 1)
        assert sorted(arm["factors_off"]) == expected, (s, arm)

    t = runs_table(store, exp_id)
    assert len(t["arm"]) == 60 * m == data["runs"]
    assert (t["branch_month"] == -1).all()
    pairs = set(zip(t["arm"].tolist(), t["replicate"].tolist(), strict=True))
    assert pairs == {(a, r) for a in range(m) for r in range(60)}  # every run once
    stalin = leader_ids(raw("soviet-1924")).index("stalin")
    v = np.zeros((60, m))
    v[t["replicate"], t["arm"]] = (t["winner"] == stalin).astype(np.float64)

    phi = brute_force_shapley(v)
    np.testing.assert_allclose(phi.sum(axis=1), v[:, -1] - v[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(shapley(v), phi, rtol=0, atol=1e-12)
    for i, p in enumerate(data["players"]):
        assert p["shapley"]["mean"] == pytest.approx(phi[:, i].mean(), abs=1e-6)
        assert p["remove_from_history"]["mean"] == pytest.approx((v[:, -1] - v[:, m - 1 - (1 << i)]).mean(),
                                                                 abs=1e-6)
        assert p["add_to_all_off"]["mean"] == pytest.approx((v[:, 1 << i] - v[:, 0]).mean(), abs=1e-6)
    assert data["all_on"]["mean"] == pytest.approx(v[:, -1].mean(), abs=1e-6)
    assert data["all_off"]["mean"] == pytest.approx(v[:, 0].mean(), abs=1e-6)
    assert data["advantage"]["mean"] == pytest.approx((v[:, -1] - v[:, 0]).mean(), abs=1e-6)
    assert sum(p["shapley"]["mean"] for p in data["players"]) == pytest.approx(data["advantage"]["mean"],
                                                                              abs=1e-5)
    assert data["ranking"] == [ids[i] for i in np.argsort(-phi.mean(axis=0), kind="stable")]
    assert [c["rate"]["mean"] for c in data["coalitions"]] == pytest.approx(v.mean(axis=0).tolist(), abs=1e-6)
    assert n == 3


def test_results_read_in_chunks_of_replicates_equal_results_read_at_once(
        explained: tuple[Path, str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Large experiments are reduced chunk by chunk (bounded memory); the summary must not change."""
    from politburo.experiments import analyses as an

    store, text, _ = explained
    monkeypatch.setattr(an, "MAX_CELLS", 8 * 7)  # 7 replicates per chunk: uneven chunks
    rerun = cli_json(*EXPLAIN_60, "--store", str(store))[0]
    assert rerun == text


def test_a_rerun_reuses_the_store_and_prints_identical_json(explained: tuple[Path, str, dict[str, Any]]) -> None:
    store, text, data = explained
    files = task_files(store, data["experiment"])
    before = {p: p.stat().st_mtime_ns for p in files}
    again, _ = cli_json(*EXPLAIN_60, "--store", str(store))
    assert again == text
    assert {p: p.stat().st_mtime_ns for p in task_files(store, data["experiment"])} == before  # nothing re-run
    assert json.loads((store / data["experiment"] / "result.json").read_text()) == data


def test_json_holds_results_only(explained: tuple[Path, str, dict[str, Any]]) -> None:
    store, text, data = explained

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                assert not set(k.lower().split("_")) & TIMING_OR_PATH, f"{where}.{k}"
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")
        elif isinstance(node, str):
            assert str(store) not in node and os.sep + "tmp" not in node, f"{where}: {node}"

    walk(data, "")
    assert str(store.parent) not in text


def test_results_lists_and_shows_a_stored_experiment(explained: tuple[Path, str, dict[str, Any]]) -> None:
    store, text, data = explained
    exp_id = data["experiment"]
    listed = cli("results", "--store", str(store))
    assert listed.exit_code == 0, listed.stderr
    assert exp_id in listed.stdout
    _, rows = cli_json("results", "--store", str(store))
    row = next(r for r in rows if r["id"] == exp_id)
    assert row["complete"] is True and row["tasks_done"] == row["tasks"] >= 1
    assert row["kind"] == "explain" and row["replicates"] == 60
    shown, _ = cli_json("results", "show", exp_id, "--store", str(store))
    assert shown == text
    by_prefix, _ = cli_json("results", "show", exp_id[:6], "--store", str(store))
    assert by_prefix == text
    plain = cli("results", "show", exp_id, "--store", str(store))
    assert plain.exit_code == 0 and exp_id in plain.stdout
    # the options may also come before `show`, as `results --help` lists them
    before = cli("results", "--store", str(store), "--json", "show", exp_id)
    assert before.exit_code == 0 and before.stdout == text, before.stderr


def test_results_show_of_an_unknown_id_fails(explained: tuple[Path, str, dict[str, Any]]) -> None:
    store, _, _ = explained
    res = cli("results", "show", "nosuchid", "--store", str(store))
    assert res.exit_code == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("politburo:"), res.stderr


# ------------------------------------------------------------------ common random numbers


def test_the_economy_is_drawn_the_same_in_every_arm() -> None:
    seed, reps = 7, np.arange(12)
    everything = list(raw("soviet-1924")["factors"])
    arms = [[], ["appointments", "membership", "other_posts"], ["testament", "underestimation"], everything]

    def monthly(sc: Any, replicates: np.ndarray) -> dict[str, np.ndarray]:
        out = run_batch(compile_scenario(sc), seed, replicates, series=True).series
        assert out is not None
        return out

    series = [monthly(load_scenario("soviet-1924", factors_off=off), reps) for off in arms]
    series.append(monthly(load_scenario("soviet-1924", {"parameters.insight": 1.0}), reps))
    for s in series[1:]:
        assert np.array_equal(s["economy"], series[0]["economy"])
    # The arms do differ: what the factors touch is not the same.
    assert not np.array_equal(series[0]["prestige"], series[3]["prestige"])
    # A replicate's draws do not depend on the batch it runs in.
    part = monthly(load_scenario("soviet-1924", factors_off=arms[1]), reps[5:9])
    assert np.array_equal(part["economy"], series[1]["economy"][5:9])
    assert np.array_equal(part["prestige"], series[1]["prestige"][5:9])


def test_a_no_op_intervention_gives_bit_identical_runs(tmp_path: Path) -> None:
    value = raw("soviet-1924")["parameters"]["insight"]["value"]
    store = tmp_path / "store"
    _, data = cli_json("whatif", "--set", f"parameters.insight={value!r}", "-n", "40", "--workers", "1",
                       "--store", str(store))
    assert data["counterfactual"]["set"] == {"parameters.insight": value}
    t = runs_table(store, data["experiment"])
    base, cf = t["arm"] == 0, t["arm"] == 1
    assert base.sum() == cf.sum() == 40
    for col, values in t.items():
        if col != "arm":
            assert np.array_equal(values[base], values[cf]), col
    assert data["effect"]["difference"] == {"mean": 0.0, "low": 0.0, "high": 0.0, "half": 0.0}


def test_a_replicates_runs_do_not_depend_on_the_replicate_count_or_the_task_split(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explain = ("explain", "--level", "groups", "--workers", "1")
    _, d30 = cli_json(*explain, "-n", "30", "--store", str(tmp_path / "n30"))
    text50, d50 = cli_json(*explain, "-n", "50", "--store", str(tmp_path / "n50"))
    monkeypatch.setattr(plan, "TASK_RUNS", 16)  # 16 replicates per task, one arm per task
    split50, s50 = cli_json(*explain, "-n", "50", "--store", str(tmp_path / "split"))
    monkeypatch.undo()
    assert len(task_files(tmp_path / "n50", d50["experiment"])) == 1
    assert len(task_files(tmp_path / "split", s50["experiment"])) == 8 * 4
    t30 = runs_table(tmp_path / "n30", d30["experiment"])
    t50 = runs_table(tmp_path / "n50", d50["experiment"])
    ts = runs_table(tmp_path / "split", s50["experiment"])
    assert len(t30["arm"]) == 8 * 30 and len(t50["arm"]) == len(ts["arm"]) == 8 * 50
    first = t50["replicate"] < 30
    for col in t50:
        assert np.array_equal(t50[col], ts[col]), col
        assert np.array_equal(t50[col][first], t30[col]), col
    # The same experiment, whatever the split: the same id and the same result.
    assert split50 == text50


# ------------------------------------------------------------------ backends


def test_one_and_two_local_workers_give_identical_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, explained: tuple[Path, str, dict[str, Any]]) -> None:
    _, text, _ = explained
    monkeypatch.setattr(plan, "TASK_RUNS", 100)  # one task per arm: eight tasks for the pool
    one, _ = cli_json(*EXPLAIN_60[:-1], "1", "--store", str(tmp_path / "one"))
    two, d2 = cli_json(*EXPLAIN_60[:-1], "2", "--store", str(tmp_path / "two"))
    assert len(task_files(tmp_path / "two", d2["experiment"])) == 8
    assert one == two == text


# ------------------------------------------------------------------ resuming after kill -9


def run_together(*commands: list[str], env: dict[str, str], timeout: float = 300
                 ) -> list[subprocess.CompletedProcess[str]]:
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                              start_new_session=True) for c in commands]
    out = []
    try:
        for c, p in zip(commands, procs, strict=True):
            stdout, stderr = p.communicate(timeout=timeout)
            out.append(subprocess.CompletedProcess(c, p.returncode, stdout, stderr))
    finally:
        for p in procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.communicate(timeout=30)
    return out


def test_an_experiment_killed_mid_run_resumes_to_the_same_result(tmp_path: Path) -> None:
    # 1500 replicates of 8 arms: four tasks of two arms each, a few seconds apiece.
    args = [politburo_script(), "explain", "--level", "groups", "-n", "1500", "--workers", "1", "--json"]
    env = {**os.environ, "COLUMNS": "160"}
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    proc = subprocess.Popen([*args, "--store", str(killed)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        done: list[Path] = []
        while time.monotonic() < deadline and proc.poll() is None:
            done = list(killed.glob("*/tasks/*.parquet"))
            if done:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the experiment finished before it could be killed"
        assert done, "no task finished in time"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()
    (folder,) = [p for p in killed.iterdir() if p.is_dir()]
    manifest = json.loads((folder / "experiment.json").read_text())
    assert manifest["tasks"] == 4
    assert not (folder / "result.json").exists()
    finished = task_files(killed, folder.name)
    assert 1 <= len(finished) < manifest["tasks"]
    for p in (folder / "tasks").iterdir():  # whole task files, or temporary files a re-run ignores
        if p.suffix == ".parquet" and not p.name.startswith("."):
            assert pq.read_metadata(p).num_rows == 2 * 1500, p
        else:
            assert p.name.startswith(".") and p.name.endswith(".tmp"), p
    stamps = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in finished}

    incomplete = cli("results", "show", folder.name, "--store", str(killed))
    assert incomplete.exit_code == 2 and incomplete.stdout == "" and "incomplete" in incomplete.stderr
    _, rows = cli_json("results", "--store", str(killed))
    assert rows[0]["complete"] is False and rows[0]["tasks_done"] == len(finished)

    # Resume, and (at the same time, on the other core) run the experiment whole in another store.
    resumed, fresh = run_together([*args, "--store", str(killed)], [*args, "--store", str(whole)], env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(resumed.stdout)["experiment"] == folder.name
    assert resumed.stdout == fresh.stdout
    files = task_files(killed, folder.name)
    assert len(files) == manifest["tasks"] == len(task_files(whole, folder.name))
    assert not [p for p in (folder / "tasks").iterdir() if p.suffix != ".parquet"]  # stale files cleaned
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in finished} == stamps  # finished tasks kept
    a, b = runs_table(killed, folder.name), runs_table(whole, folder.name)
    for col in b:
        assert np.array_equal(a[col], b[col]), col


# ------------------------------------------------------------------ bad input


def _claims_file(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


BAD_TOML = 'title = "x"\n[[claims]\nid = "a"\n'
UNKNOWN_KEY = ('[[claims]]\nid = "a"\ntext = "t"\nfactors_off = ["testament"]\nexpect = "lower"\n'
               'bogus = 1\n')
BAD_INPUT = {
    "unknown factor": ["whatif", "--factor", "nosuch=off", "-n", "5"],
    "unknown target": ["explain", "--target", "nosuch", "-n", "5"],
    "outcome outside the scenario": ["explain", "--outcome", "win_by:1950-01", "-n", "5"],
    "unknown outcome": ["explain", "--outcome", "bogus", "-n", "5"],
    "unknown whatif target": ["whatif", "--factor", "testament=off", "--target", "lenin", "-n", "5"],
    "bad inevitability outcome": ["inevitability", "--outcome", "defeated_by:1923-01", "-n", "5"],
    "bad TOML claims": ["claims", "{bad_toml}", "-n", "5"],
    "claims with an unknown key": ["claims", "{unknown_key}", "-n", "5"],
    "missing claims file": ["claims", "{missing}", "-n", "5"],
    "zero replicates": ["explain", "--replicates", "0"],
    "zero replicates whatif": ["whatif", "--factor", "testament=off", "--replicates", "0"],
    "zero replicates inevitability": ["inevitability", "--replicates", "0"],
    "non-numeric seed": ["explain", "--seed", "abc", "-n", "5"],
    "unknown level": ["explain", "--level", "bogus", "-n", "5"],
    "zero workers": ["explain", "-n", "5", "--workers", "0"],
    "unknown backend": ["explain", "-n", "5", "--backend", "spark"],
    "scheduler without dask": ["explain", "-n", "5", "--scheduler", "tcp://127.0.0.1:1"],
    "dask without a scheduler": ["explain", "-n", "5", "--backend", "dask"],
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gives_one_line_and_stores_nothing(case: str, tmp_path: Path) -> None:
    files = {"bad_toml": _claims_file(tmp_path / "bad.toml", BAD_TOML),
             "unknown_key": _claims_file(tmp_path / "key.toml", UNKNOWN_KEY),
             "missing": str(tmp_path / "missing.toml")}
    store = tmp_path / "store"
    args = [a.format(**files) for a in BAD_INPUT[case]]
    res = cli(*args, "--store", str(store), "--json")
    assert_one_line_error(res)
    assert store_is_empty(store)


def assert_one_line_error(res: Any) -> None:
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr, res.exception)
    assert res.stdout == ""
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("politburo:"), res.stderr
    assert "Traceback" not in res.stderr


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    store = tmp_path / "store"
    res = cli("explain", "-n", "5", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:1", "--store", str(store),
              "--json")
    assert_one_line_error(res)
    assert "--scheduler" in res.stderr
    assert store_is_empty(store)


@pytest.mark.parametrize("command", [["explain", "-n", "5"], ["whatif", "--factor", "testament=off", "-n", "5"],
                                     ["inevitability", "-n", "2", "--futures", "2", "--every", "24"]])
def test_a_store_that_cannot_be_a_folder_is_one_line(command: list[str], tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder\n")
    for store in (blocker, blocker / "store"):
        res = cli(*command, "--store", str(store), "--json")
        assert_one_line_error(res)
        assert "--store" in res.stderr
    assert blocker.is_file() and blocker.read_text() == "not a folder\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere")
def test_a_read_only_store_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        for store in (folder, folder / "store"):
            res = cli("explain", "-n", "5", "--store", str(store), "--json")
            assert_one_line_error(res)
        assert not any(folder.iterdir())
    finally:
        folder.chmod(0o700)


# ------------------------------------------------------------------ whatif and inevitability


def test_whatif_pairs_history_with_the_counterfactual(tmp_path: Path) -> None:
    _, data = cli_json("whatif", "--factor", "testament=off", "-n", "40", "--workers", "1",
                       "--store", str(tmp_path / "store"))
    assert data["kind"] == "whatif" and data["replicates"] == 40 and data["runs"] == 80
    assert data["counterfactual"]["factors_off"] == ["testament"]
    assert data["counterfactual"]["label"] == "testament=off"
    names = [row["name"] for row in data["leaders"]]
    assert len(names) == len(leader_ids(raw("soviet-1924"))) + 1 and names[-1] == "nobody"

    def check(block: dict[str, Any]) -> None:
        for key in ("baseline", "counterfactual"):
            assert 0.0 <= block[key]["mean"] <= 1.0
            assert block[key]["low"] <= block[key]["mean"] <= block[key]["high"]
        d = block["difference"]
        assert d["mean"] == pytest.approx(block["counterfactual"]["mean"] - block["baseline"]["mean"], abs=2e-6)
        assert d["low"] <= d["mean"] <= d["high"]

    check(data["effect"])
    for row in data["leaders"]:
        check(row)
    for key in ("baseline", "counterfactual"):
        assert sum(row[key]["mean"] for row in data["leaders"]) == pytest.approx(1.0, abs=1e-5)
        won = sum(y[key] for y in data["victory_years"])
        assert won == pytest.approx(1.0 - data["leaders"][-1][key]["mean"], abs=1e-5)
    stalin = next(row for row in data["leaders"] if row["id"] == "stalin")
    assert data["effect"]["baseline"] == stalin["baseline"]
    assert data["effect"]["counterfactual"] == stalin["counterfactual"]
    assert isinstance(data["verdict"], str) and data["verdict"]


def test_inevitability_curve_is_a_probability_that_ends_near_certain(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _, data = cli_json("inevitability", "-n", "10", "--futures", "4", "--every", "12", "--workers", "1",
                       "--store", str(store))
    assert data["kind"] == "inevitability"
    months = [c["month"] for c in data["curve"]]
    assert months == list(range(0, 84, 12))
    assert data["runs"] == 10 + 10 * 4 * len(months)
    assert 0.0 <= data["final"]["mean"] <= 1.0
    for c in data["curve"]:
        assert 0.0 <= c["probability"]["mean"] <= 1.0
        for key in ("given_outcome", "given_other"):
            if key in c:
                assert 0.0 <= c[key]["mean"] <= 1.0
    assert data["final"]["mean"] > 0, "the outcome never happened: nothing to condition on"
    last = data["curve"][-1]
    assert last["given_outcome"]["mean"] >= 0.75
    if "given_other" in last:
        assert last["given_other"]["mean"] < last["given_outcome"]["mean"]
    # Every saved month of every run has its futures, each stored once.
    t = runs_table(store, data["experiment"])
    fut = t["branch_month"] >= 0
    assert fut.sum() == 10 * 4 * len(months)
    keys = set(zip(t["replicate"][fut].tolist(), t["branch_month"][fut].tolist(), t["future"][fut].tolist(),
                   strict=True))
    assert len(keys) == fut.sum()
    # Read in chunks of replicates (as a large experiment is), the summary is the same.
    from politburo.experiments import analyses as an

    mp = pytest.MonkeyPatch()
    mp.setattr(an, "MAX_CELLS", 3 * (4 * len(months) + 1))
    try:
        rerun = cli_json("inevitability", "-n", "10", "--futures", "4", "--every", "12", "--workers", "1",
                         "--store", str(store))[1]
    finally:
        mp.undo()
    assert rerun == data


def test_a_counterfactual_may_set_a_list(tmp_path: Path) -> None:
    """Arms are keyed by their canonical JSON, so values such as lists work (an office-less Stalin)."""
    _, data = cli_json("whatif", "--set", "leaders.stalin.offices=[]", "-n", "30", "--workers", "1",
                       "--store", str(tmp_path / "store"))
    assert data["counterfactual"]["set"] == {"leaders.stalin.offices": []}
    assert data["effect"]["counterfactual"]["mean"] < data["effect"]["baseline"]["mean"]
