"""Meetings: the motions leaders bring, the body that decides each, and the sanction ladder
(office, bureau, committee, party, exile) with recantation and readmission."""

from __future__ import annotations

import numpy as np
from numba import njit

from politburo.engine import bodies, votes
from politburo.engine import log as lg
from politburo.engine.common import put
from politburo.engine.rng import Streams, draw_uniform
from politburo.engine.spec import CONFERENCE, CONGRESS, PLENUM, Spec
from politburo.engine.state import (
    EXILED,
    EXPELLED,
    LEFT_BUREAU,
    LEFT_COMMITTEE,
    LOST_OFFICE,
    READMITTED,
    RECANTED,
    State,
)

BUREAU, COMMITTEE, CONGRESS_BODY, CONFERENCE_BODY = range(4)


def _mark(st: State, mask: np.ndarray, who: np.ndarray, kind: int) -> None:
    rows = np.flatnonzero(mask)
    w = who[rows]
    if kind < RECANTED:
        st.last_sanction[rows, w] = st.month
    first = st.sanctions[rows, w, kind] < 0
    st.sanctions[rows[first], w[first], kind] = st.month


def apply(spec: Spec, st: State, mask: np.ndarray, motion: np.ndarray, proposer: np.ndarray,
          target: np.ndarray, office: np.ndarray) -> None:
    """Carry out passed motions."""
    rows = np.arange(st.B)
    L = spec.L
    if mask.any():
        st.cache.clear()
    m = mask & (motion == lg.REPRIMAND)
    st.prestige[rows[m], target[m]] -= 0.06
    m = mask & (motion == lg.REMOVE_OFFICE) & (office >= 0)
    if m.any():
        idx, o, pr = rows[m], office[m], proposer[m]
        top = spec.power("top_party_office")[o]
        # The top office passes to the proposer in person; any other to a client of his.
        first = st.office_lost[idx, o] < 0
        st.office_lost[idx[first], o[first]] = st.month
        st.holder[idx, o] = np.where(top, pr, -1)
        st.office_patron[idx, o] = np.where(top, -1, pr)
        _mark(st, m, target, LOST_OFFICE)
    m = mask & (motion == lg.REMOVE_BUREAU)
    st.in_bureau[m, target[m]] = False
    st.removed[m, target[m]] = True
    _mark(st, m, target, LEFT_BUREAU)
    m = mask & (motion == lg.REMOVE_COMMITTEE)
    _leave_committee(st, m, target, L)
    m = mask & (motion == lg.EXPEL)
    if m.any():
        for o in range(spec.O):
            strip = m & (st.holder[:, o] == target)
            st.office_lost[strip & (st.office_lost[:, o] < 0), o] = st.month
            st.holder[strip, o] = -1
            st.office_patron[strip, o] = proposer[strip]
            _mark(st, strip, target, LOST_OFFICE)
        was_b = m & st.in_bureau[rows, target]
        st.in_bureau[m, target[m]] = False
        st.removed[m, target[m]] = True
        _mark(st, was_b, target, LEFT_BUREAU)
        _leave_committee(st, m & st.in_committee[rows, target], target, L)
        st.expelled[m, target[m]] = True
        st.faction[m, target[m]] = False
        _mark(st, m, target, EXPELLED)
    m = mask & (motion == lg.EXILE)
    st.exiled[m, target[m]] = True
    _mark(st, m, target, EXILED)


def _leave_committee(st: State, m: np.ndarray, target: np.ndarray, L: int) -> None:
    st.in_committee[m, target[m]] = False
    st.committee[m, L] += 1  # the seat goes to an uncommitted member
    _mark(st, m, target, LEFT_COMMITTEE)


def meeting(spec: Spec, st: State, rng: Streams, log: lg.Log, running: np.ndarray,
            motion_target: np.ndarray) -> None:
    """A scheduled plenum, conference or congress: motions, then elections."""
    from politburo.engine.policy import next_rung

    t = st.month
    kind = int(spec.meeting[t])
    p = spec.params
    rows = np.arange(st.B)
    delegates = bodies.congress_delegates(spec, st, spec.delegates[t]) if kind & CONGRESS else None
    conf = (bodies.congress_delegates(spec, st, spec.conference_delegates[t])
            if kind & CONFERENCE and not kind & (PLENUM | CONGRESS) else None)
    order = np.argsort(-spec.ambition, kind="stable")
    rung, office = next_rung(spec, st)
    for i in order:
        j = motion_target[:, i]
        want = (j >= 0) & running & ~st.expelled[:, i]
        if not want.any():
            continue
        j = np.maximum(j, 0)
        motion = rung[rows, j]
        off = office[rows, j]
        want &= (motion >= 0) & (st.month - st.last_sanction[rows, j] >= p["ladder_pause"])
        proposer = np.full(st.B, i)
        in_c = st.in_committee[rows, j]
        if kind & CONGRESS:
            body = np.where((motion >= lg.REMOVE_COMMITTEE) & (motion <= lg.EXPEL), CONGRESS_BODY, COMMITTEE)
        elif kind & PLENUM:
            body = np.full(st.B, COMMITTEE)
        else:
            body = np.full(st.B, CONFERENCE_BODY)
            motion = np.where(want, lg.REPRIMAND, motion)
        body = np.where(motion == lg.EXILE, BUREAU, body)
        super_ = (((motion == lg.REMOVE_COMMITTEE) | (motion == lg.EXPEL)) & in_c & (body == COMMITTEE))
        needed = np.where(super_, p["supermajority"], 0.5)
        for b in (BUREAU, COMMITTEE, CONGRESS_BODY, CONFERENCE_BODY):
            m = want & (body == b)
            if not m.any():
                continue
            dl = delegates if b == CONGRESS_BODY else conf
            y, n, a, passed = votes.tally(spec, st, rng, 10 * int(i) + b, b, proposer, j, motion, off, m,
                                          delegates=dl, needed=needed)
            log.vote(t, m & running, b, motion, proposer, j, y, n, a, passed, off)
            apply(spec, st, passed, motion, proposer, j, off)
            if passed.any():
                rung, office = next_rung(spec, st)
            failed = m & ~passed
            st.prestige[failed, i] -= p["failed_motion_cost"]
            votes.reveal(spec, st, m)
    if kind & CONGRESS:
        bodies.elect_committee(spec, st, int(spec.committee_size[t]), log, running)
    if kind & (CONGRESS | PLENUM):
        bodies.fill_bureau(spec, st, int(spec.bureau_size[t]), log, running)
    np.clip(st.prestige, 0.0, 1.5, out=st.prestige)


def recant(spec: Spec, st: State, who: np.ndarray, log: lg.Log, running: np.ndarray) -> None:
    ev = np.empty((st.B * spec.L, 6), dtype=np.int64)
    n = _recant(who, running, st.submitted, st.faction, st.target, st.allied, st.prestige, st.sanctions,
                st.month, ev)
    log.event_block(st.month, ev, n)


@njit(cache=True)
def _recant(who, running, submitted, faction, target, allied, prestige, sanctions, month,
            ev):  # pragma: no cover - compiled
    B, L = who.shape
    n = 0
    for r in range(B):
        for i in range(L):
            if who[r, i]:
                submitted[r, i] = True
                faction[r, i] = False
                target[r, i] = -1
                for k in range(L):
                    allied[r, i, k] = False
                    allied[r, k, i] = False
            prestige[r, i] = min(max(prestige[r, i] - (0.1 if who[r, i] else 0.0), 0.0), 1.5)
        for i in range(L):
            if who[r, i]:
                if sanctions[r, i, RECANTED] < 0:
                    sanctions[r, i, RECANTED] = month
                if running[r]:
                    n = put(ev, n, i, r, lg.RECANT, i, -1, -1)
    return n


def readmit_and_relapse(spec: Spec, st: State, rng: Streams, log: lg.Log, running: np.ndarray) -> None:
    p = spec.params
    ev = np.empty((2 * st.B * spec.L, 6), dtype=np.int64)
    n = _readmit_and_relapse(running, st.expelled, st.exiled, st.submitted, st.sanctions, spec.ambition,
                             p["readmission"], p["relapse"], rng.reps, rng.key("readmission", st.month),
                             rng.key("relapse", st.month), st.month, ev)
    log.event_block(st.month, ev, n)


@njit(cache=True)
def _readmit_and_relapse(running, expelled, exiled, submitted, sanctions, ambition, readmission, relapse, reps,
                         key_back, key_relapse, month, ev):  # pragma: no cover - compiled
    B, L = expelled.shape
    n = 0
    for r in range(B):
        if not running[r]:
            continue
        for i in range(L):
            if expelled[r, i] and submitted[r, i] and draw_uniform(reps[r], key_back, i) < readmission:
                expelled[r, i] = False
                exiled[r, i] = False
                if sanctions[r, i, READMITTED] < 0:
                    sanctions[r, i, READMITTED] = month
                n = put(ev, n, 2 * i, r, lg.READMIT, i, -1, -1)
        for i in range(L):
            if (submitted[r, i] and not expelled[r, i]
                    and draw_uniform(reps[r], key_relapse, i) < relapse * ambition[i]):
                submitted[r, i] = False
                n = put(ev, n, 2 * i + 1, r, lg.RELAPSE, i, -1, -1)
    return n
