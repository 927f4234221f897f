"""Leaders' policy: each chooses one action a month by utility with noise, within the powers
of his offices. A human player or another policy can replace this one (a function from the
state to actions)."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import distance, holds, offices_held, party_line, sigmoid
from politburo.engine.documents import benefit
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State
from politburo.engine.votes import RUNG

LIE_LOW, POLEMIC, FACTION, SHIFT, RECANT, PUBLISH, MOTION = range(7)
ACTIONS = ("lie_low", "polemic", "faction", "shift", "recant", "publish", "motion")


def next_rung(spec: Spec, st: State) -> tuple[np.ndarray, np.ndarray]:
    """(B, L) next motion of the sanction ladder against each leader, and the office concerned."""
    held = offices_held(spec, st)
    weight = np.where(st.holder >= 0, 0.0, 0.0)
    # the most visible office each leader holds
    from politburo.engine.spec import VISIBLE

    w = (spec.powers * VISIBLE[None, :]).sum(axis=1) + 0.01
    best = np.full((st.B, spec.L), -1)
    bestw = np.full((st.B, spec.L), -1.0)
    rows = np.arange(st.B)
    for o in range(spec.O):
        h = st.holder[:, o]
        ok = h >= 0
        better = ok & (w[o] > bestw[rows, np.maximum(h, 0)])
        best[rows[better], h[better]] = o
        bestw[rows[better], h[better]] = w[o]
    del weight
    rung = np.where(held > 0, lg.REMOVE_OFFICE,
           np.where(st.in_bureau, lg.REMOVE_BUREAU,
           np.where(st.in_committee, lg.REMOVE_COMMITTEE,
           np.where(~st.expelled, lg.EXPEL,
           np.where(~st.exiled & ~st.submitted, lg.EXILE, -1)))))
    return rung, best


def estimate(spec: Spec, st: State, rung: np.ndarray, office: np.ndarray) -> np.ndarray:
    """(B, i, j): leader i's estimate that a motion of his against j would pass, as he perceives
    the committee (clients of a patron he underrates look uncommitted to him)."""
    p = spec.params
    L = spec.L
    size = float(spec.committee_size[min(st.month, spec.months - 1)])
    eye = np.eye(L, dtype=bool)[None, :, None, :]
    i_ = np.arange(L)[None, :, None, None]
    j_ = np.arange(L)[None, None, :, None]
    b_ = np.arange(L)[None, None, None, :]
    al = st.allied
    tb = st.target[:, None, None, :]
    score = (3 * (b_ == i_) + 2 * al[:, :, None, :] + (tb == j_)
             - 3 * (b_ == j_) - 2 * al[:, None, :, :] - (tb == i_))
    s = np.sign(np.where(st.submitted[:, None, None, :] & (b_ != j_), 1, score))
    del eye
    seats_seen = st.committee[:, None, :L] * st.insight  # (B, i, b)
    unaligned = size - seats_seen.sum(axis=2) - st.in_committee.sum(axis=1)[:, None]
    standing = st.prestige + 0.5 * st.heir
    fit = distance(st.ideology, party_line(st)[:, None, :])
    lean = p["prestige_weight"] * (standing[:, :, None] - standing[:, None, :])
    lean += p["ideology_weight"] * (fit[:, None, :] - fit[:, :, None])
    lean -= p["severity"] * RUNG[np.maximum(rung, 0)][:, None, :]
    lean += p["grounds_weight"] * (np.minimum(st.grounds, 2.0) - 1.0)[:, None, :]
    charge = st.faction * p["faction_ban"] * p["factionalism_charge"]
    lean += charge[:, None, :]
    lean += 0.5 * p["bonaparte_fear"] * holds(spec, st, "army")[:, None, :]
    for d in range(spec.doc_removal.shape[0]):
        asks = (spec.doc_removal[d][None, :] == office) & (rung == lg.REMOVE_OFFICE)
        lean += np.where(asks, p["removal_push"] * st.doc_force[:, d:d + 1], 0.0)[:, None, :]
    member = (st.in_committee & ~st.expelled)[:, None, None, :]
    side = ((seats_seen[:, :, None, :] + member) * s).sum(axis=3) / size
    base = lean + p["bandwagon"] * side
    blocs = seats_seen[:, :, None, :] * sigmoid(base[..., None] + p["bloc_discipline"] * s)
    own = member * (s > 0)
    yes = blocs.sum(axis=3) + own.sum(axis=3) + unaligned[:, :, None] * sigmoid(base)
    needed = np.where(rung >= lg.REMOVE_COMMITTEE, p["supermajority"], 0.5)[:, None, :]
    return sigmoid(12.0 * (yes / size - needed))


def choose(spec: Spec, st: State, rng: Streams, th: np.ndarray, running: np.ndarray,
           meeting: bool) -> tuple[np.ndarray, np.ndarray]:
    """Returns (B, L) action codes and (B, L) motion targets (-1 none)."""
    p = spec.params
    L = spec.L
    t = st.month
    amb, cau, rig = spec.ambition[None, :], spec.caution[None, :], spec.rigidity[None, :]
    U = np.full((st.B, L, len(ACTIONS)), -np.inf)
    U[:, :, LIE_LOW] = 0.15 * cau
    has_t = st.target >= 0
    active = running[:, None] & ~st.submitted
    free = active & ~st.expelled
    press = holds(spec, st, "press")
    if p["polemics"] > 0:
        U[:, :, POLEMIC] = np.where(active & has_t,
                                    amb * (0.5 * spec.oratory + 0.4 * press) - 0.6 * cau - 0.1, -np.inf)
    # Coalition strength in the committee as each leader perceives it.
    rows = np.arange(st.B)
    size = float(spec.committee_size[min(t, spec.months - 1)])
    seen = st.committee[:, None, :L] * st.insight
    mine = (seen * (st.allied | np.eye(L, dtype=bool)[None])).sum(axis=2) / size
    losing = mine < 0.45
    can_faction = free & has_t & ~st.faction & st.allied.any(axis=2) & losing
    U[:, :, FACTION] = np.where(can_faction, p["faction_drive"] * amb - cau * p["faction_ban"], -np.inf)
    line = party_line(st)
    gap = line[:, None, :] - st.ideology
    dist = np.sqrt((gap ** 2).sum(axis=2))
    step = np.minimum(dist, p["shift_step"])
    gain = 3.0 * amb * step
    cost = p["shift_cost"] * 3.0 * rig * step + 0.05
    U[:, :, SHIFT] = np.where(free & (dist > 0.05), gain - cost, -np.inf)
    pressure = (st.removed * 1.0 + (st.faction & (p["faction_ban"] > 0)) * 0.5
                + st.expelled * 1.5 + (~st.in_committee) * 0.5)
    U[:, :, RECANT] = np.where(active & (pressure > 0.9),
                               (1 - amb) + 0.3 * pressure * cau - p["recant_threshold"], -np.inf)
    for d in range(len(spec.document_names)):
        if not 0 <= spec.doc_arrival[d] < t:
            continue
        b = benefit(spec, st, d)
        open_ = (st.doc_force[:, d] < 0.5)[:, None]
        U[:, :, PUBLISH] = np.where(active & open_ & (b > 0),
                                    4.0 * b * amb - p["desperation"] * losing * 2.0 - 0.2, U[:, :, PUBLISH])
    target_of = np.full((st.B, L), -1)
    rung, office = next_rung(spec, st)
    if meeting:
        pe = estimate(spec, st, rung, office)
        thr = np.where(np.isfinite(th), th, 0.0)
        rel = thr / np.maximum(thr.max(axis=2, keepdims=True), 1e-9)
        hostile = ((st.target[:, None, :] == np.arange(L)[None, :, None])
                   & ((st.grounds > 0.5) | st.faction)[:, None, :])
        mine = st.target[:, :, None] == np.arange(L)[None, None, :]
        value = rel + hostile
        paused = (t - st.last_sanction) < p["ladder_pause"]
        ok = ((rung >= 0) & ~paused)[:, None, :] & ~np.eye(L, dtype=bool)[None] & ~st.allied
        ok &= mine | hostile
        ok &= ~((rung == lg.EXPEL)[:, None, :] & ~(st.faction & (p["faction_ban"] > 0))[:, None, :])
        um = np.where(ok, amb[:, :, None] * (pe - p["motion_threshold"]) * 3.0 * value, -np.inf)
        target_of = um.argmax(axis=2)
        U[:, :, MOTION] = np.where(free, um.max(axis=2), -np.inf)
        target_of = np.where(np.isfinite(U[:, :, MOTION]), target_of, -1)
    noise = p["policy_noise"] * rng.gumbel("policy", t, (L, len(ACTIONS)))
    action = np.where(np.isfinite(U), U + noise, -np.inf).argmax(axis=2)
    action = np.where(running[:, None], action, LIE_LOW)
    del rows
    return action, np.where(action == MOTION, target_of, -1)
