"""Outcome: a leader has won when he holds the top office, his bloc holds a majority of the
committee, and every other principal is out of the bureau or has submitted."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import put, pw_sum
from politburo.engine.jit import kernel
from politburo.engine.spec import Spec
from politburo.engine.state import State


@kernel
def _defeats(defeated, had_office, holder, removed, expelled, month):  # pragma: no cover - compiled
    """A principal is defeated when he has lost all his offices, been voted out of the bureau or
    been expelled."""
    B, L = defeated.shape
    for r in range(B):
        for i in range(L):
            if defeated[r, i] >= 0:
                continue
            held = 0
            for o in range(holder.shape[1]):
                held += holder[r, o] == i
            if (had_office[r, i] and held == 0) or removed[r, i] or expelled[r, i]:
                defeated[r, i] = month


def committee_share(spec: Spec, st: State) -> np.ndarray:
    """(B, L) share of the committee in each leader's bloc (his clients and himself)."""
    size = st.committee.sum(axis=1) + st.in_committee.sum(axis=1)
    return (st.committee[:, :spec.L] + st.in_committee) / np.maximum(size, 1)[:, None]


@kernel
def _check_victory(top, committee, in_committee, in_bureau, submitted, expelled, running, winner, victory, month,
                   ev):  # pragma: no cover - compiled
    """_victory and _settle in one pass; the victories as event rows."""
    won, w = _victory(top, _share(committee, in_committee), in_bureau, submitted, expelled, running)
    _settle(won, w, winner, victory, running, month)
    n = 0
    for r in range(won.shape[0]):
        if won[r]:
            n = put(ev, n, 0, r, lg.VICTORY, w[r], -1, -1)
    return n


@kernel
def _share(committee, in_committee):  # pragma: no cover - compiled
    """committee_share, compiled."""
    B, L = in_committee.shape
    out = np.empty((B, L))
    for r in range(B):
        size = 0
        for k in range(L + 1):
            size += committee[r, k]
        for k in range(L):
            size += in_committee[r, k]
        for k in range(L):
            out[r, k] = (committee[r, k] + in_committee[r, k]) / max(size, 1)
    return out


@kernel
def _settle(won, w, winner, victory, running, month):  # pragma: no cover - compiled
    for r in range(won.shape[0]):
        if won[r]:
            winner[r] = w[r]
            victory[r] = month
            running[r] = False


@kernel
def record_month(t, live, masks, committee, in_committee, members, coal, share, total):  # pragma: no cover
    """run_batch's monthly records: coalition masks of live runs, committee shares (float32) and
    total membership (NumPy's summation order)."""
    B, L = in_committee.shape
    R = members.shape[1]
    s = _share(committee, in_committee)
    for r in range(B):
        for k in range(L):
            coal[r, t, k] = masks[r, k] if live[r] else 0
            share[r, t, k] = s[r, k]
        total[r, t] = pw_sum(members[r], 0, R)


@kernel
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
