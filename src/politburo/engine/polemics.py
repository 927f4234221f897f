"""Public polemics: an attack damages its target and its author's standing as a unifier;
leaders who stay out of the feud gain."""

from __future__ import annotations

import numpy as np

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
    rows = np.arange(st.B)
    press = holds(spec, st, "press")
    involved = authors.copy()
    n = authors.sum(axis=1)
    for i in range(spec.L):
        a = authors[:, i] & (st.target[:, i] >= 0)
        if not a.any():
            continue
        t = np.maximum(st.target[:, i], 0)
        strength = 0.4 + 0.6 * spec.oratory[i] + 0.4 * press[:, i]
        first = a & (st.enmity[rows, i, t] < 1.0)
        st.prestige[rows[a], t[a]] -= p["polemic_damage"] * strength[a] * p["polemics"]
        st.prestige[a, i] -= p["polemic_self_cost"] * p["polemics"]
        st.grounds[a, i] += np.where(leadership[rows[a], t[a]], 1.0, 0.2)
        st.enmity[rows[a], i, t[a]] += 1.0
        st.enmity[rows[a], t[a], i] += 1.0
        involved[rows[a], t[a]] = True
        log.event(st.month, lg.POLEMIC, first & running, i, t)
    decay_grounds(spec, st)
    st.prestige += np.where(~involved & ~st.expelled, p["bystander_gain"] * n[:, None], 0.0)
    np.clip(st.prestige, 0.0, 1.5, out=st.prestige)
