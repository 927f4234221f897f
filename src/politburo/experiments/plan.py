"""Experiments as plans of tasks.

An experiment is a scenario, the world's `--set` overrides, a list of arms (interventions:
factors switched off and key paths set), a seed and a number of replicates. Replicate r of
every arm uses the same random numbers (the engine's draws are keyed by seed, replicate,
purpose and month), so arms are compared under common random numbers.

The plan splits the experiment into tasks; a task runs some arms over a range of replicates
and writes one Parquet file named by its id. The ids depend only on the experiment, so a
re-run finds the tasks already done, on any backend and with any number of workers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from politburo.loader import load_checked, load_raw
from politburo.sizes import check_runs

# Runs per task: big enough that a task amortises its start-up, small enough to spread over cores.
TASK_RUNS = 4000

# Run table schema: one row per run (baseline runs have branch_month = future = -1).
BASE_COLUMNS = ("arm", "replicate", "branch_month", "future", "winner", "victory")


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def digest(data: Any, n: int = 16) -> str:
    return hashlib.sha256(canonical(data).encode()).hexdigest()[:n]


def engine_version() -> str:
    """The package version and a digest of the engine's source (the digest that also keys the
    compiled kernels): results from another engine are never reused."""
    import politburo
    from politburo.engine.jit import source_digest

    return f"{politburo.__version__}+{source_digest()[:12]}"


@dataclass(frozen=True)
class Arm:
    """One intervention: factors switched off and key paths set (on top of the world)."""

    factors_off: tuple[str, ...] = ()
    sets: tuple[tuple[str, Any], ...] = ()
    label: str = "history"

    @staticmethod
    def make(factors_off: list[str] | tuple[str, ...] = (), sets: dict[str, Any] | None = None,
             label: str | None = None) -> Arm:
        off = tuple(sorted(set(factors_off)))
        pairs = tuple(sorted((sets or {}).items()))
        if label is None:
            parts = [f"{f}=off" for f in off] + [f"{k}={v}" for k, v in pairs]
            label = ", ".join(parts) or "history"
        return Arm(off, pairs, label)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "factors_off": list(self.factors_off), "set": dict(self.sets)}

    def key(self) -> dict[str, Any]:
        return {"factors_off": list(self.factors_off), "set": [[k, v] for k, v in self.sets]}


@dataclass
class Experiment:
    kind: str
    where: str  # scenario name or path, for messages
    raw: dict[str, Any]  # the scenario data
    world: dict[str, Any]  # --set overrides that define the world all arms share
    arms: list[Arm]
    seed: int
    replicates: int
    futures: int = 0  # inevitability: futures branched from each saved state
    every: int = 0  # inevitability: months between saved states
    settings: dict[str, Any] = field(default_factory=dict)  # analysis settings (not in the id)
    # What the arms were drawn from, in the id: the plausible worlds (their file's content hash).
    # Empty for every other experiment, draws from the priors included (they depend on the
    # scenario's priors and the seed alone, and their values are in the arms).
    sources: dict[str, Any] = field(default_factory=dict)
    _id: str | None = field(default=None, repr=False, compare=False)
    _tasks: list[Task] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_runs("--replicates, --futures" if self.futures else "--replicates", self.runs, self.describe_size())

    def describe_size(self) -> str:
        """'2 arms × 1,000 replicates × (1 + 10 futures × 28 branch months)'."""
        n = len(self.arms)
        text = f"{n:,} arm{'s' if n != 1 else ''} × {self.replicates:,} replicates"
        branches = len(branch_months(scenario_months(self.raw), self.every))
        if self.futures and branches:
            text += f" × (1 + {self.futures:,} futures × {branches} branch months)"
        return text

    def identity(self) -> dict[str, Any]:
        ident: dict[str, Any] = {
            "kind": self.kind,
            "scenario": digest(_runs_data(self.raw), 32),
            "world": sorted([k, v] for k, v in self.world.items()),
            "arms": [a.key() for a in self.arms],
            "seed": self.seed,
            "replicates": self.replicates,
            "futures": self.futures,
            "every": self.every,
            "engine": engine_version(),
        }
        if self.sources:
            ident["sources"] = self.sources
        return ident

    @property
    def id(self) -> str:
        if self._id is None:  # an experiment is not changed once built; its identity is hashed once
            self._id = digest(self.identity(), 12)
        return self._id

    @property
    def runs(self) -> int:
        """Runs of the whole plan (arms × replicates, plus the futures branched off each run),
        computed without planning the tasks."""
        n = len(self.arms) * self.replicates
        if self.futures:
            n += n * self.futures * len(branch_months(scenario_months(self.raw), self.every))
        return n

    def manifest(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "scenario": self.where,
            "scenario_name": self.raw.get("scenario", {}).get("name", self.where),
            "world": self.world,
            "arms": [a.to_dict() for a in self.arms],
            "seed": self.seed,
            "replicates": self.replicates,
            "futures": self.futures,
            "every": self.every,
            "engine": engine_version(),
            "runs": self.runs,
            "tasks": len(self.tasks()),
            "settings": self.settings,
        }

    def tasks(self) -> list[Task]:
        if self._tasks is not None:
            return self._tasks
        exp_id = self.id
        out: list[Task] = []
        n_arms = len(self.arms)
        months = scenario_months(self.raw)
        if self.futures:
            # A baseline run costs ~1 and each future about half a run on average.
            per_rep = 1 + self.futures * len(branch_months(months, self.every)) // 2
            chunk = max(1, TASK_RUNS // per_rep)
        else:
            chunk = min(self.replicates, TASK_RUNS)
        arms_per_task = max(1, TASK_RUNS // chunk) if chunk == self.replicates and not self.futures else 1
        raw_text, world_text = canonical(self.raw), canonical(self.world)
        for a0 in range(0, n_arms, arms_per_task):
            arms = list(range(a0, min(n_arms, a0 + arms_per_task)))
            for r0 in range(0, self.replicates, chunk):
                r1 = min(self.replicates, r0 + chunk)
                tid = digest({"experiment": exp_id, "arms": arms, "replicates": [r0, r1]}, 16)
                out.append(Task(exp_id, tid, raw_text, world_text,
                                [(a, self.arms[a]) for a in arms], self.seed, r0, r1,
                                months, self.futures, self.every, engine_version()))
        self._tasks = out
        return out


def _runs_data(raw: dict[str, Any]) -> dict[str, Any]:
    """The scenario data its runs depend on: without the name of its worlds file (`scenario.worlds`),
    which only says where draws may come from (an experiment that draws from them has their
    content hash in its `sources`)."""
    meta = raw.get("scenario")
    if not isinstance(meta, dict) or "worlds" not in meta:
        return raw
    return {**raw, "scenario": {k: v for k, v in meta.items() if k != "worlds"}}


def scenario_months(raw: dict[str, Any]) -> int:
    """The number of months the scenario runs."""
    from politburo.schema import month_index

    meta = raw["scenario"]
    return month_index(meta["end"], meta["start"]) + 1


def branch_months(months: int, every: int) -> list[int]:
    return list(range(0, months, every)) if every else []


def future_seed(seed: int, month: int) -> int:
    """The seed of the futures branched at `month`: fresh draws, the same on every machine."""
    return int(digest({"seed": seed, "future": month}, 15), 16)


@dataclass
class Task:
    experiment: str
    id: str
    raw_text: str  # the scenario data and the world's overrides, as canonical JSON
    world_text: str
    arms: list[tuple[int, Arm]]
    seed: int
    start: int
    stop: int
    months: int
    futures: int = 0
    every: int = 0
    engine: str = ""  # the engine version the experiment's id was computed with

    @property
    def runs(self) -> int:
        n = (self.stop - self.start) * len(self.arms)
        if self.futures:
            n += n * self.futures * len(branch_months(self.months, self.every))
        return n

    def spec(self, arm: Arm) -> Any:
        return _compiled(self.raw_text, self.world_text, canonical(arm.key()))

    def compute(self) -> Any:
        """Run the task; returns its Arrow table."""
        import pyarrow as pa

        from politburo.engine.run import run_batch

        parts: list[dict[str, np.ndarray]] = []
        reps = np.arange(self.start, self.stop, dtype=np.int64)
        for a, arm in self.arms:
            spec = self.spec(arm)
            if self.futures:
                parts.extend(_branches(spec, self.seed, reps, self.futures, self.every, a))
                continue
            st = run_batch(spec, self.seed, reps).state
            parts.append(_rows(st, a, reps, -1, np.full(len(reps), -1)))
        cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        return pa.table(cols)


def _rows(st: Any, arm: int, reps: np.ndarray, month: int, future: np.ndarray) -> dict[str, np.ndarray]:
    n = len(reps)
    out = {
        "arm": np.full(n, arm, dtype=np.int32),
        "replicate": reps.astype(np.int64),
        "branch_month": np.full(n, month, dtype=np.int16),
        "future": future.astype(np.int32),
        "winner": st.records.winner.astype(np.int8),
        "victory": st.records.victory.astype(np.int16),
    }
    for i in range(st.records.defeated.shape[1]):
        out[f"defeated_{i}"] = st.records.defeated[:, i].astype(np.int16)
    return out


def _branches(spec: Any, seed: int, reps: np.ndarray, futures: int, every: int, arm: int) -> list[dict[str, np.ndarray]]:
    """Baseline runs, and from the state of each at every `every`-th month, `futures` fresh futures."""
    from politburo.engine.log import Log
    from politburo.engine.rng import Streams
    from politburo.engine.run import initial_state, run_batch
    from politburo.engine.step import step

    B = len(reps)
    st = initial_state(spec, B)
    rng = Streams(seed, reps)
    log = Log()
    out = []
    for t in branch_months(spec.months, every):
        while st.month < t:
            step(spec, st, rng, log)
        log = Log()
        idx = np.repeat(np.arange(B), futures)
        fut = np.tile(np.arange(futures), B)
        branch = st.take(idx)
        freps = reps[idx] * futures + fut
        res = run_batch(spec, future_seed(seed, t), freps, state=branch).state
        out.append(_rows(res, arm, reps[idx], t, fut))
    while st.month < spec.months:
        step(spec, st, rng, log)
    out.append(_rows(st, arm, reps, -1, np.full(B, -1)))
    return out


@lru_cache(maxsize=8)
def _base(raw_text: str) -> dict[str, Any]:
    return json.loads(raw_text)


@lru_cache(maxsize=256)
def _compiled(raw_text: str, world_text: str, arm_text: str) -> Any:
    """The compiled scenario of an arm (keyed by canonical JSON: values may be lists or tables)."""
    from politburo.compile import compile_scenario

    arm = json.loads(arm_text)
    sets = {**dict(json.loads(world_text)), **dict(arm["set"])}
    return compile_scenario(load_checked(_base(raw_text), sets, arm["factors_off"]))


def check_arm(where: str, raw: dict[str, Any], world: dict[str, Any], arm: Arm) -> None:
    """Raise ScenarioError if the arm does not make a valid scenario (before anything is stored)."""
    load_raw(where, raw, {**world, **dict(arm.sets)}, arm.factors_off)
