"""Membership drives (docs/model.md §7.2): recruits join every region; the share the apparatus
steers owes its card to the Secretariat and votes as the secretary tells it."""

from __future__ import annotations

import numpy as np

from politburo.engine.common import line_row, weights_row
from politburo.engine.jit import kernel
from politburo.engine.spec import ANY_RECRUIT, Spec
from politburo.engine.state import State


def recruit(spec: Spec, st: State) -> None:
    """Step 3: the month's drive and organic growth; the apparatus steers `recruit_steering` of
    the drive's recruits when anyone holds (or has a client in) an office with the `recruit`
    power. The party's line is recomputed with the new members.

    Reads: offices.holder, offices.patron (B, O); regions.sentiment (B, R, A); spec.drive[month]
        (members recruited this month); params recruit_steering, organic_growth.
    Writes: regions.members, regions.steered (B, R) members; world.line (B, A)."""
    _recruit(float(spec.drive[st.month]), spec.facts, spec.params, st.offices, st.regions, st.world.line)
    st.line_month = st.month


@kernel
def _recruit(drive, facts, params, offices, regions, line):  # pragma: no cover - compiled
    """`recruit`, run by run."""
    holder, patron, members, steered = offices.holder, offices.patron, regions.members, regions.steered
    growth = 1.0 + params.organic_growth
    B, R = members.shape
    w = np.empty(R)
    tmp = np.empty(R)
    for r in range(B):
        steers = False
        for o in range(holder.shape[1]):
            if facts.powers[o, ANY_RECRUIT] and (holder[r, o] >= 0 or patron[r, o] >= 0):
                steers = True
        steering = params.recruit_steering * (1.0 if steers else 0.0)
        weights_row(members, r, w)
        for q in range(R):
            added = drive * w[q]
            s = steered[r, q] * growth + added * steering
            m = max(members[r, q] * growth + added, 1.0)
            members[r, q] = m
            steered[r, q] = min(s, m)
        line_row(members, regions.sentiment, r, w, tmp, line[r])
