"""The library API: load a scenario, simulate one run, run an ensemble. The CLI, reports
and web app call these and add nothing to the model."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from politburo.chronicle import chronicle
from politburo.compile import compile_scenario
from politburo.engine.log import BODIES, MOTIONS
from politburo.engine.run import run_batch
from politburo.engine.spec import Spec
from politburo.engine.state import SANCTIONS
from politburo.loader import ScenarioError, load_scenario
from politburo.schema import Scenario

__all__ = [
    "EnsembleResult",
    "RunResult",
    "ScenarioError",
    "ensemble",
    "load_scenario",
    "simulate",
    "wilson",
]


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ScenarioError("--seed", [f"seed must be an integer, not {seed!r}"])
    if not 0 <= int(seed) < 2**63:
        raise ScenarioError("--seed", [f"seed must be between 0 and 2**63-1, not {seed}"])
    return int(seed)


def _scenario(scenario: Scenario | str) -> Scenario:
    return load_scenario(scenario) if isinstance(scenario, str) else scenario


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


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


def simulate(scenario: Scenario | str = "soviet-1924", seed: int = 0, replicate: int = 0) -> RunResult:
    """One run, with its chronicle, votes, fates and monthly series."""
    sc = _scenario(scenario)
    seed = _check_seed(seed)
    spec = compile_scenario(sc)
    res = run_batch(spec, seed, np.array([replicate]), series=True)
    st = res.state
    names = spec.leader_names
    w = int(st.winner[0])
    events, votes = res.log.event_columns(seq=True), res.log.vote_columns(seq=True)
    fates = {}
    for i, name in enumerate(names):
        fates[name] = {SANCTIONS[k]: spec.date(int(m)) for k, m in enumerate(st.sanctions[0, i]) if m >= 0}
    from politburo.engine.common import offices_held

    held = offices_held(spec, st)[0]
    share = res.committee_share[0, min(st.month, spec.months) - 1]
    standings = []
    for i, name in enumerate(names):
        bureau, committee = spec.body_names.get("bureau", "bureau"), spec.body_names.get("committee", "committee")
        status = ("winner" if i == w else "exiled" if st.exiled[0, i] else "expelled" if st.expelled[0, i]
                  else "submitted" if st.submitted[0, i] else f"out of the {committee}" if not st.in_committee[0, i]
                  else f"out of the {bureau}" if not st.in_bureau[0, i] else f"in the {bureau}")
        offices = [spec.office_names[o] for o in range(spec.O) if st.holder[0, o] == i]
        standings.append({"leader": name, "status": status, "offices": offices, "offices_held": int(held[i]),
                          "prestige": round(float(st.prestige[0, i]), 3),
                          "heir_legitimacy": round(float(st.heir[0, i]), 3),
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
        victory_month=int(st.victory[0]) if w >= 0 else None,
        victory_date=spec.date(int(st.victory[0])) if w >= 0 else None,
        ended="won" if w >= 0 else "end date",
        elimination_order=[names[i] for i in elimination_order(st.defeated[0], w)],
        fates=fates, standings=standings, chronicle=chronicle(spec, events, votes, 0),
        votes=vote_rows, series={**{k: v[0] for k, v in res.series.items()}, "coalitions": res.coalitions[0]},
        stages=stages(spec, res.coalitions[0], int(st.victory[0]) if w >= 0 else spec.months - 1),
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
    votes: dict[str, np.ndarray] = field(repr=False)

    def win_rates(self) -> dict[str, dict[str, float]]:
        out = {}
        labels = [*self.spec.leader_names, None]
        for i, name in enumerate(labels):
            k = int((self.winner == (i if name is not None else -1)).sum())
            lo, hi = wilson(k, self.runs)
            out[name or "nobody"] = {"rate": k / self.runs, "low": lo, "high": hi, "count": k}
        return out

    def win_rates_by(self, month: int) -> dict[str, float]:
        won = (self.winner >= 0) & (self.victory <= month)
        return {n: float(((self.winner == i) & won).mean()) for i, n in enumerate(self.spec.leader_names)}

    def median_victory(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for i, n in enumerate(self.spec.leader_names):
            m = self.victory[self.winner == i]
            out[n] = self.spec.date(int(np.median(m))) if m.size else None
        return out

    def elimination_orders(self, top: int = 5) -> list[tuple[str, int]]:
        names = self.spec.leader_names
        c: Counter[str] = Counter()
        for k in range(self.runs):
            order = elimination_order(self.defeated[k], int(self.winner[k]))
            c[" > ".join(names[i] for i in order) or "(none)"] += 1
        return c.most_common(top)

    def summary(self) -> dict[str, Any]:
        decisive = self.scenario.month(self.scenario.scenario.decisive_by)
        return {
            "scenario": self.scenario.scenario.name,
            "seed": self.seed,
            "runs": self.runs,
            "win_rates": self.win_rates(),
            "win_rates_by_decisive_date": self.win_rates_by(decisive),
            "decisive_date": self.spec.date(decisive),
            "median_victory": self.median_victory(),
            "elimination_orders": [{"order": o, "runs": n} for o, n in self.elimination_orders()],
        }

    def runs_table(self) -> Any:
        """One row per run: seed, replicate, winner, month of victory, elimination order and the
        month of each sanction each principal suffered."""
        import pyarrow as pa

        spec = self.spec
        names = spec.leader_names
        cols: dict[str, Any] = {
            "seed": pa.array(np.full(self.runs, self.seed, dtype=np.int64)),
            "replicate": pa.array(np.arange(self.runs, dtype=np.int64)),
            "winner": pa.array([names[w] if w >= 0 else None for w in self.winner], pa.string()),
            "victory_month": pa.array([spec.date(int(v)) if v >= 0 else None for v in self.victory], pa.string()),
            "victory_index": pa.array(np.where(self.victory >= 0, self.victory, -1).astype(np.int64)),
            "elimination_order": pa.array([[names[i] for i in elimination_order(self.defeated[k], int(self.winner[k]))]
                                           for k in range(self.runs)], pa.list_(pa.string())),
        }
        for i, n in enumerate(names):
            key = n.lower().replace(" ", "_")
            for s, sname in enumerate(SANCTIONS):
                m = self.sanctions[:, i, s]
                cols[f"{key}_{sname}"] = pa.array([spec.date(int(x)) if x >= 0 else None for x in m], pa.string())
        return pa.table(cols)

    def votes_table(self) -> Any:
        import pyarrow as pa

        v = self.votes
        names = np.array(self.spec.leader_names, dtype=object)
        return pa.table({
            "run": pa.array(v["run"]),
            "month": pa.array([self.spec.date(int(m)) for m in v["month"]], pa.string()),
            "month_index": pa.array(v["month"]),
            "body": pa.array(np.array(BODIES, dtype=object)[v["body"]].tolist(), pa.string()),
            "motion": pa.array(np.array(MOTIONS, dtype=object)[v["motion"]].tolist(), pa.string()),
            "proposer": pa.array(names[v["proposer"]].tolist(), pa.string()),
            "target": pa.array(names[v["target"]].tolist(), pa.string()),
            "yes": pa.array(v["yes"]), "no": pa.array(v["no"]), "abstain": pa.array(v["abstain"]),
            "passed": pa.array(v["passed"].astype(bool)),
        })


def ensemble(scenario: Scenario | str = "soviet-1924", runs: int = 1000, seed: int = 0,
             batch_size: int = 4000, progress: Callable[[int], None] | None = None) -> EnsembleResult:
    """`runs` replicates 0..runs-1 of one seed. Results do not depend on `batch_size`."""
    sc = _scenario(scenario)
    seed = _check_seed(seed)
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs <= 0:
        raise ScenarioError("--runs", [f"the number of runs must be a positive integer, not {runs!r}"])
    if batch_size <= 0:
        raise ScenarioError("--batch-size", [f"batch size must be positive, not {batch_size}"])
    spec = compile_scenario(sc)
    parts: dict[str, list[np.ndarray]] = {}
    vote_parts: list[dict[str, np.ndarray]] = []
    for start in range(0, runs, batch_size):
        reps = np.arange(start, min(runs, start + batch_size))
        res = run_batch(spec, seed, reps)
        st = res.state
        for k, v in (("winner", st.winner), ("victory", st.victory), ("defeated", st.defeated),
                     ("sanctions", st.sanctions), ("office_lost", st.office_lost),
                     ("coalitions", res.coalitions), ("committee_share", res.committee_share),
                     ("members", res.members)):
            parts.setdefault(k, []).append(v)
        vc = res.log.vote_columns()
        vc["run"] = vc["run"] + start
        vote_parts.append(vc)
        if progress is not None:
            progress(len(reps))
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    votes = {k: np.concatenate([p[k] for p in vote_parts]) for k in vote_parts[0]}
    return EnsembleResult(scenario=sc, spec=spec, seed=seed, runs=runs, votes=votes, **cat)
