"""Run a batch of replicates from the first month to the last: initialise, then step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from politburo.engine.bodies import seed_bodies
from politburo.engine.log import Log
from politburo.engine.outcome import record_month
from politburo.engine.players import Players
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import (
    Bodies,
    Documents,
    Leaders,
    Offices,
    Records,
    Regions,
    State,
    World,
)
from politburo.engine.step import step


@dataclass
class BatchResult:
    replicates: np.ndarray
    state: State
    log: Log
    coalitions: np.ndarray  # (B, T, L) bitmask of each target's coalition, per month
    committee_share: np.ndarray  # (B, T, L) float32
    members: np.ndarray  # (B, T)
    positions: np.ndarray  # (B, T, L, A) float32, each leader's position on each axis at the month's end
    series: dict[str, np.ndarray] | None


def initial_state(spec: Spec, B: int) -> State:
    """The state at month 0 for a batch of B runs (docs/model.md §4): the scenario's starting
    values in every run, starting insight from each observer's organisation, then the starting
    Central Committee and Politburo (`bodies.seed_bodies`)."""
    L, R, O, A = spec.L, spec.R, spec.O, len(spec.axis_names)
    D = len(spec.document_names)
    p = spec.params

    def rep(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, (B,) + a.shape).copy()

    insight = np.full((L, L), p.insight) + (1 - p.insight) * 0.6 * spec.organisation[:, None] ** 4
    np.fill_diagonal(insight, 1.0)
    st = State(
        month=0,
        running=np.ones(B, dtype=bool),
        founder_alive=True,
        line_month=-1,
        leaders=Leaders(
            prestige=rep(spec.prestige0.astype(float)),
            heir=np.zeros((B, L)),
            ideology=rep(spec.ideology0.astype(float)),
            in_bureau=rep(spec.in_bureau0.astype(bool)),
            in_committee=rep(spec.in_committee0.astype(bool)),
            expelled=np.zeros((B, L), dtype=bool),
            exiled=np.zeros((B, L), dtype=bool),
            submitted=np.zeros((B, L), dtype=bool),
            faction=np.zeros((B, L), dtype=bool),
            grounds=np.zeros((B, L)),
            last_sanction=np.full((B, L), -99, dtype=np.int64),
            removed=np.zeros((B, L), dtype=bool),
            had_office=rep(np.isin(np.arange(L), spec.holder0)),
            insight=rep(np.minimum(insight, 1.0)),
            target=np.full((B, L), -1, dtype=np.int64),
            allied=np.zeros((B, L, L), dtype=bool),
            enmity=np.zeros((B, L, L)),
            camps=np.zeros((B, L), dtype=np.int64),
        ),
        offices=Offices(
            holder=rep(spec.holder0.astype(np.int64)),
            patron=rep(spec.office_patron0.astype(np.int64)),
            lost=np.full((B, O), -1, dtype=np.int64),
        ),
        regions=Regions(
            members=rep(spec.members0.astype(float)),
            steered=np.zeros((B, R)),
            patron=rep(spec.region_patron0.astype(np.int64)),
            loyalty=rep(spec.loyalty0.astype(float)),
            sentiment=rep(spec.sentiment0.astype(float)),
        ),
        bodies=Bodies(
            committee=np.zeros((B, L + 1), dtype=np.int64),
            bureau=np.zeros((B, L + 1), dtype=np.int64),
        ),
        world=World(economy=np.zeros(B), vindication=np.zeros((B, A)), line=np.zeros((B, A))),
        documents=Documents(
            released=np.full((B, D), -1, dtype=np.int64),
            force=np.zeros((B, D)),
            public=np.zeros((B, D), dtype=bool),
        ),
        records=Records(
            sanctions=np.full((B, L, 7), -1, dtype=np.int64),
            defeated=np.full((B, L), -1, dtype=np.int64),
            winner=np.full(B, -1, dtype=np.int64),
            victory=np.full(B, -1, dtype=np.int64),
            coalition_first=np.full((B, L, L), -1, dtype=np.int64),
        ),
    )
    seed_bodies(spec, st)
    return st


def run_batch(spec: Spec, seed: int, replicates: np.ndarray, series: bool = False,
              state: State | None = None, log: Log | None = None, players: Players | None = None) -> BatchResult:
    """Simulate runs `replicates` (B,) of `seed` from `state` (default: the start) to the last
    month; every month is run, whether or not the runs are decided (docs/model.md §3)."""
    replicates = np.asarray(replicates, dtype=np.int64)
    B, T, L = len(replicates), spec.months, spec.L
    rng = Streams(seed, replicates)
    st = state if state is not None else initial_state(spec, B)
    log = log if log is not None else Log()
    coal = np.zeros((B, T, L), dtype=np.int32)
    share = np.zeros((B, T, L), dtype=np.float32)
    members = np.zeros((B, T), dtype=np.float64)
    positions = np.zeros((B, T, L, len(spec.axis_names)), dtype=np.float32)
    ser: dict | None = {} if series else None
    while st.month < T:
        t = st.month
        live = st.running.copy()
        masks = step(spec, st, rng, log, ser, players)
        record_month(t, live, masks, st.bodies.committee, st.leaders.in_committee, st.regions.members, coal, share,
                     members)
        positions[:, t] = st.leaders.ideology
    out = {k: np.stack(v, axis=1) for k, v in ser.items()} if ser is not None else None
    return BatchResult(replicates, st, log, coal, share, members, positions, out)
