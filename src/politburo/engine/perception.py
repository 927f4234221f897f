"""Perception: visible power is seen at once, hidden (apparatus) power only through insight,
which grows when votes and elections reveal it. Underestimation is this gap."""

from __future__ import annotations

import numpy as np

from politburo.engine.bodies import delivery
from politburo.engine.common import bloc_sum, office_weight
from politburo.engine.spec import Spec
from politburo.engine.state import State


def power(spec: Spec, st: State) -> tuple[np.ndarray, np.ndarray]:
    """(B, L) visible and hidden power."""
    t = min(st.month, spec.months - 1)
    visible = 0.6 * spec.oratory + office_weight(spec, st, False) + st.prestige + 0.5 * st.heir
    w = st.members / st.members.sum(axis=1, keepdims=True)
    dlv = w * delivery(spec, st)
    apparatus = bloc_sum(dlv, st.patron, spec.L)
    hidden = apparatus + st.committee[:, :spec.L] / spec.committee_size[t]
    hidden += 0.5 * office_weight(spec, st, True)
    visible = np.where(st.expelled, 0.1 * visible, visible)
    return visible, hidden


def perceive(spec: Spec, st: State) -> tuple[np.ndarray, np.ndarray]:
    """Perceived power (B, observer, observed) and actual power (B, L)."""
    visible, hidden = power(spec, st)
    hw = spec.params["hidden_weight"]
    perceived = visible[:, None, :] + hw * st.insight * hidden[:, None, :]
    return perceived, visible + hw * hidden
