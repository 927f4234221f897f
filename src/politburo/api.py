"""The library API: load a scenario, simulate one run, run an ensemble. The CLI, reports
and web app call these and add nothing to the model."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from politburo.chronicle import chronicle
from politburo.compile import compile_scenario
from politburo.engine.bodies import BODIES
from politburo.engine.ladder import MOTIONS
from politburo.engine.log import Log
from politburo.engine.players import (
    Action,
    IllegalAction,
    Observation,
    Players,
    Policy,
    UtilityPolicy,
    Vote,
)
from politburo.engine.run import BatchResult, run_batch
from politburo.engine.sanctions import SANCTIONS
from politburo.engine.spec import Spec
from politburo.loader import ScenarioError, load_scenario
from politburo.schema import Scenario
from politburo.sizes import check_disk, check_memory, check_runs

__all__ = [
    "Action",
    "CompileNotice",
    "EnsembleResult",
    "IllegalAction",
    "Observation",
    "Policy",
    "RunResult",
    "ScenarioError",
    "StreamedEnsemble",
    "UtilityPolicy",
    "Vote",
    "check_ensemble",
    "ensemble",
    "ensemble_to_parquet",
    "load_scenario",
    "simulate",
    "wilson",
]


COMPILE_NOTICE = "politburo: compiling the simulation engine, first run only (a minute or two)…"


class CompileNotice(UserWarning):
    """Issued once when a library call must first compile the engine's kernels (the first run
    after an install or a change to the engine: a minute or two of CPU time)."""


class _Engine:
    compiled = False  # this process has run the engine (its kernels are compiled or loaded)


def engine_needs_compiling() -> tuple[bool, bool]:
    """(the engine's kernels must be compiled before the next run, they are cached on disk):
    true until this process has run the engine, when no compiled kernel of this engine
    version is in the cache folder (or none can be written)."""
    if _Engine.compiled:
        return False, True
    from politburo.engine.jit import cache_dir

    folder = cache_dir()
    if folder is None:
        return True, False
    return not any(folder.glob("*.nbi")), True


def engine_compiled() -> None:
    """Record that this process has run the engine (its kernels are compiled or loaded)."""
    _Engine.compiled = True


def _notice_compile() -> None:
    needed, cached = engine_needs_compiling()
    if needed and cached:
        warnings.warn(COMPILE_NOTICE, CompileNotice, stacklevel=3)
    engine_compiled()


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ScenarioError("--seed", [f"seed must be an integer, not {seed!r}"])
    if not 0 <= int(seed) < 2**63:
        raise ScenarioError("--seed", [f"seed must be between 0 and 2**63-1, not {seed}"])
    return int(seed)


def _scenario(scenario: Scenario | str) -> Scenario:
    return load_scenario(scenario) if isinstance(scenario, str) else scenario


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """(low, high): the 95% Wilson score interval for k successes in n trials (Wilson 1927;
    Agresti & Coull 1998). Its bounds are exactly 0 when k = 0 and exactly 1 when k = n (the
    formula's subtraction would otherwise leave rounding residue such as 4e-22); (0, 1) when
    n = 0."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def elimination_order(defeated: np.ndarray, winner: int) -> list[int]:
    """Principals other than the winner, in the order they were defeated."""
    idx = [i for i in range(len(defeated)) if i != winner and defeated[i] >= 0]
    return sorted(idx, key=lambda i: (defeated[i], i))


def stages(spec: Spec, coalitions: np.ndarray, last: int) -> list[dict[str, Any]]:
    """The stages of one run: in each month the largest coalition and its target; a new stage
    begins when the target changes (a month with no coalition ends the stage)."""
    out: list[dict[str, Any]] = []
    names = spec.leader_names
    for t in range(last + 1):
        sizes = [int(m).bit_count() for m in coalitions[t]]
        j = int(np.argmax(sizes))
        target = j if sizes[j] >= 2 else -1
        if out and out[-1]["target_index"] == target:
            out[-1]["to"] = spec.date(t)
            members = set(out[-1]["members"]) | {names[i] for i in range(spec.L) if coalitions[t][j] >> i & 1}
            out[-1]["members"] = [n for n in names if n in members]
            continue
        if target < 0:
            out.append({"target_index": -1, "target": None, "members": [], "from": spec.date(t), "to": spec.date(t)})
            continue
        out.append({"target_index": target, "target": names[target],
                    "members": [names[i] for i in range(spec.L) if coalitions[t][j] >> i & 1],
                    "from": spec.date(t), "to": spec.date(t)})
    return [{k: v for k, v in s.items() if k != "target_index"} for s in out if s["target"] is not None]


@dataclass
class RunResult:
    scenario: str
    seed: int
    replicate: int
    spec: Spec
    winner: str | None
    victory_month: int | None
    victory_date: str | None
    ended: str  # "won" or "end date"
    elimination_order: list[str]
    fates: dict[str, dict[str, str]]
    standings: list[dict[str, Any]]
    chronicle: list[tuple[int, str, str]]
    votes: list[dict[str, Any]]
    series: dict[str, np.ndarray]
    stages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "replicate": self.replicate,
            "winner": self.winner,
            "victory": self.victory_date,
            "ended": self.ended,
            "elimination_order": self.elimination_order,
            "stages": self.stages,
            "fates": self.fates,
            "standings": self.standings,
            "chronicle": [{"month": m, "date": d, "text": t} for m, d, t in self.chronicle],
            "votes": self.votes,
        }


def simulate(scenario: Scenario | str = "soviet-1924", seed: int = 0, replicate: int = 0,
             policies: Mapping[str, Policy | Callable[[Observation], Action]] | None = None) -> RunResult:
    """One run, with its chronicle, votes, fates and monthly series.

    `policies` maps leader ids (e.g. "trotsky") to a `Policy` (an object with
    `act(observation) -> Action`, or a plain function) that plays that leader instead of the
    built-in policy, month by month (`politburo.engine.players`). Without policies, or with
    `UtilityPolicy` for any leader, the run is the one the model simulates by itself.

    Raises ScenarioError for a bad scenario, seed or leader id, and `IllegalAction` (a
    ValueError) when a policy returns an action not open to its leader."""
    sc = _scenario(scenario)
    seed = _check_seed(seed)
    spec = compile_scenario(sc)
    _notice_compile()
    log = Log()
    players = None
    if policies is not None and not isinstance(policies, Mapping):
        raise ScenarioError("policies", [f"must map leader ids to policies (a dict), not {type(policies).__name__}"])
    if policies:
        try:
            players = Players(spec, policies, log)
        except (KeyError, TypeError) as exc:
            raise ScenarioError("policies", [str(exc).strip("'\"")]) from None
    res = run_batch(spec, seed, np.array([replicate]), series=True, log=log, players=players)
    st = res.state
    lead, rec = st.leaders, st.records
    names = spec.leader_names
    w = int(rec.winner[0])
    events, votes = res.log.event_columns(seq=True), res.log.vote_columns(seq=True)
    fates = {}
    for i, name in enumerate(names):
        fates[name] = {SANCTIONS[k]: spec.date(int(m)) for k, m in enumerate(rec.sanctions[0, i]) if m >= 0}
    holder = st.offices.holder[0]
    share = res.committee_share[0, min(st.month, spec.months) - 1]
    standings = []
    for i, name in enumerate(names):
        bureau, committee = spec.body_names.get("bureau", "bureau"), spec.body_names.get("committee", "committee")
        status = ("winner" if i == w else "exiled" if lead.exiled[0, i] else "expelled" if lead.expelled[0, i]
                  else "submitted" if lead.submitted[0, i] else f"out of the {committee}" if not lead.in_committee[0, i]
                  else f"out of the {bureau}" if not lead.in_bureau[0, i] else f"in the {bureau}")
        offices = [spec.office_names[o] for o in range(spec.O) if holder[o] == i]
        standings.append({"leader": name, "status": status, "offices": offices, "offices_held": len(offices),
                          "prestige": round(float(lead.prestige[0, i]), 3),
                          "heir_legitimacy": round(float(lead.heir[0, i]), 3),
                          "committee_share": round(float(share[i]), 3)})
    vote_rows = []
    for k in range(votes["run"].size):
        vote_rows.append({
            "month": int(votes["month"][k]), "date": spec.date(int(votes["month"][k])),
            "body": BODIES[int(votes["body"][k])], "motion": MOTIONS[int(votes["motion"][k])],
            "proposer": names[int(votes["proposer"][k])], "target": names[int(votes["target"][k])],
            "yes": int(votes["yes"][k]), "no": int(votes["no"][k]), "abstain": int(votes["abstain"][k]),
            "passed": bool(votes["passed"][k]),
        })
    assert res.series is not None
    return RunResult(
        scenario=sc.scenario.name, seed=seed, replicate=replicate, spec=spec,
        winner=names[w] if w >= 0 else None,
        victory_month=int(rec.victory[0]) if w >= 0 else None,
        victory_date=spec.date(int(rec.victory[0])) if w >= 0 else None,
        ended="won" if w >= 0 else "end date",
        elimination_order=[names[i] for i in elimination_order(rec.defeated[0], w)],
        fates=fates, standings=standings, chronicle=chronicle(spec, events, votes, 0),
        votes=vote_rows, series={**{k: v[0] for k, v in res.series.items()}, "coalitions": res.coalitions[0]},
        stages=stages(spec, res.coalitions[0], int(rec.victory[0]) if w >= 0 else spec.months - 1),
    )


@dataclass
class EnsembleResult:
    scenario: Scenario
    spec: Spec
    seed: int
    runs: int
    winner: np.ndarray
    victory: np.ndarray
    defeated: np.ndarray  # (N, L)
    sanctions: np.ndarray  # (N, L, 7)
    office_lost: np.ndarray  # (N, O)
    coalitions: np.ndarray  # (N, T, L)
    committee_share: np.ndarray  # (N, T, L)
    members: np.ndarray  # (N, T)
    positions: np.ndarray  # (N, T, L, A) float32: each leader's position on each axis at each month's end
    votes: dict[str, np.ndarray] = field(repr=False)

    def win_rates(self) -> dict[str, dict[str, float]]:
        """{leader or "nobody": {rate, low, high, count}}: each principal's share of wins with its
        95% Wilson interval."""
        return dict(self.summary()["win_rates"])

    def win_rates_by(self, month: int) -> dict[str, float]:
        """{leader: share of runs he had won by month index `month`}."""
        won = (self.winner >= 0) & (self.victory <= month)
        return {n: float(((self.winner == i) & won).mean()) for i, n in enumerate(self.spec.leader_names)}

    def median_victory(self) -> dict[str, str | None]:
        """{leader: the median month of his victories, or None}."""
        return dict(self.summary()["median_victory"])

    def elimination_orders(self, top: int = 5) -> list[tuple[str, int]]:
        """The `top` commonest elimination orders, 'A > B > C', with their run counts."""
        return [(row["order"], row["runs"]) for row in summarise_runs(self._relation(), self.spec, self.scenario,
                                                                      self.seed, top)["elimination_orders"]]

    def _relation(self) -> Any:
        import duckdb

        return duckdb.connect().from_arrow(self.runs_table())

    def summary(self) -> dict[str, Any]:
        """Who wins (counts, rates, Wilson intervals), by the decisive date, the median month of
        victory and the commonest elimination orders: `summarise_runs` over `runs_table()`, the
        same query that summarises an ensemble streamed to Parquet."""
        return summarise_runs(self._relation(), self.spec, self.scenario, self.seed)

    def runs_table(self) -> Any:
        """One row per run: seed, replicate, winner, month of victory, elimination order and the
        month of each sanction each principal suffered (an Arrow table)."""
        return runs_table(self.spec, self.seed, 0, self.winner, self.victory, self.defeated, self.sanctions)

    def votes_table(self) -> Any:
        """One row per vote of every run (an Arrow table)."""
        return votes_table(self.spec, self.votes)


def _dates(spec: Spec, months: np.ndarray) -> Any:
    """Month indices as dates ('January 1924'), None where negative (an Arrow string array)."""
    import pyarrow as pa

    table = np.array([spec.date(t) for t in range(spec.months + 1)] + [None], dtype=object)
    m = np.asarray(months, dtype=np.int64)
    return pa.array(table[np.where(m >= 0, np.minimum(m, spec.months), -1)], pa.string())


def elimination_lists(spec: Spec, winner: np.ndarray, defeated: np.ndarray) -> Any:
    """(N,) Arrow list<string>: each run's principals other than the winner, in the order they
    were defeated (ties by index, as `elimination_order`)."""
    import pyarrow as pa

    L = defeated.shape[1]
    idx = np.arange(L)
    valid = (defeated >= 0) & (idx[None, :] != np.asarray(winner)[:, None])
    key = np.where(valid, defeated.astype(np.int64) * L + idx, np.iinfo(np.int64).max)
    order = np.argsort(key, axis=1, kind="stable")
    counts = valid.sum(axis=1)
    names = np.array(spec.leader_names, dtype=object)
    values = names[order[idx[None, :] < counts[:, None]]]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.string()))


def runs_table(spec: Spec, seed: int, first: int, winner: np.ndarray, victory: np.ndarray,
               defeated: np.ndarray, sanctions: np.ndarray) -> Any:
    """The runs table of replicates first..first+N-1 (see `EnsembleResult.runs_table`)."""
    import pyarrow as pa

    n = len(winner)
    names = np.array([*spec.leader_names, None], dtype=object)  # index -1: no winner
    cols: dict[str, Any] = {
        "seed": pa.array(np.full(n, seed, dtype=np.int64)),
        "replicate": pa.array(np.arange(first, first + n, dtype=np.int64)),
        "winner": pa.array(names[np.asarray(winner, dtype=np.int64)], pa.string()),
        "victory_month": _dates(spec, victory),
        "victory_index": pa.array(np.where(victory >= 0, victory, -1).astype(np.int64)),
        "elimination_order": elimination_lists(spec, winner, defeated),
    }
    for i, name in enumerate(spec.leader_names):
        key = name.lower().replace(" ", "_")
        for k, sname in enumerate(SANCTIONS):
            cols[f"{key}_{sname}"] = _dates(spec, sanctions[:, i, k])
    return pa.table(cols)


def votes_table(spec: Spec, v: dict[str, np.ndarray]) -> Any:
    """One row per vote (an Arrow table); `v` holds the log's vote columns."""
    import pyarrow as pa

    names = np.array(spec.leader_names, dtype=object)
    return pa.table({
        "run": pa.array(v["run"]),
        "month": _dates(spec, v["month"]),
        "month_index": pa.array(v["month"]),
        "body": pa.array(np.array(BODIES, dtype=object)[v["body"]].tolist(), pa.string()),
        "motion": pa.array(np.array(MOTIONS, dtype=object)[v["motion"]].tolist(), pa.string()),
        "proposer": pa.array(names[v["proposer"]].tolist(), pa.string()),
        "target": pa.array(names[v["target"]].tolist(), pa.string()),
        "yes": pa.array(v["yes"]), "no": pa.array(v["no"]), "abstain": pa.array(v["abstain"]),
        "passed": pa.array(v["passed"].astype(bool)),
    })


def summarise_runs(runs: Any, spec: Spec, scenario: Scenario, seed: int, top: int = 5) -> dict[str, Any]:
    """The ensemble summary of a runs table (a DuckDB relation with the columns of
    `runs_table`, in memory or read from Parquet): win counts and rates with 95% Wilson
    intervals, each leader's share of wins by the scenario's decisive date, the median month of
    his victories (the midpoint of the two middle months when their number is even, truncated
    to a month) and the `top` commonest elimination orders (ties: the order seen first)."""
    decisive = scenario.month(scenario.scenario.decisive_by)
    rows = runs.aggregate(
        f"winner, count(*) as n, count(*) filter (where victory_index <= {decisive:d}) as by_decisive, "
        "quantile_cont(victory_index, 0.5) as median", "winner").fetchall()
    n_runs = sum(int(r[1]) for r in rows)
    by_name = {r[0]: r for r in rows}
    win_rates: dict[str, dict[str, float]] = {}
    for name in [*spec.leader_names, None]:
        k = int(by_name[name][1]) if name in by_name else 0
        lo, hi = wilson(k, n_runs)
        win_rates[name or "nobody"] = {"rate": k / n_runs, "low": lo, "high": hi, "count": k}
    orders = runs.aggregate("array_to_string(elimination_order, ' > ') as o, count(*) as n, "
                            "min(replicate) as first", "o").order("n desc, first asc").limit(top).fetchall()
    return {
        "scenario": scenario.scenario.name,
        "seed": seed,
        "runs": n_runs,
        "win_rates": win_rates,
        "win_rates_by_decisive_date": {n: (int(by_name[n][2]) if n in by_name else 0) / n_runs
                                       for n in spec.leader_names},
        "decisive_date": spec.date(decisive),
        "median_victory": {n: spec.date(int(by_name[n][3])) if n in by_name else None
                           for n in spec.leader_names},
        "elimination_orders": [{"order": o or "(none)", "runs": int(k)} for o, k, _ in orders],
    }


# Memory an ensemble keeps per run, besides its votes: the (T, L) coalition and committee-share
# series (4 bytes each), the (T, L, A) positions (4 bytes), the (T,) membership, fates and offices,
# with room for the concatenation at the end.
def _bytes_per_run(spec: Spec) -> float:
    T, L, O, A = spec.months, spec.L, spec.O, len(spec.axis_names)
    return (2.0 * (T * L * 8 + T * L * A * 4 + T * 8 + L * 8 * (1 + len(SANCTIONS)) + O * 8 + 16)
            + VOTE_BYTES * VOTES_PER_RUN)


VOTE_BYTES = 8 * 11  # one vote: eleven 8-byte columns
VOTES_PER_RUN = 60  # a generous average (the built-in scenarios log 20 to 40)
PARQUET_BYTES_PER_RUN = 2_000  # runs.parquet and votes.parquet together, a generous bound


def check_ensemble(sc: Scenario, runs: Any, seed: Any, batch_size: Any, folder: str | Path | None = None,
                   hint: str = "; stream them to Parquet with ensemble_to_parquet",
                   ) -> tuple[Spec, int, int, int]:
    """Check an ensemble's size before anything runs: (spec, runs, seed, batch size), or
    ScenarioError for a bad value, more than `MAX_RUNS` runs, a batch (or, with no `folder`, a
    whole ensemble) that would need more than half the available memory, or (with a `folder`)
    Parquet files larger than the free space of its disk."""
    seed = _check_seed(seed)
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs <= 0:
        raise ScenarioError("--runs", [f"the number of runs must be a positive integer, not {runs!r}"])
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ScenarioError("--batch-size", [f"batch size must be a positive integer, not {batch_size!r}"])
    runs = int(runs)
    check_runs("--runs", runs, "", workers=1)
    spec = compile_scenario(sc)
    batch = min(int(batch_size), runs)
    check_memory("--batch-size", batch * _bytes_per_run(spec), f"a batch of {batch:,} runs")
    if folder is None:
        check_memory("--runs", runs * _bytes_per_run(spec), f"{runs:,} runs kept in memory", hint)
    else:
        check_disk("--out", Path(folder), runs * PARQUET_BYTES_PER_RUN, f"{runs:,} runs in Parquet")
    return spec, runs, seed, batch


def _batches(spec: Spec, seed: int, runs: int, batch_size: int,
             progress: Callable[[int], None] | None) -> Iterator[tuple[int, BatchResult]]:
    """(first replicate, result) of each batch of replicates 0..runs-1, in order."""
    _notice_compile()
    for start in range(0, runs, batch_size):
        reps = np.arange(start, min(runs, start + batch_size))
        yield start, run_batch(spec, seed, reps)
        if progress is not None:
            progress(len(reps))


def _votes(res: BatchResult, start: int) -> dict[str, np.ndarray]:
    vc = res.log.vote_columns()
    vc["run"] = vc["run"] + start
    return vc


def ensemble(scenario: Scenario | str = "soviet-1924", runs: int = 1000, seed: int = 0,
             batch_size: int = 4000, progress: Callable[[int], None] | None = None) -> EnsembleResult:
    """`runs` replicates 0..runs-1 of one seed, kept in memory. Results do not depend on
    `batch_size`; `progress` hears of each batch's size.

    Raises ScenarioError for a bad seed, run count or batch size, and (before running anything)
    for more runs than `politburo.sizes.MAX_RUNS` or than half the available memory can hold
    (about 2 × (T·L·8 + T·L·A·4 + T·8) bytes per run plus its votes, for T months, L leaders
    and A axes): use `ensemble_to_parquet` for those.
    """
    sc = _scenario(scenario)
    spec, runs, seed, batch_size = check_ensemble(sc, runs, seed, batch_size)
    parts: dict[str, list[np.ndarray]] = {}
    vote_parts: list[dict[str, np.ndarray]] = []
    for start, res in _batches(spec, seed, runs, batch_size, progress):
        rec = res.state.records
        for k, v in (("winner", rec.winner), ("victory", rec.victory), ("defeated", rec.defeated),
                     ("sanctions", rec.sanctions), ("office_lost", res.state.offices.lost),
                     ("coalitions", res.coalitions), ("committee_share", res.committee_share),
                     ("members", res.members), ("positions", res.positions)):
            parts.setdefault(k, []).append(v)
        vote_parts.append(_votes(res, start))
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    votes = {k: np.concatenate([p[k] for p in vote_parts]) for k in vote_parts[0]}
    return EnsembleResult(scenario=sc, spec=spec, seed=seed, runs=runs, votes=votes, **cat)


@dataclass
class StreamedEnsemble:
    """An ensemble written to Parquet: `summary` as `EnsembleResult.summary()` gives it, read
    back from `folder`/runs.parquet with DuckDB; `votes` is the number of rows of votes.parquet."""

    folder: Path
    summary: dict[str, Any]
    runs: int
    votes: int


def ensemble_to_parquet(scenario: Scenario | str, runs: int, seed: int, folder: str | Path,
                        batch_size: int = 4000,
                        progress: Callable[[int], None] | None = None) -> StreamedEnsemble:
    """Like `ensemble`, but each batch is appended to `folder`/runs.parquet and
    `folder`/votes.parquet (one row group per batch) and dropped: memory stays that of one
    batch, whatever the number of runs. The folder must exist; the files are written in place
    (write into a temporary folder and rename it to make them appear whole).

    Raises ScenarioError as `ensemble` does, and (before running anything) when the files would
    need more than the free space of the folder's disk (about 2 kB per run at most); OSError
    from the writes."""
    import duckdb
    import pyarrow.parquet as pq

    sc = _scenario(scenario)
    folder = Path(folder)
    spec, runs, seed, batch_size = check_ensemble(sc, runs, seed, batch_size, folder)
    runs_path, votes_path = folder / "runs.parquet", folder / "votes.parquet"
    n_votes = 0
    writers: list[Any] = []
    try:
        for start, res in _batches(spec, seed, runs, batch_size, progress):
            rec = res.state.records
            rt = runs_table(spec, seed, start, rec.winner, rec.victory, rec.defeated, rec.sanctions)
            vt = votes_table(spec, _votes(res, start))
            if not writers:
                writers = [pq.ParquetWriter(runs_path, rt.schema, compression="zstd"),
                           pq.ParquetWriter(votes_path, vt.schema, compression="zstd")]
            writers[0].write_table(rt)
            writers[1].write_table(vt)
            n_votes += vt.num_rows
            del res, rec, rt, vt
    finally:
        for w in writers:
            w.close()
    con = duckdb.connect()
    relation = con.read_parquet(str(runs_path))
    return StreamedEnsemble(folder, summarise_runs(relation, spec, sc, seed), runs, n_votes)
