"""Perception: visible power is seen at once, hidden (apparatus) power only through insight,
which grows when votes and elections reveal it. Underestimation is this gap."""

from __future__ import annotations

import numpy as np

from politburo.engine.bodies import delivery_row
from politburo.engine.jit import kernel


@kernel
def _perceive(holder, office_patron, weight, oratory, prestige, heir, weights, members, patron, expelled, ideology,
              steered, loyalty, sentiment, committee, size, insight, strength, hw):  # pragma: no cover - compiled
    """Perceived power (B, observer, observed) and actual power (B, L), run by run. `weights`
    (B, R): each region's share of the members (as `membership._membership` leaves it)."""
    B, L = prestige.shape
    R = members.shape[1]
    O = holder.shape[1]
    perceived = np.empty((B, L, L))
    actual = np.empty((B, L))
    dlv = np.empty(R)
    visible = np.empty(L)
    hidden = np.empty(L)
    own_w = np.empty(L)
    client_w = np.empty(L)
    for r in range(B):
        w = weights[r]
        delivery_row(r, patron, expelled, ideology, steered, members, loyalty, sentiment, strength, dlv)
        # each leader's sum over his offices in office order (adding 0.0 for another's changes nothing)
        for i in range(L):
            own_w[i] = 0.0
            client_w[i] = 0.0
        for o in range(O):
            h = holder[r, o]
            if 0 <= h < L:
                own_w[h] += weight[o]
            c = office_patron[r, o]
            if 0 <= c < L:
                client_w[c] += weight[o]
        for i in range(L):
            v = 0.6 * oratory[i] + own_w[i] + prestige[r, i] + 0.5 * heir[r, i]
            visible[i] = 0.1 * v if expelled[r, i] else v
            hidden[i] = 0.0
        for q in range(R):
            k = patron[r, q]
            if k >= 0:
                hidden[k] += w[q] * dlv[q]
        for i in range(L):
            hidden[i] = hidden[i] + committee[r, i] / size
            hidden[i] += 0.5 * client_w[i]
            actual[r, i] = visible[i] + hw * hidden[i]
        for i in range(L):
            for j in range(L):
                perceived[r, i, j] = visible[j] + hw * insight[r, i, j] * hidden[j]
    return perceived, actual
