"""Public polemics: an attack damages its target and its author's standing as a unifier;
leaders who stay out of the feud gain."""

from __future__ import annotations

import numpy as np
from numba import njit

from politburo.engine import log as lg
from politburo.engine.common import holds
from politburo.engine.spec import Spec
from politburo.engine.state import State


def decay_grounds(spec: Spec, st: State) -> None:
    """Grounds fade; a faction, or a line far from the party's mood (a 'deviation'), renews them."""
    from politburo.engine.common import distance, party_line

    deviation = np.maximum(distance(st.ideology, party_line(st)[:, None, :]) - 0.5, 0.0)
    st.grounds = 0.93 * st.grounds + 0.3 * st.faction + spec.params["deviation"] * deviation


def polemics(spec: Spec, st: State, authors: np.ndarray, log: lg.Log, running: np.ndarray) -> None:
    """Attacks on the holder of the top office or his allies count as opposition to the
    leadership and give its defenders grounds for sanctions."""

    p = spec.params
    top = holds(spec, st, "top_party_office")
    leadership = top | np.einsum("bik,bk->bi", st.allied.astype(np.int64), top.astype(np.int64)).astype(bool)
    if p["polemics"] <= 0:
        decay_grounds(spec, st)
        return
    first = _polemics(authors, st.target, st.prestige, st.grounds, st.enmity, leadership, st.expelled,
                      0.4 + 0.6 * spec.oratory[None, :] + 0.4 * holds(spec, st, "press"),
                      p["polemic_damage"] * p["polemics"], p["polemic_self_cost"] * p["polemics"],
                      p["bystander_gain"])
    for i in np.flatnonzero(first.any(axis=0)):
        log.event(st.month, lg.POLEMIC, first[:, i] & running, i, st.target[:, i])
    decay_grounds(spec, st)


@njit(cache=True)
def _polemics(authors, target, prestige, grounds, enmity, leadership, expelled, strength, damage, self_cost,
              bystander):  # pragma: no cover - compiled
    B, L = authors.shape
    first = np.zeros((B, L), dtype=np.bool_)
    involved = np.zeros(L, dtype=np.bool_)
    for r in range(B):
        n = 0
        for i in range(L):
            involved[i] = authors[r, i]
            n += authors[r, i]
        for i in range(L):
            t = target[r, i]
            if not authors[r, i] or t < 0:
                continue
            first[r, i] = enmity[r, i, t] < 1.0
            prestige[r, t] -= damage * strength[r, i]
            prestige[r, i] -= self_cost
            grounds[r, i] += 1.0 if leadership[r, t] else 0.2
            enmity[r, i, t] += 1.0
            enmity[r, t, i] += 1.0
            involved[t] = True
        for i in range(L):
            if not involved[i] and not expelled[r, i]:
                prestige[r, i] += bystander * n
            prestige[r, i] = min(max(prestige[r, i], 0.0), 1.5)
    return first
