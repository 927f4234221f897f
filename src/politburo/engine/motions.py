"""Meetings and motions (docs/model.md §6, §7.10): the motions leaders bring, the body that
decides each, carrying out the sanction ladder (office, bureau, committee, party, exile), and
recantation, readmission and relapse."""

from __future__ import annotations

import numpy as np

from politburo.engine import bodies, offices, votes
from politburo.engine import log as lg
from politburo.engine.bodies import BUREAU, COMMITTEE, CONFERENCE_BODY, CONGRESS_BODY
from politburo.engine.common import put
from politburo.engine.jit import kernel
from politburo.engine.ladder import (
    EXILE,
    EXPEL,
    REMOVE_BUREAU,
    REMOVE_COMMITTEE,
    REMOVE_OFFICE,
    REPRIMAND,
    next_rung,
)
from politburo.engine.log import Log
from politburo.engine.rng import Streams, draw_uniform
from politburo.engine.sanctions import (
    EXILED,
    EXPELLED,
    LEFT_BUREAU,
    LEFT_COMMITTEE,
    LOST_OFFICE,
    READMITTED,
    RECANTED,
)
from politburo.engine.spec import ANY_TOP, CONFERENCE, CONGRESS, PLENUM, Spec
from politburo.engine.state import State


def apply(spec: Spec, st: State, mask: np.ndarray, motion: np.ndarray, proposer: np.ndarray,
          target: np.ndarray, office: np.ndarray) -> None:
    """Carry out the motions passed in the runs of `mask` (B,) bool: `motion`, `proposer`,
    `target` and `office` are (B,) codes and indices (docs/model.md §6).

    Reads: facts.powers (the top office passes to the proposer in person).
    Writes: offices (holder, patron, lost) through `offices.transfer`; leaders prestige,
        in_bureau, removed, in_committee, expelled, faction, exiled, last_sanction;
        bodies.committee (a vacated seat goes to the unaligned); records.sanctions."""
    if not mask.any():
        return
    st.cache.clear()  # office-derived arrays
    _apply(mask, votes.Motion(proposer, target, motion, office), spec.facts, st.leaders, st.offices,
           st.bodies.committee, st.records.sanctions, st.month)


@kernel
def _sanction(leaders, sanctions, r, who, kind, month):  # pragma: no cover - compiled
    if kind < RECANTED:
        leaders.last_sanction[r, who] = month
    if sanctions[r, who, kind] < 0:
        sanctions[r, who, kind] = month


@kernel
def _apply(mask, mo, facts, leaders, offs, committee, sanctions, month):  # pragma: no cover - compiled
    L = leaders.prestige.shape[1]
    for r in range(mask.shape[0]):
        if not mask[r]:
            continue
        m, j, pr, o = mo.motion[r], mo.target[r], mo.proposer[r], mo.office[r]
        if m == REPRIMAND:
            leaders.prestige[r, j] -= 0.06
        elif m == REMOVE_OFFICE:
            if o >= 0:
                # The top office passes to the proposer in person; any other to a client of his.
                top = facts.powers[o, ANY_TOP]
                offices.transfer(offs, r, o, pr if top else -1, -1 if top else pr, month)
                _sanction(leaders, sanctions, r, j, LOST_OFFICE, month)
        elif m == REMOVE_BUREAU:
            leaders.in_bureau[r, j] = False
            leaders.removed[r, j] = True
            _sanction(leaders, sanctions, r, j, LEFT_BUREAU, month)
        elif m == REMOVE_COMMITTEE:
            leaders.in_committee[r, j] = False
            committee[r, L] += 1  # the seat goes to an uncommitted member
            _sanction(leaders, sanctions, r, j, LEFT_COMMITTEE, month)
        elif m == EXPEL:
            for k in range(offs.holder.shape[1]):
                if offs.holder[r, k] == j:
                    offices.transfer(offs, r, k, -1, pr, month)
                    _sanction(leaders, sanctions, r, j, LOST_OFFICE, month)
            was_b = leaders.in_bureau[r, j]
            leaders.in_bureau[r, j] = False
            leaders.removed[r, j] = True
            if was_b:
                _sanction(leaders, sanctions, r, j, LEFT_BUREAU, month)
            if leaders.in_committee[r, j]:
                leaders.in_committee[r, j] = False
                committee[r, L] += 1
                _sanction(leaders, sanctions, r, j, LEFT_COMMITTEE, month)
            leaders.expelled[r, j] = True
            leaders.faction[r, j] = False
            _sanction(leaders, sanctions, r, j, EXPELLED, month)
        elif m == EXILE:
            leaders.exiled[r, j] = True
            _sanction(leaders, sanctions, r, j, EXILED, month)


def meeting(spec: Spec, st: State, rng: Streams, log: Log, running: np.ndarray,
            motion_target: np.ndarray) -> None:
    """Step 16, a scheduled plenum, conference or congress: each leader who chose a motion, in
    order of decreasing ambition, brings the next rung of the ladder against his target
    (`motion_target` (B, L), -1 none) to the body that decides it; then a congress elects the
    Central Committee and a congress or plenum fills the Politburo.

    Reads: the meeting's kind and delegates; the ladder (`ladder.next_rung`); leaders
        last_sanction, expelled, in_committee; params ladder_pause, supermajority,
        failed_motion_cost; everything a vote reads (`votes.tally`).
    Writes: what passed motions change (`apply`); leaders.prestige (a failed motion costs its
        proposer), leaders.insight (`votes.reveal`); bodies (`bodies.elect_committee`,
        `bodies.fill_bureau`); a vote record per motion."""
    t = st.month
    kind = int(spec.meeting[t])
    p = spec.params
    lead = st.leaders
    delegates = bodies.congress_delegates(spec, st, spec.delegates[t]) if kind & CONGRESS else None
    conf = (bodies.congress_delegates(spec, st, spec.conference_delegates[t])
            if kind & CONFERENCE and not kind & (PLENUM | CONGRESS) else None)
    order = np.argsort(-spec.ambition, kind="stable")
    rung, office = next_rung(spec, st)
    for i in order:
        n_want = np.zeros(4, dtype=np.int64)
        j, motion, off, want, body, needed = _motion_setup(
            i, motion_target[:, i], running, lead, (rung, office), st.month, (bool(kind & CONGRESS), bool(kind & PLENUM)),
            p, n_want)
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
            lead.prestige[failed, i] -= p.failed_motion_cost
            votes.reveal(spec, st, m)
    if kind & CONGRESS:
        bodies.elect_committee(spec, st, int(spec.committee_size[t]), log, running)
    if kind & (CONGRESS | PLENUM):
        bodies.fill_bureau(spec, st, int(spec.bureau_size[t]), log, running)
    np.clip(lead.prestige, 0.0, 1.5, out=lead.prestige)


@kernel
def _motion_setup(i, target_col, running, leaders, ladder, month, kind, params, n_want):  # pragma: no cover
    """Leader i's motions at a meeting, run by run: the target (0 for none), motion, office,
    whether he brings it, the body that decides it and the majority needed; `n_want` counts
    the motions per body. `ladder` is (rung, office) of `ladder.next_rung`; `kind` (congress,
    plenum) flags."""
    rung, office = ladder
    congress, plenum = kind
    expelled, last_sanction, in_committee = leaders.expelled, leaders.last_sanction, leaders.in_committee
    pause, supermajority = params.ladder_pause, params.supermajority
    B = target_col.shape[0]
    j = np.zeros(B, dtype=np.int64)
    motion = np.empty(B, dtype=np.int64)
    off = np.empty(B, dtype=np.int64)
    want = np.zeros(B, dtype=np.bool_)
    body = np.empty(B, dtype=np.int64)
    needed = np.empty(B)
    any_ = False
    for r in range(B):
        if target_col[r] >= 0 and running[r] and not expelled[r, i]:
            any_ = True
            break
    if not any_:
        return j, motion, off, want, body, needed
    for r in range(B):
        w = target_col[r] >= 0 and running[r] and not expelled[r, i]
        jr = max(target_col[r], 0)
        m = rung[r, jr]
        off[r] = office[r, jr]
        w = w and m >= 0 and month - last_sanction[r, jr] >= pause
        if congress:
            b = CONGRESS_BODY if REMOVE_COMMITTEE <= m <= EXPEL else COMMITTEE
        elif plenum:
            b = COMMITTEE
        else:
            b = CONFERENCE_BODY
            if w:
                m = REPRIMAND
        if m == EXILE:
            b = BUREAU
        super_ = (m == REMOVE_COMMITTEE or m == EXPEL) and in_committee[r, jr] and b == COMMITTEE
        j[r] = jr
        motion[r] = m
        want[r] = w
        body[r] = b
        needed[r] = supermajority if super_ else 0.5
        if w:
            n_want[b] += 1
    return j, motion, off, want, body, needed


def recant(st: State, who: np.ndarray, log: Log, running: np.ndarray) -> None:
    """Step 13: leaders in `who` (B, L) bool, who chose to submit, recant: they leave their
    faction, their target and their alliances, and lose 0.1 prestige.

    Reads: nothing else.
    Writes: leaders submitted, faction, target, allied, prestige (B, L) in [0, 1.5];
        records.sanctions[..., RECANTED]; RECANT events."""
    ev = np.empty((st.B * who.shape[1], 6), dtype=np.int64)
    n = _recant(who, running, st.leaders, st.records.sanctions, st.month, ev)
    log.event_block(st.month, ev, n)


@kernel
def _recant(who, running, leaders, sanctions, month, ev):  # pragma: no cover - compiled
    submitted, faction, target, allied, prestige = (leaders.submitted, leaders.faction, leaders.target,
                                                    leaders.allied, leaders.prestige)
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


def readmit_and_relapse(spec: Spec, st: State, rng: Streams, log: Log, running: np.ndarray) -> None:
    """Step 17, in runs still being fought: a recanted, expelled leader is readmitted with
    monthly chance `readmission`; a leader who submitted returns to opposition with monthly
    chance `relapse` × ambition.

    Reads: leaders expelled, submitted; facts.ambition; params readmission, relapse.
    Writes: leaders expelled, exiled, submitted (B, L) bool; records.sanctions[..., READMITTED];
        READMIT and RELAPSE events."""
    t = st.month
    ev = np.empty((2 * st.B * spec.L, 6), dtype=np.int64)
    keys = (rng.reps, rng.key("readmission", t), rng.key("relapse", t))
    n = _readmit_and_relapse(running, st.leaders, st.records.sanctions, spec.facts, spec.params, keys, t, ev)
    log.event_block(t, ev, n)


@kernel
def _readmit_and_relapse(running, leaders, sanctions, facts, params, keys, month, ev):  # pragma: no cover
    reps, key_back, key_relapse = keys
    expelled, exiled, submitted = leaders.expelled, leaders.exiled, leaders.submitted
    B, L = expelled.shape
    n = 0
    for r in range(B):
        if not running[r]:
            continue
        for i in range(L):
            if expelled[r, i] and submitted[r, i] and draw_uniform(reps[r], key_back, i) < params.readmission:
                expelled[r, i] = False
                exiled[r, i] = False
                if sanctions[r, i, READMITTED] < 0:
                    sanctions[r, i, READMITTED] = month
                n = put(ev, n, 2 * i, r, lg.READMIT, i, -1, -1)
        for i in range(L):
            if (submitted[r, i] and not expelled[r, i]
                    and draw_uniform(reps[r], key_relapse, i) < params.relapse * facts.ambition[i]):
                submitted[r, i] = False
                n = put(ev, n, 2 * i + 1, r, lg.RELAPSE, i, -1, -1)
    return n
