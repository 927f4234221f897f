"""Public polemics: an attack damages its target and its author's standing as a unifier;
leaders who stay out of the feud gain."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import dist_row, put, who_has_row
from politburo.engine.jit import kernel


@kernel
def _polemics(authors, target, prestige, grounds, enmity, allied, holder, top_power, press_power, expelled, oratory,
              faction, ideology, party, enabled, damage, self_cost, bystander, deviation, running,
              ev):  # pragma: no cover - compiled
    """Attacks on the holder of the top office or his allies count as opposition to the
    leadership and give its defenders grounds for sanctions."""
    B, L = authors.shape
    involved = np.zeros(L, dtype=np.bool_)
    top = np.zeros(L, dtype=np.bool_)
    press = np.zeros(L, dtype=np.bool_)
    n = 0
    for r in range(B):
        if enabled:
            who_has_row(holder, r, top_power, top)
            who_has_row(holder, r, press_power, press)
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
                strength = 0.4 + 0.6 * oratory[i] + (0.4 if press[i] else 0.0)
                prestige[r, t] -= damage * strength
                prestige[r, i] -= self_cost
                grounds[r, i] += 1.0 if leadership else 0.2
                enmity[r, i, t] += 1.0
                enmity[r, t, i] += 1.0
                involved[t] = True
            for i in range(L):
                if not involved[i] and not expelled[r, i]:
                    prestige[r, i] += bystander * count
                prestige[r, i] = min(max(prestige[r, i], 0.0), 1.5)
        # Grounds fade; a faction, or a line far from the party's mood (a 'deviation'), renews them.
        for i in range(L):
            dev = max(dist_row(ideology[r, i], party[r]) - 0.5, 0.0)
            grounds[r, i] = 0.93 * grounds[r, i] + (0.3 if faction[r, i] else 0.0) + deviation * dev
    return n
