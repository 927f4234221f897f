"""Factions (docs/model.md §7.8, step 11): an opposition that organises forms a faction; under
the ban on factions (`faction_ban`) this exposes its members to expulsion, and organising one
gives its organiser grounds for sanctions."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import put
from politburo.engine.jit import kernel
from politburo.engine.log import Log
from politburo.engine.state import State

# Grounds for sanctions that organising a faction gives its organiser.
FACTION_GROUNDS = 1.5


def organise(st: State, who: np.ndarray, log: Log, running: np.ndarray) -> None:
    """Step 11: leaders in `who` (B, L) bool, who chose to organise a faction, form one.

    Reads: leaders.faction (B, L) bool, leaders.target (B, L).
    Writes: leaders.faction (B, L) bool, leaders.grounds (B, L) (+1.5 for a new faction);
        a FACTION event (with the faction's target)."""
    ev = np.empty((st.B * who.shape[1], 6), dtype=np.int64)
    n = _organise(who, st.leaders, running, ev)
    log.event_block(st.month, ev, n)


@kernel
def _organise(who, leaders, running, ev):  # pragma: no cover - compiled
    """`organise`, run by run."""
    faction, grounds = leaders.faction, leaders.grounds
    B, L = who.shape
    n = 0
    for r in range(B):
        for i in range(L):
            new = who[r, i] and not faction[r, i]
            if new:
                faction[r, i] = True
            grounds[r, i] += FACTION_GROUNDS if new else 0.0
            if new and running[r]:
                n = put(ev, n, i, r, lg.FACTION, i, leaders.target[r, i], -1)
    return n
