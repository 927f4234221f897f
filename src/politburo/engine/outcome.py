"""Outcome: a leader has won when he holds the top office, his bloc holds a majority of the
committee, and every other principal is out of the bureau or has submitted."""

from __future__ import annotations

import numpy as np
from numba import njit

from politburo.engine import log as lg
from politburo.engine.common import holds, offices_held
from politburo.engine.spec import Spec
from politburo.engine.state import State


def defeats(spec: Spec, st: State) -> None:
    """A principal is defeated when he has lost all his offices or been voted out of the bureau."""
    out = (st.had_office & (offices_held(spec, st) == 0)) | st.removed | st.expelled
    st.defeated = np.where((st.defeated < 0) & out, st.month, st.defeated)


def committee_share(spec: Spec, st: State) -> np.ndarray:
    """(B, L) share of the committee in each leader's bloc (his clients and himself)."""
    size = st.committee.sum(axis=1) + st.in_committee.sum(axis=1)
    return (st.committee[:, :spec.L] + st.in_committee) / np.maximum(size, 1)[:, None]


def check_victory(spec: Spec, st: State, log: lg.Log) -> None:
    won, w = _victory(holds(spec, st, "top_party_office"), committee_share(spec, st), st.in_bureau,
                      st.submitted, st.expelled, st.running)
    st.winner = np.where(won, w, st.winner)
    st.victory = np.where(won, st.month, st.victory)
    log.event(st.month, lg.VICTORY, won, w)
    st.running = st.running & ~won


@njit(cache=True)
def _victory(top, share, in_bureau, submitted, expelled, running):  # pragma: no cover - compiled
    B, L = top.shape
    won = np.zeros(B, dtype=np.bool_)
    winner = np.zeros(B, dtype=np.int64)
    for r in range(B):
        if not running[r]:
            continue
        for i in range(L):
            if not top[r, i] or share[r, i] <= 0.5:
                continue
            ok = True
            for j in range(L):
                if j != i and in_bureau[r, j] and not submitted[r, j] and not expelled[r, j]:
                    ok = False
            if ok:
                won[r] = True
                winner[r] = i
                break
    return won, winner
