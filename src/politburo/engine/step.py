"""One month of the struggle, in a fixed order (documented in docs/model.md):
world, ceremonies, membership, circular flow, perception, coalitions, actions, meetings,
outcome. `step(spec, state, rng, log)` advances every run of the batch together."""

from __future__ import annotations

import numpy as np
from numba import njit

from politburo.engine import (
    appointments,
    ceremonies,
    coalitions,
    documents,
    membership,
    motions,
    outcome,
    perception,
    polemics,
    policy,
    world,
)
from politburo.engine import log as lg
from politburo.engine.common import put
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State


def step(spec: Spec, st: State, rng: Streams, log: lg.Log, series: dict | None = None,
         override: np.ndarray | None = None) -> np.ndarray:
    """Advance one month. `override` (B, L) replaces chosen actions where >= 0 (a human player).
    Returns the (B, L) coalition masks of the month."""
    t = st.month
    running = st.running.copy()
    world.world(spec, st, rng, log, running)
    if t == spec.founder_death:
        ceremonies.founder_death(spec, st, log, running)
    weights = membership.membership(spec, st)  # circular flow keeps the membership
    appointments.circular_flow(spec, st, rng, log, running, weights)
    perceived, actual = perception.perceive(spec, st, weights)
    th = coalitions.threat(spec, st, perceived)
    masks = coalitions.coalitions(spec, st, th, log, running)
    if t == spec.funeral:
        ceremonies.funeral(spec, st, rng, log, running)
    meeting = bool(spec.meeting[t])
    action, motion_target = policy.choose(spec, st, rng, th, running, meeting)
    if override is not None:
        action = np.where(override >= 0, override, action)
    polemics.polemics(spec, st, action == policy.POLEMIC, log, running)
    ev = np.empty((st.B * spec.L, 6), dtype=np.int64)
    log.event_block(t, ev, _factions(action, st.faction, st.grounds, st.target, running, ev))
    world.shift(spec, st, action == policy.SHIFT, log, running)
    motions.recant(spec, st, action == policy.RECANT, log, running)
    documents.publish(spec, st, action == policy.PUBLISH, log, running)
    documents.arrivals(spec, st, rng, log, running, th)
    if meeting:
        motions.meeting(spec, st, rng, log, running, motion_target)
    motions.readmit_and_relapse(spec, st, rng, log, running)
    outcome.defeats(spec, st)
    outcome.check_victory(spec, st, log)
    if series is not None:
        record(spec, st, series, perceived, actual)
    st.month = t + 1
    return masks


def record(spec: Spec, st: State, series: dict, perceived: np.ndarray, actual: np.ndarray) -> None:
    from politburo.engine.outcome import committee_share

    L = spec.L
    row = {
        "prestige": st.prestige.copy(),
        "heir": st.heir.copy(),
        "committee_share": committee_share(spec, st),
        "actual_power": actual,
        "perceived_power": np.nanmean(np.where(np.eye(L, dtype=bool)[None], np.nan, perceived), axis=1),
        "apparatus": np.stack([(st.patron == k).mean(axis=1) for k in range(L)], axis=1),
        "target": st.target.copy(),
        "economy": st.economy.copy(),
        "members": st.members.sum(axis=1),
    }
    for k, v in row.items():
        series.setdefault(k, []).append(v)


@njit(cache=True, error_model="numpy")
def _factions(action, faction, grounds, target, running, ev):  # pragma: no cover - compiled
    """Leaders who chose to organise a faction form one (and give grounds for sanctions)."""
    B, L = action.shape
    n = 0
    for r in range(B):
        for i in range(L):
            new = action[r, i] == policy.FACTION and not faction[r, i]
            if new:
                faction[r, i] = True
            grounds[r, i] += 1.5 if new else 0.0
            if new and running[r]:
                n = put(ev, n, i, r, lg.FACTION, i, target[r, i], -1)
    return n
