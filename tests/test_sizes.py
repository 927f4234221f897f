"""Sizes that cannot be met are refused up front with the estimate; an ensemble written to
Parquet keeps memory flat in the number of runs and gives the in-memory ensemble's summary."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from politburo import ensemble
from politburo.api import ensemble_to_parquet
from politburo.loader import ScenarioError
from politburo.sizes import MAX_RUNS, check_runs, duration


def _limited(args: list[str], store: Path) -> subprocess.CompletedProcess[str]:
    """The command with 2 GB of address space at most and a minute to answer: planning or
    allocating for the size asked would fail both."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    return subprocess.run([sys.executable, "-m", "politburo", *args], check=False, capture_output=True, text=True,
                          timeout=120, preexec_fn=limit, cwd=store)


@pytest.mark.parametrize("args, option", [
    (["whatif", "--scenario", "tutorial", "--factor", "appointments=off", "--replicates", "1000000000000"],
     "--replicates"),
    (["explain", "--scenario", "tutorial", "--level", "factors", "--replicates", "100000000"], "--replicates"),
    (["inevitability", "--scenario", "tutorial", "--replicates", "10", "--futures", "1000000000"],
     "--replicates, --futures"),
    (["explain", "--scenario", "tutorial", "--uncertainty", "1000000000000", "--prior", "--replicates", "10"],
     "--uncertainty"),
    (["ensemble", "--runs", "1000000000000"], "--runs"),
    (["ensemble", "--runs", "50000000"], "--runs"),  # allowed in number, not in memory
    (["ensemble", "--runs", "50000000", "--batch-size", "50000000", "--out", "res"], "--batch-size"),
])
def test_impossible_sizes_are_refused_up_front(tmp_path: Path, args: list[str], option: str) -> None:
    proc = _limited([*args, "--json"] if args[0] != "ensemble" else args, tmp_path)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith(f"politburo: {option}: "), proc.stderr
    assert "would" in lines[0] and ("runs" in lines[0] or "memory" in lines[0])
    assert proc.stdout == ""
    assert not any(tmp_path.iterdir()), "nothing is written for a refused size"


def test_the_limit_and_the_estimate() -> None:
    check_runs("--runs", MAX_RUNS, "")  # the limit itself is allowed
    with pytest.raises(ScenarioError) as exc:
        check_runs("--runs", 3_000 * 2 * 86_400 * 365 * 11, "", workers=2)
    assert "about 11 years on 2 cores" in exc.value.problems[0]
    assert duration(90) == "90 seconds"
    assert duration(3 * 3600) == "3.0 hours"
    assert duration(40 * 86400) == "40 days"


def test_a_streamed_ensemble_equals_the_ensemble_in_memory(tmp_path: Path) -> None:
    in_memory = ensemble("tutorial", runs=300, seed=5, batch_size=300)
    streamed = ensemble_to_parquet("tutorial", 300, 5, tmp_path, batch_size=70)
    assert streamed.summary == in_memory.summary()
    assert pq.read_table(tmp_path / "runs.parquet").equals(in_memory.runs_table())
    assert pq.read_table(tmp_path / "votes.parquet").equals(in_memory.votes_table())
    assert streamed.votes == in_memory.votes_table().num_rows
    # one row group per batch: the file was written batch by batch
    assert pq.ParquetFile(tmp_path / "runs.parquet").num_row_groups == 5


def test_the_summary_counts_what_the_runs_say() -> None:
    """The DuckDB summary against plain counts over the arrays of the same runs."""
    ens = ensemble("tutorial", runs=400, seed=11)
    summary = ens.summary()
    names = ens.spec.leader_names
    for i, name in enumerate([*names, None]):
        k = int((ens.winner == (i if name is not None else -1)).sum())
        assert summary["win_rates"][name or "nobody"]["count"] == k
    decisive = ens.scenario.month(ens.scenario.scenario.decisive_by)
    assert summary["win_rates_by_decisive_date"] == ens.win_rates_by(decisive)
    for i, name in enumerate(names):
        months = sorted(int(v) for v, w in zip(ens.victory, ens.winner, strict=True) if w == i)
        if not months:
            assert summary["median_victory"][name] is None
            continue
        mid = len(months) // 2
        median = months[mid] if len(months) % 2 else (months[mid - 1] + months[mid]) // 2
        assert summary["median_victory"][name] == ens.spec.date(median)
    orders: dict[str, list[int]] = {}
    for r in range(ens.runs):
        defeated = ens.defeated[r]
        fallen = sorted((int(defeated[i]), i) for i in range(len(names))
                        if i != ens.winner[r] and defeated[i] >= 0)
        orders.setdefault(" > ".join(names[i] for _, i in fallen) or "(none)", []).append(r)
    expected = sorted(orders.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))[:5]
    assert summary["elimination_orders"] == [{"order": o, "runs": len(rs)} for o, rs in expected]


def _peak(runs: int, folder: Path) -> int:
    tracemalloc.start()
    try:
        ensemble_to_parquet("tutorial", runs, 1, folder, batch_size=250)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_streamed_ensemble_keeps_memory_flat_in_the_number_of_runs(tmp_path: Path) -> None:
    """Peak Python-heap memory (NumPy arrays included) of 2,000 runs streamed in batches of 250
    stays within 1.5 times that of 250 runs: nothing grows with the run count. (An ensemble kept
    in memory grows about eightfold here.)"""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _peak(250, tmp_path / "a")  # compile and warm up
    one = _peak(250, tmp_path / "a")
    eight = _peak(2000, tmp_path / "b")
    assert eight < 1.5 * one, (one, eight)
    rows = duckdb.connect().execute(f"select count(*) from '{tmp_path / 'b' / 'runs.parquet'}'").fetchall()
    assert rows == [(2000,)]


def test_ensemble_out_prints_the_summary_read_back(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "politburo", "ensemble", "--scenario", "tutorial", "--runs", "120",
            "--seed", "4", "--json"]
    plain = subprocess.run(args, check=False, capture_output=True, text=True, timeout=600)
    out = subprocess.run([*args, "--out", str(tmp_path / "res")], check=False, capture_output=True, text=True,
                         timeout=600)
    assert plain.returncode == 0 and out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(plain.stdout)
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == ["runs.parquet", "votes.parquet"]
