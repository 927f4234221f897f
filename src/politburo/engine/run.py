"""Run a batch of replicates from the first month to the last (or until every run is won)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from politburo.engine.log import Log
from politburo.engine.outcome import record_month
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State, initial_state
from politburo.engine.step import step


@dataclass
class BatchResult:
    replicates: np.ndarray
    state: State
    log: Log
    coalitions: np.ndarray  # (B, T, L) bitmask of each target's coalition, per month
    committee_share: np.ndarray  # (B, T, L) float32
    members: np.ndarray  # (B, T)
    series: dict[str, np.ndarray] | None


def run_batch(spec: Spec, seed: int, replicates: np.ndarray, series: bool = False,
              state: State | None = None, log: Log | None = None) -> BatchResult:
    replicates = np.asarray(replicates, dtype=np.int64)
    B, T, L = len(replicates), spec.months, spec.L
    rng = Streams(seed, replicates)
    st = state if state is not None else initial_state(spec, B)
    log = log if log is not None else Log()
    coal = np.zeros((B, T, L), dtype=np.int32)
    share = np.zeros((B, T, L), dtype=np.float32)
    members = np.zeros((B, T), dtype=np.float64)
    ser: dict | None = {} if series else None
    while st.month < T:
        t = st.month
        live = st.running.copy()
        masks = step(spec, st, rng, log, ser)
        record_month(t, live, masks, st.committee, st.in_committee, st.members, coal, share, members)
    out = {k: np.stack(v, axis=1) for k, v in ser.items()} if ser is not None else None
    return BatchResult(replicates, st, log, coal, share, members, out)
