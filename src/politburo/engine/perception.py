"""Perception: visible power is seen at once, hidden (apparatus) power only through insight,
which grows when votes and elections reveal it. Underestimation is this gap."""

from __future__ import annotations

import numpy as np

from politburo.engine.bodies import delivery
from politburo.engine.spec import VISIBLE, Spec
from politburo.engine.state import State


def office_weight(spec: Spec, st: State, who: np.ndarray) -> np.ndarray:
    """(B, L) visible weight of the offices each leader holds through `who` (holder or patron)."""
    weight = (spec.powers * VISIBLE[None, :]).sum(axis=1)
    out = np.zeros((st.B, spec.L))
    for o in range(spec.O):
        h = who[:, o]
        ok = h >= 0
        np.add.at(out, (np.flatnonzero(ok), h[ok]), weight[o])
    return out


def power(spec: Spec, st: State) -> tuple[np.ndarray, np.ndarray]:
    """(B, L) visible and hidden power."""
    t = min(st.month, spec.months - 1)
    visible = 0.6 * spec.oratory + office_weight(spec, st, st.holder) + st.prestige + 0.5 * st.heir
    w = st.members / st.members.sum(axis=1, keepdims=True)
    dlv = w * delivery(spec, st)
    apparatus = np.stack([(dlv * (st.patron == k)).sum(axis=1) for k in range(spec.L)], axis=1)
    hidden = apparatus + st.committee[:, :spec.L] / spec.committee_size[t]
    hidden += 0.5 * office_weight(spec, st, st.office_patron)
    visible = np.where(st.expelled, 0.1 * visible, visible)
    return visible, hidden


def perceive(spec: Spec, st: State) -> tuple[np.ndarray, np.ndarray]:
    """Perceived power (B, observer, observed) and actual power (B, L)."""
    visible, hidden = power(spec, st)
    hw = spec.params["hidden_weight"]
    perceived = visible[:, None, :] + hw * st.insight * hidden[:, None, :]
    return perceived, visible + hw * hidden
