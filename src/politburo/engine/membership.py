"""Membership drives: recruits join every region; the share the apparatus steers owes its
card to the Secretariat and votes as the secretary tells it."""

from __future__ import annotations

import numpy as np

from politburo.engine.common import line_row, weights_row
from politburo.engine.jit import kernel


@kernel
def _membership(drive, holder, office_patron, recruit, members, steered, rate, growth, sentiment,
                line, weights):  # pragma: no cover - compiled
    """The month's drive, run by run; fills `weights` (B, R) with each region's share of the new
    membership (for the rest of the month's kernels) and `line` with the party's line."""
    B, R = members.shape
    w = np.empty(R)
    tmp = np.empty(R)
    for r in range(B):
        steers = False
        for o in range(holder.shape[1]):
            if recruit[o] and (holder[r, o] >= 0 or office_patron[r, o] >= 0):
                steers = True
        steering = rate * (1.0 if steers else 0.0)
        weights_row(members, r, w)
        for q in range(R):
            added = drive * w[q]
            s = steered[r, q] * growth + added * steering
            m = max(members[r, q] * growth + added, 1.0)
            members[r, q] = m
            steered[r, q] = min(s, m)
        line_row(members, sentiment, r, weights[r], tmp, line[r])  # weights_row of the new members
