"""Perception (docs/model.md §7.5): visible power is seen at once, hidden (apparatus) power only
through insight, which grows when votes and elections reveal it. Underestimation is this gap."""

from __future__ import annotations

import numpy as np

from politburo.engine.bodies import delivery_row
from politburo.engine.common import weights_row
from politburo.engine.jit import kernel
from politburo.engine.spec import Spec
from politburo.engine.state import State


def perceive(spec: Spec, st: State) -> tuple[np.ndarray, np.ndarray]:
    """Step 5: each leader's visible power (oratory, offices' visible weight, prestige, heir
    legitimacy) and hidden power (delegates his client secretaries deliver, committee clients,
    offices held through clients); what each observer sees of the others.

    Reads: offices.holder, offices.patron (B, O); leaders prestige, heir, expelled, ideology,
        insight; regions (members, steered, patron, loyalty, sentiment); bodies.committee;
        the committee size in force; params appointment_strength, hidden_weight.
    Writes: nothing. Returns perceived power (B, observer L, observed L) and actual power (B, L),
        in units of visible power."""
    size = float(spec.committee_size[min(st.month, spec.months - 1)])
    return _perceive(spec.facts, spec.params, st.leaders, st.offices, st.regions, st.bodies.committee, size)


@kernel
def _perceive(facts, params, leaders, offices, regions, committee, size):  # pragma: no cover - compiled
    """`perceive`, run by run."""
    holder, office_patron, weight = offices.holder, offices.patron, facts.visible
    prestige, heir, expelled, insight = leaders.prestige, leaders.heir, leaders.expelled, leaders.insight
    hw = params.hidden_weight
    B, L = prestige.shape
    R = regions.members.shape[1]
    O = holder.shape[1]
    perceived = np.empty((B, L, L))
    actual = np.empty((B, L))
    dlv = np.empty(R)
    w = np.empty(R)
    visible = np.empty(L)
    hidden = np.empty(L)
    own_w = np.empty(L)
    client_w = np.empty(L)
    for r in range(B):
        weights_row(regions.members, r, w)
        delivery_row(r, regions, expelled, leaders.ideology, params.appointment_strength, dlv)
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
            v = 0.6 * facts.oratory[i] + own_w[i] + prestige[r, i] + 0.5 * heir[r, i]
            visible[i] = 0.1 * v if expelled[r, i] else v
            hidden[i] = 0.0
        for q in range(R):
            k = regions.patron[r, q]
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
