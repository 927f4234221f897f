"""Public polemics (docs/model.md §7.8): an attack damages its target and its author's standing
as a unifier; leaders who stay out of the feud gain; attacks on the leadership give grounds."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import dist_row, put, who_has_row
from politburo.engine.jit import kernel
from politburo.engine.log import Log
from politburo.engine.spec import ANY_PRESS, ANY_TOP, Spec
from politburo.engine.state import State


def attack(spec: Spec, st: State, authors: np.ndarray, line: np.ndarray, log: Log, running: np.ndarray) -> None:
    """Step 10: leaders in `authors` (B, L) bool attack their targets in public (when polemics
    are possible); every leader's grounds then fade, renewed by a faction or a deviation from
    the party's `line` (B, A).

    Reads: leaders target, allied, expelled, faction, ideology; offices.holder (the `top_party_office`
        and `press` powers); facts.oratory; params polemics, polemic_damage, polemic_self_cost,
        bystander_gain, deviation.
    Writes: leaders.prestige (B, L) in [0, 1.5], leaders.grounds (B, L), leaders.enmity (B, L, L);
        a POLEMIC event for a first attack on a rival."""
    ev = np.empty((st.B * spec.L, 6), dtype=np.int64)
    n = _attack(authors, st.leaders, st.offices.holder, line, spec.facts, spec.params, running, ev)
    log.event_block(st.month, ev, n)


@kernel
def _attack(authors, leaders, holder, party, facts, params, running, ev):  # pragma: no cover - compiled
    """`attack`, run by run. Attacks on the holder of the top office or his allies count as
    opposition to the leadership and give its defenders grounds for sanctions."""
    target, prestige, grounds, enmity, allied = (leaders.target, leaders.prestige, leaders.grounds,
                                                 leaders.enmity, leaders.allied)
    enabled = params.polemics > 0
    damage = params.polemic_damage * params.polemics
    self_cost = params.polemic_self_cost * params.polemics
    bystander = params.bystander_gain
    B, L = authors.shape
    involved = np.zeros(L, dtype=np.bool_)
    top = np.zeros(L, dtype=np.bool_)
    press = np.zeros(L, dtype=np.bool_)
    n = 0
    for r in range(B):
        if enabled:
            who_has_row(holder, r, facts.powers[:, ANY_TOP], top)
            who_has_row(holder, r, facts.powers[:, ANY_PRESS], press)
            count = 0
            for i in range(L):
                involved[i] = authors[r, i]
                count += authors[r, i]
            for i in range(L):
                t = target[r, i]
                if not authors[r, i] or t < 0:
                    continue
                leadership = top[t]
                for k in range(L):
                    leadership = leadership or (allied[r, t, k] and top[k])
                if enmity[r, i, t] < 1.0 and running[r]:
                    n = put(ev, n, i, r, lg.POLEMIC, i, t, -1)
                strength = 0.4 + 0.6 * facts.oratory[i] + (0.4 if press[i] else 0.0)
                prestige[r, t] -= damage * strength
                prestige[r, i] -= self_cost
                grounds[r, i] += 1.0 if leadership else 0.2
                enmity[r, i, t] += 1.0
                enmity[r, t, i] += 1.0
                involved[t] = True
            for i in range(L):
                if not involved[i] and not leaders.expelled[r, i]:
                    prestige[r, i] += bystander * count
                prestige[r, i] = min(max(prestige[r, i], 0.0), 1.5)
        # Grounds fade; a faction, or a line far from the party's mood (a 'deviation'), renews them.
        for i in range(L):
            dev = max(dist_row(leaders.ideology[r, i], party[r]) - 0.5, 0.0)
            grounds[r, i] = 0.93 * grounds[r, i] + (0.3 if leaders.faction[r, i] else 0.0) + params.deviation * dev
    return n
