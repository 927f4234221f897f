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


def apply(spec: Spec, st: State, mask: np.ndarray, motion: np.ndarray, proposer: np.ndarray,
          target: np.ndarray, office: np.ndarray) -> None:
    """Carry out passed motions."""
    if not mask.any():
        return
    st.cache.clear()
    _apply(mask, motion, proposer, target, office, spec.power("top_party_office"), st.prestige, st.office_lost,
           st.holder, st.office_patron, st.in_bureau, st.removed, st.in_committee, st.committee, st.expelled,
           st.faction, st.exiled, st.last_sanction, st.sanctions, st.month)


@njit(cache=True)
def _sanction(last_sanction, sanctions, r, who, kind, month):  # pragma: no cover - compiled
    if kind < RECANTED:
        last_sanction[r, who] = month
    if sanctions[r, who, kind] < 0:
        sanctions[r, who, kind] = month


@njit(cache=True)
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
