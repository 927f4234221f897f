"""Meetings: the motions leaders bring, the body that decides each, and the sanction ladder
(office, bureau, committee, party, exile) with recantation and readmission."""

from __future__ import annotations

import numpy as np

from politburo.engine import bodies, votes
from politburo.engine import log as lg
from politburo.engine.common import put
from politburo.engine.jit import kernel
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


def apply(spec: Spec, st: State, mask: np.ndarray, motion: np.ndarray, proposer: np.ndarray,
          target: np.ndarray, office: np.ndarray) -> None:
    """Carry out passed motions."""
    if not mask.any():
        return
    st.cache.clear()
    _apply(mask, motion, proposer, target, office, spec.power("top_party_office"), st.prestige, st.office_lost,
           st.holder, st.office_patron, st.in_bureau, st.removed, st.in_committee, st.committee, st.expelled,
           st.faction, st.exiled, st.last_sanction, st.sanctions, st.month)


@kernel
def _sanction(last_sanction, sanctions, r, who, kind, month):  # pragma: no cover - compiled
    if kind < RECANTED:
        last_sanction[r, who] = month
    if sanctions[r, who, kind] < 0:
        sanctions[r, who, kind] = month


@kernel
def _apply(mask, motion, proposer, target, office, top_power, prestige, office_lost, holder, office_patron,
           in_bureau, removed, in_committee, committee, expelled, faction, exiled, last_sanction, sanctions,
           month):  # pragma: no cover - compiled
    L = prestige.shape[1]
    for r in range(mask.shape[0]):
        if not mask[r]:
            continue
        m, j, pr, o = motion[r], target[r], proposer[r], office[r]
        if m == lg.REPRIMAND:
            prestige[r, j] -= 0.06
        elif m == lg.REMOVE_OFFICE:
            if o >= 0:
                # The top office passes to the proposer in person; any other to a client of his.
                if office_lost[r, o] < 0:
                    office_lost[r, o] = month
                holder[r, o] = pr if top_power[o] else -1
                office_patron[r, o] = -1 if top_power[o] else pr
                _sanction(last_sanction, sanctions, r, j, LOST_OFFICE, month)
        elif m == lg.REMOVE_BUREAU:
            in_bureau[r, j] = False
            removed[r, j] = True
            _sanction(last_sanction, sanctions, r, j, LEFT_BUREAU, month)
        elif m == lg.REMOVE_COMMITTEE:
            in_committee[r, j] = False
            committee[r, L] += 1  # the seat goes to an uncommitted member
            _sanction(last_sanction, sanctions, r, j, LEFT_COMMITTEE, month)
        elif m == lg.EXPEL:
            for k in range(holder.shape[1]):
                if holder[r, k] == j:
                    if office_lost[r, k] < 0:
                        office_lost[r, k] = month
                    holder[r, k] = -1
                    office_patron[r, k] = pr
                    _sanction(last_sanction, sanctions, r, j, LOST_OFFICE, month)
            was_b = in_bureau[r, j]
            in_bureau[r, j] = False
            removed[r, j] = True
            if was_b:
                _sanction(last_sanction, sanctions, r, j, LEFT_BUREAU, month)
            if in_committee[r, j]:
                in_committee[r, j] = False
                committee[r, L] += 1
                _sanction(last_sanction, sanctions, r, j, LEFT_COMMITTEE, month)
            expelled[r, j] = True
            faction[r, j] = False
            _sanction(last_sanction, sanctions, r, j, EXPELLED, month)
        elif m == lg.EXILE:
            exiled[r, j] = True
            _sanction(last_sanction, sanctions, r, j, EXILED, month)


def meeting(spec: Spec, st: State, rng: Streams, log: lg.Log, running: np.ndarray,
            motion_target: np.ndarray) -> None:
    """A scheduled plenum, conference or congress: motions, then elections."""
    from politburo.engine.policy import next_rung

    t = st.month
    kind = int(spec.meeting[t])
    p = spec.params
    delegates = bodies.congress_delegates(spec, st, spec.delegates[t]) if kind & CONGRESS else None
    conf = (bodies.congress_delegates(spec, st, spec.conference_delegates[t])
            if kind & CONFERENCE and not kind & (PLENUM | CONGRESS) else None)
    order = np.argsort(-spec.ambition, kind="stable")
    rung, office = next_rung(spec, st)
    for i in order:
        n_want = np.zeros(4, dtype=np.int64)
        j, motion, off, want, body, needed = _motion_setup(
            motion_target[:, i], running, st.expelled[:, i], rung, office, st.month, st.last_sanction,
            p["ladder_pause"], st.in_committee, bool(kind & CONGRESS), bool(kind & PLENUM), p["supermajority"],
            n_want)
        if not n_want.any():
            continue
        proposer = np.full(st.B, i)
        for b in (BUREAU, COMMITTEE, CONGRESS_BODY, CONFERENCE_BODY):
            if not n_want[b]:
                continue
            m = want & (body == b)
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


@kernel
def _motion_setup(target_col, running, expelled_col, rung, office, month, last_sanction, pause, in_committee,
                  congress, plenum, supermajority, n_want):  # pragma: no cover - compiled
    """One leader's motions at a meeting, run by run: the target (0 for none), motion, office,
    whether he brings it, the body that decides it and the majority needed; `n_want` counts
    the motions per body."""
    B = target_col.shape[0]
    j = np.zeros(B, dtype=np.int64)
    motion = np.empty(B, dtype=np.int64)
    off = np.empty(B, dtype=np.int64)
    want = np.zeros(B, dtype=np.bool_)
    body = np.empty(B, dtype=np.int64)
    needed = np.empty(B)
    any_ = False
    for r in range(B):
        if target_col[r] >= 0 and running[r] and not expelled_col[r]:
            any_ = True
            break
    if not any_:
        return j, motion, off, want, body, needed
    for r in range(B):
        w = target_col[r] >= 0 and running[r] and not expelled_col[r]
        jr = max(target_col[r], 0)
        m = rung[r, jr]
        off[r] = office[r, jr]
        w = w and m >= 0 and month - last_sanction[r, jr] >= pause
        if congress:
            b = CONGRESS_BODY if lg.REMOVE_COMMITTEE <= m <= lg.EXPEL else COMMITTEE
        elif plenum:
            b = COMMITTEE
        else:
            b = CONFERENCE_BODY
            if w:
                m = lg.REPRIMAND
        if m == lg.EXILE:
            b = BUREAU
        super_ = (m == lg.REMOVE_COMMITTEE or m == lg.EXPEL) and in_committee[r, jr] and b == COMMITTEE
        j[r] = jr
        motion[r] = m
        want[r] = w
        body[r] = b
        needed[r] = supermajority if super_ else 0.5
        if w:
            n_want[b] += 1
    return j, motion, off, want, body, needed


@kernel
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


@kernel
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
