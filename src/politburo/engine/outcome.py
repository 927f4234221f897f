"""Outcome (docs/model.md §7.13): a leader has won when he holds the top office, his bloc holds a majority of the
committee, and every other principal is out of the bureau or has submitted."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import holds, put, pw_sum
from politburo.engine.jit import kernel
from politburo.engine.log import Log
from politburo.engine.spec import Spec
from politburo.engine.state import State


def record_defeats(st: State) -> None:
    """Step 18: a principal is defeated (once, dated) when he has lost every office he held at
    the start, been voted out of the Politburo or been expelled.

    Reads: leaders had_office, removed, expelled; offices.holder.
    Writes: records.defeated (B, L) month."""
    _defeats(st.records.defeated, st.leaders, st.offices.holder, st.month)


@kernel
def _defeats(defeated, leaders, holder, month):  # pragma: no cover - compiled
    had_office, removed, expelled = leaders.had_office, leaders.removed, leaders.expelled
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
    committee, in_committee = st.bodies.committee, st.leaders.in_committee
    size = committee.sum(axis=1) + in_committee.sum(axis=1)
    return (committee[:, :spec.L] + in_committee) / np.maximum(size, 1)[:, None]


def check_victory(spec: Spec, st: State, log: Log) -> None:
    """Step 19: a run is won by the leader who holds the top office in person, whose bloc holds
    over half the Central Committee, and against whom every other principal in the Politburo
    has submitted or been expelled; the run then stops being fought (`running`).

    Reads: who holds `top_party_office`; bodies.committee, leaders in_committee, in_bureau,
        submitted, expelled.
    Writes: records.winner, records.victory (B,), state.running (B,) bool; a VICTORY event."""
    ev = np.empty((st.B, 6), dtype=np.int64)
    n = _check_victory(holds(spec, st, "top_party_office"), st.bodies.committee, st.leaders, st.running,
                       st.records, st.month, ev)
    log.event_block(st.month, ev, n)


@kernel
def _check_victory(top, committee, leaders, running, records, month, ev):  # pragma: no cover - compiled
    """_victory and _settle in one pass; the victories as event rows."""
    won, w = _victory(top, _share(committee, leaders.in_committee), leaders.in_bureau, leaders.submitted,
                      leaders.expelled, running)
    _settle(won, w, records.winner, records.victory, running, month)
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


def record_series(spec: Spec, st: State, series: dict, perceived: np.ndarray, actual: np.ndarray) -> None:
    """Step 20 (when `simulate` asks for them): append this month's monthly series to `series`
    (name: list of arrays): prestige, heir, committee_share, actual_power, perceived_power
    (others' mean perception of each, excluding himself), apparatus (share of regional
    secretaries who are each leader's clients), target, economy, members (total).

    Reads: leaders prestige, heir, target, in_committee; bodies.committee; regions patron,
        members; world.economy; `perceived` (B, L, L) and `actual` (B, L) power of this month.
    Writes: nothing of the state; appends one (B, …) array per series to `series`."""
    L = spec.L
    lead = st.leaders
    row = {
        "prestige": lead.prestige.copy(),
        "heir": lead.heir.copy(),
        "committee_share": committee_share(spec, st),
        "actual_power": actual,
        "perceived_power": np.nanmean(np.where(np.eye(L, dtype=bool)[None], np.nan, perceived), axis=1),
        "apparatus": np.stack([(st.regions.patron == k).mean(axis=1) for k in range(L)], axis=1),
        "target": lead.target.copy(),
        "economy": st.world.economy.copy(),
        "members": st.regions.members.sum(axis=1),
    }
    for k, v in row.items():
        series.setdefault(k, []).append(v)
