"""Documents such as a testament (docs/model.md §7.11), in one place.

The life of a document, month by month (the lines of `step.py` that call this module):

1. It reaches the leaders in its arrival month (`arrivals`, step 15): the principal who gains
   most from it (`benefit`: damage to the rivals he finds threatening, less damage to himself
   and half to his allies) moves that the Central Committee read it in full; the vote decides
   (`votes.tally`). Read in full, it does its damage at full force (`release`) and, if a
   congress sits, the removals it asks for are put to the delegates (`congress_removals`);
   kept back, it is read to the delegations at a quarter of its force.
2. Each month after, any leader may choose to publish it (`publish_utility`, the utility the
   built-in policy weighs; `publish`, step 14): its force has decayed, is halved when its main
   target controls the police, the publisher looks desperate if his side is losing, and
   defying the committee gives him grounds.
3. While it has force, a motion to remove a leader from the office it asks him to leave gets
   `removal_push · force` added to its lean — the one effect computed elsewhere, in the vote
   model (`votes._lean`, and the proposer's own estimate, `policy._estimate`).
4. A scenario may force its release on a date (`doc_forced`, a factor), handled in `arrivals`.
"""

from __future__ import annotations

import numpy as np

from politburo.engine import bodies, motions, votes
from politburo.engine import log as lg
from politburo.engine.bodies import COMMITTEE, CONGRESS_BODY
from politburo.engine.common import controls
from politburo.engine.jit import kernel
from politburo.engine.ladder import READ_DOCUMENT, REMOVE_OFFICE
from politburo.engine.log import Log
from politburo.engine.outcome import committee_share
from politburo.engine.rng import Streams
from politburo.engine.spec import CONGRESS, Spec
from politburo.engine.state import State


def benefit(spec: Spec, st: State, d: int, th: np.ndarray) -> np.ndarray:
    """(B, L) how much publishing document d helps each leader: damage to the rivals he
    perceives as threatening (weighted by threat relative to the greatest), less damage to
    himself and half the damage to his allies. A leader who underrates a rival sees little
    point in damaging him."""
    return _benefit(th, st.leaders.allied, spec.doc_damage[d])


@kernel
def _benefit(th, allied, dmg):  # pragma: no cover - compiled
    B, L, _ = th.shape
    out = np.empty((B, L))
    for r in range(B):
        for i in range(L):
            out[r, i] = benefit_one(th, allied, dmg, r, i)
    return out


@kernel
def benefit_one(th, allied, dmg, r, i):  # pragma: no cover - compiled
    """benefit(...)[r, i]."""
    L = th.shape[1]
    top = 1e-9
    for j in range(L):
        if np.isfinite(th[r, i, j]) and th[r, i, j] > top:
            top = th[r, i, j]
    v = -dmg[i]
    for j in range(L):
        # damage to a rival counts by how threatening he looks; an ally is spared unless
        # he looks threatening even as an ally (which an accurate eye may see)
        w = th[r, i, j] / top if np.isfinite(th[r, i, j]) else 0.0
        if allied[r, i, j]:
            w -= 0.5
        v += w * dmg[j]
    return v


@kernel
def publish_utility(U, th, allied, d, doc_public, active, losing, facts, params):  # pragma: no cover - compiled
    """Into `U` (B, L), each leader's utility of publishing document d, where it is still not
    public and would help him (`benefit` > 0): 4 · benefit · ambition, less 2 · `desperation`
    when his side is losing, less caution, less 0.2 (docs/model.md §7.7). Other entries are left
    as they are."""
    dmg = facts.doc_damage[d]
    ambition, caution, desperation = facts.ambition, facts.caution, params.desperation
    B, L = active.shape
    for r in range(B):
        if doc_public[r, d]:
            continue
        for i in range(L):
            if not active[r, i]:
                continue  # (the benefit is computed only where it can matter)
            b = benefit_one(th, allied, dmg, r, i)
            if b > 0:
                U[r, i] = (4.0 * b * ambition[i] - desperation * (1.0 if losing[r, i] else 0.0) * 2.0
                           - caution[i] - 0.2)


def release(spec: Spec, st: State, d: int, mask: np.ndarray, force: np.ndarray | float) -> None:
    """Publish document d in the runs of `mask` with the given force. The damage to each leader
    is his share of the document's judgement times its force, less for a leader who already
    commands a large bloc in the committee (a strong man shrugs it off). News is news once:
    only the rise in force over what was already known does damage.

    Reads: bodies.committee, leaders.in_committee (committee shares); facts.doc_damage.
    Writes: documents released, force, public (B, D); leaders.prestige (B, L) in [0, 1.5]."""
    doc = st.documents
    prestige = st.leaders.prestige
    f = np.where(mask, force, 0.0)
    rise = np.maximum(f - doc.force[:, d], 0.0)
    doc.public[:, d] |= mask & (np.broadcast_to(force, mask.shape) >= 0.5)
    doc.released[:, d] = np.where(mask, st.month, doc.released[:, d])
    doc.force[:, d] = np.maximum(doc.force[:, d], f)
    prestige -= rise[:, None] * spec.doc_damage[d][None, :] * (1.0 - committee_share(spec, st))
    np.clip(prestige, 0.0, 1.5, out=prestige)


def arrivals(spec: Spec, st: State, rng: Streams, log: Log, running: np.ndarray, th: np.ndarray) -> None:
    """Step 15, every month: a forced release scheduled for the month happens; a document
    reaching the leaders this month is put to the Central Committee by the principal who gains
    most from it: read in full (to the congress, if one sits: then the removals it asks for are
    voted, `congress_removals`), or kept to the delegations (a quarter of its force).

    Reads: `th` (B, L, L) threat (each leader's benefit, `benefit`); facts doc_damage,
        doc_removal; leaders in_committee, expelled; params severity; what a vote reads.
    Writes: documents (`release`), leaders.prestige; what a passed removal changes
        (`motions.apply`); leaders.insight; a vote record, PUBLISH / SUPPRESS events."""
    t = st.month
    lead = st.leaders
    for d in range(len(spec.document_names)):
        if spec.doc_forced[d] == t:
            read = ~st.documents.public[:, d]  # already public: nothing left to reveal
            release(spec, st, d, read, 1.0)
            log.event(t, lg.PUBLISH, read & running, -1, d, 100 if spec.meeting[t] & CONGRESS else 101)
            congress_removals(spec, st, rng, log, running, d, read, th)
        if spec.doc_arrival[d] != t:
            continue
        pending = st.documents.released[:, d] < 0
        b = benefit(spec, st, d, th)
        gain = np.where(lead.in_committee & ~lead.expelled, b, -np.inf)
        proposer = gain.argmax(axis=1)
        moved = pending & (gain.max(axis=1) > 0)
        target = np.full(st.B, int(spec.doc_damage[d].argmax()))
        motion = np.full(st.B, READ_DOCUMENT)
        x = np.full(st.B, 0.3 - spec.params.severity)
        side = np.clip(10.0 * b, -1.0, 1.0)  # each principal's side follows his own benefit
        y, n, a, passed = votes.tally(spec, st, rng, 1000 + d, COMMITTEE, proposer, target, motion,
                                      np.full(st.B, -1), moved, lean_x=x, stance_x=side)
        log.vote(t, moved & running, COMMITTEE, motion, proposer, target, y, n, a, passed)
        release(spec, st, d, passed, 1.0)
        log.event(t, lg.PUBLISH, passed & running, proposer, d, 100)
        congress_removals(spec, st, rng, log, running, d, passed, th)
        kept = pending & ~passed
        release(spec, st, d, kept, 0.25)  # read to the delegations only
        log.event(t, lg.SUPPRESS, kept & running, proposer, d, np.where(moved, 1, 0))


def congress_removals(spec: Spec, st: State, rng: Streams, log: Log, running: np.ndarray, d: int,
                      read: np.ndarray, th: np.ndarray) -> None:
    """A document read in full to a congress puts the removals it asks for to the delegates.
    Each principal's side follows his benefit from the removal; the leader who gains most moves
    it and, for the top office, takes the post."""
    t = st.month
    if not spec.meeting[t] & CONGRESS or not read.any():
        return
    delegates = bodies.congress_delegates(spec, st, spec.delegates[t])
    b = benefit(spec, st, d, th)
    p = spec.params
    for j in np.flatnonzero(spec.doc_removal[d] >= 0):
        o = int(spec.doc_removal[d, j])
        due = read & (st.offices.holder[:, o] == j) & running
        if not due.any():
            continue
        gain = np.where(~st.leaders.expelled & (np.arange(spec.L) != j)[None, :], b, -np.inf)
        proposer = gain.argmax(axis=1)
        target = np.full(st.B, j)
        motion = np.full(st.B, REMOVE_OFFICE)
        office = np.full(st.B, o)
        side = np.clip(10.0 * b, -1.0, 1.0)
        side[:, j] = -1.0
        x = votes.lean(spec, st, proposer, target, motion, office) + p.removal_push * st.documents.force[:, d]
        y, n, a, passed = votes.tally(spec, st, rng, 2000 + d, CONGRESS_BODY, proposer, target, motion, office,
                                      due, delegates=delegates, lean_x=x, stance_x=side)
        log.vote(t, due, CONGRESS_BODY, motion, proposer, target, y, n, a, passed, office)
        motions.apply(spec, st, passed, motion, proposer, target, office)
        votes.reveal(spec, st, due)


def publish(spec: Spec, st: State, publishers: np.ndarray, log: Log, running: np.ndarray) -> None:
    """Step 14, late publication: a leader in `publishers` (B, L) bool publishes a document that
    has reached the leaders and is not yet public. Its force has decayed since it arrived, is
    halved when its main target controls the police, and the publisher looks desperate when
    his side holds under 35% of the committee; publishing what the committee kept back gives
    him grounds (+1.5). Then every document's force decays.

    Reads: bodies.committee, leaders.allied; who controls the `police` power; facts doc_damage;
        params document_decay, desperation.
    Writes: documents (`release`), documents.force (B, D) decayed; leaders prestige, grounds;
        PUBLISH events."""
    p = spec.params
    L = spec.L
    lead, doc = st.leaders, st.documents
    n_docs = len(spec.document_names) if publishers.any() else 0
    if n_docs:
        rows = np.arange(st.B)
        police = controls(spec, st, "police")
    for d in range(n_docs):
        arrived = 0 <= spec.doc_arrival[d] <= st.month
        if not arrived:
            continue
        who = publishers & ~doc.public[:, d:d + 1]
        any_ = who.any(axis=1)
        if not any_.any():
            continue
        i = who.argmax(axis=1)
        force = (1.0 - p.document_decay) ** (st.month - spec.doc_arrival[d])
        worst = int(spec.doc_damage[d].argmax())
        force = np.where(police[:, worst], 0.5 * force, force)
        committee = st.bodies.committee
        share = (committee[rows, i] + np.einsum("bk,bk->b", lead.allied[rows, i, :].astype(float),
                                                committee[:, :L])) / spec.committee_size[st.month]
        losing = share < 0.35
        lead.prestige[rows[any_ & losing], i[any_ & losing]] -= p.desperation
        # Publishing what the committee kept back defies party discipline: grounds against him.
        lead.grounds[rows[any_], i[any_]] += 1.5
        release(spec, st, d, any_, force)
        doc.public[:, d] |= any_
        log.event(st.month, lg.PUBLISH, any_ & running, i, d, np.rint(force * 100).astype(np.int64))
    doc.force[...] *= 1.0 - p.document_decay
