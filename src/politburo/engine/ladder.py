"""The sanction ladder (docs/model.md §6): the motions that can be brought against a leader, in
order of severity, and the next rung each leader stands on. Motion codes are the `motion`
column of the vote log."""

from __future__ import annotations

import numpy as np

from politburo.engine.common import cached
from politburo.engine.jit import kernel
from politburo.engine.spec import Spec
from politburo.engine.state import State

# Motion kinds: the sanction ladder, plus a reprimand and a document's handling.
REPRIMAND, REMOVE_OFFICE, REMOVE_BUREAU, REMOVE_COMMITTEE, EXPEL, EXILE, READ_DOCUMENT = range(7)
MOTIONS = ("reprimand", "remove_office", "remove_bureau", "remove_committee", "expel", "exile", "read_document")
RUNG = np.array([0.3, 1.0, 2.0, 3.0, 4.0, 4.0, 0.0])  # severity by motion kind (logit units × `severity`)


def next_rung(spec: Spec, st: State) -> tuple[np.ndarray, np.ndarray]:
    """(B, L) next motion of the sanction ladder against each leader (-1 none: exiled, or
    submitted after expulsion), and (B, L) the most visible office he holds (-1 none).

    Reads: offices.holder; leaders in_bureau, in_committee, expelled, exiled, submitted.
    Writes: nothing."""
    weight = cached(st, ("rung_weight",), lambda: spec.facts.visible + 0.01)
    return _next_rung(st.offices.holder, weight, st.leaders)


@kernel
def _next_rung(holder, weight, leaders):  # pragma: no cover - compiled
    in_bureau, in_committee, expelled, exiled, submitted = (leaders.in_bureau, leaders.in_committee,
                                                           leaders.expelled, leaders.exiled, leaders.submitted)
    B, L = in_bureau.shape
    rung = np.full((B, L), -1, dtype=np.int64)
    best = np.full((B, L), -1, dtype=np.int64)
    bestw = np.empty(L)
    for r in range(B):
        bestw[:] = -1.0
        for o in range(holder.shape[1]):
            h = holder[r, o]
            if h >= 0 and weight[o] > bestw[h]:
                bestw[h] = weight[o]
                best[r, h] = o
        for i in range(L):
            if best[r, i] >= 0:
                rung[r, i] = REMOVE_OFFICE
            elif in_bureau[r, i]:
                rung[r, i] = REMOVE_BUREAU
            elif in_committee[r, i]:
                rung[r, i] = REMOVE_COMMITTEE
            elif not expelled[r, i]:
                rung[r, i] = EXPEL
            elif not exiled[r, i] and not submitted[r, i]:
                rung[r, i] = EXILE
    return rung, best
