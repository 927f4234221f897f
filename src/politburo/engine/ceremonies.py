"""The founder's death and funeral (docs/model.md §7.12): presence, and a role in the ceremony, add heir legitimacy;
absence costs it. A leader away from the capital attends only if told the date in time, and
the holder of the top office controls the news."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import holds
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State


def founder_death(spec: Spec, st: State, log: Log, running: np.ndarray) -> None:
    """Step 2, in the scheduled month only: the founder dies and his Politburo seat falls vacant.

    Reads: nothing.
    Writes: state.founder_alive; a FOUNDER_DEATH event."""
    st.founder_alive = False
    log.event(st.month, lg.FOUNDER_DEATH, running)


def funeral(spec: Spec, st: State, rng: Streams, log: Log, running: np.ndarray) -> None:
    """Step 8, in the scheduled month only: who attends the founder's funeral, and who has a
    role in it (the holders of the `top_party_office` and `chair` powers). A leader away from
    the capital is told the date too late with chance `news_control` when the holder of the
    top office targets him (otherwise 0.1).

    Reads: facts away; leaders.target; who holds the top office and the chair; params
        news_control, heir_gain, heir_absence.
    Writes: leaders.heir (B, L), leaders.prestige (B, L) in [0, 1.5] (half the heir change);
        FUNERAL events for a role or an absence."""
    p = spec.params
    lead = st.leaders
    top = holds(spec, st, "top_party_office")
    chair = holds(spec, st, "chair")
    # Is the holder of the top office hostile to this leader (sees him as the main rival)?
    hostile = np.zeros((st.B, spec.L), dtype=bool)
    for k in range(spec.L):
        tk = lead.target[:, k]
        ok = top[:, k] & (tk >= 0)
        hostile[np.flatnonzero(ok), tk[ok]] = True
    u = rng.uniform("funeral", st.month, (spec.L,))
    misinformed = spec.away[None, :] & hostile & (u < p.news_control)
    away_late = spec.away[None, :] & ~hostile & (u < 0.1)
    present = ~(misinformed | away_late)
    role = present & (top | chair)
    gain = np.where(present, p.heir_gain * np.where(role, 1.0, 0.4), -p.heir_absence)
    heir, prestige = lead.heir, lead.prestige
    heir += gain
    prestige += 0.5 * gain
    np.clip(prestige, 0.0, 1.5, out=prestige)
    for i in range(spec.L):
        log.event(st.month, lg.FUNERAL, (role[:, i] | ~present[:, i]) & running, i,
                  np.where(role[:, i], 1, 0), np.where(misinformed[:, i], 1, 0))
