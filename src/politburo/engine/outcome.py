"""Outcome: a leader has won when he holds the top office, his bloc holds a majority of the
committee, and every other principal is out of the bureau or has submitted."""

from __future__ import annotations

import numpy as np

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
    L = spec.L
    top = holds(spec, st, "top_party_office")
    share = committee_share(spec, st)
    done = ~st.in_bureau | st.submitted | st.expelled
    others = np.stack([np.delete(done, i, axis=1).all(axis=1) for i in range(L)], axis=1)
    win = top & (share > 0.5) & others & st.running[:, None]
    won = win.any(axis=1)
    w = win.argmax(axis=1)
    st.winner = np.where(won, w, st.winner)
    st.victory = np.where(won, st.month, st.victory)
    log.event(st.month, lg.VICTORY, won, w)
    st.running = st.running & ~won
