"""Votes (docs/model.md §7.9): every member votes by patronage, ideological fit, prestige,
fear of being on the losing side and noise; each vote's tally is recorded."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from politburo.engine.bodies import BUREAU, COMMITTEE
from politburo.engine.common import controls, dist_row, holds, party_line
from politburo.engine.jit import kernel
from politburo.engine.ladder import REMOVE_BUREAU, REMOVE_OFFICE, RUNG
from politburo.engine.rng import Streams, draw_normal
from politburo.engine.spec import ANY_TOP, Spec
from politburo.engine.state import State

ALLY_COMMITMENT = 0.5
DEVIATION_MARGIN = 0.4  # distance from the members' mood that still counts as the party line


@kernel
def ideology_lean_scalar(weight: float, dist_proposer: float, dist_target: float) -> float:  # pragma: no cover
    """Members punish a line far from their mood (a deviation) and trust a proposer close to it."""
    return weight * ((dist_target - DEVIATION_MARGIN) - 0.5 * dist_proposer)


def stance(st: State, proposer: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(B, L) each principal's side on a motion by `proposer` against `target`: the proposer +1,
    the target -1; the others half-committed (±0.5) by alliance with either and by whom they
    target; a leader who has submitted votes with the line (for the motion)."""
    return _stance(st.leaders, proposer, target)


@kernel
def _stance(leaders, proposer, target):  # pragma: no cover - compiled
    allied, targets, submitted = leaders.allied, leaders.target, leaders.submitted
    B, L = targets.shape
    s = np.zeros((B, L))
    for r in range(B):
        p, t = proposer[r], target[r]
        for b in range(L):
            if b == p:
                s[r, b] = 1.0
            elif b == t:
                s[r, b] = -1.0
            else:
                sc = 1 if submitted[r, b] else (2 * allied[r, p, b] + (targets[r, b] == t)
                                                 - 2 * allied[r, t, b] - (targets[r, b] == p))
                s[r, b] = ALLY_COMMITMENT * ((sc > 0) - (sc < 0))
    return s


def charging(spec: Spec, st: State) -> np.ndarray:
    """(B, L) leaders who can bring a disciplinary charge at full weight: those who control the
    control commission, in person or through a client, and their allies."""
    return _charging(controls(spec, st, "control"), st.leaders.allied)


@kernel
def _charging(ctrl, allied):  # pragma: no cover - compiled
    B, L = ctrl.shape
    out = np.empty((B, L), dtype=np.bool_)
    for r in range(B):
        for i in range(L):
            c = ctrl[r, i]
            for k in range(L):
                c = c or (allied[r, i, k] and ctrl[r, k])
            out[r, i] = c
    return out


def lean(spec: Spec, st: State, proposer: np.ndarray, target: np.ndarray, motion: np.ndarray,
         office: np.ndarray) -> np.ndarray:
    """(B,) logit of an uncommitted voter for the motion: the prestige gap, the target's
    deviation from the members' mood, the severity of the rung (doubled for the top office),
    the grounds the target has given, a factionalism charge under the ban, fear of a Bonaparte,
    and a published document asking for this removal."""
    return _lean_rows(spec, st, proposer, target, motion, office, np.ones(proposer.shape[0], dtype=np.bool_))


def _lean_rows(spec: Spec, st: State, proposer: np.ndarray, target: np.ndarray, motion: np.ndarray,
               office: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`lean` for the runs in `mask` (the others are left undefined)."""
    return _lean(mask, Motion(proposer, target, motion, office), st.leaders, _context(spec, st), spec.facts,
                 spec.params)


class Motion(NamedTuple):
    """One motion per run: who brings it against whom, what it is, and the office it concerns."""

    proposer: np.ndarray  # (B,) leader
    target: np.ndarray  # (B,) leader
    motion: np.ndarray  # (B,) motion code (engine.ladder)
    office: np.ndarray  # (B,) office, -1 none


class Context(NamedTuple):
    """What the vote model reads besides the leaders: who controls the control commission, who
    commands the army, the party's line and the force of published documents."""

    control: np.ndarray  # (B, L) bool, in person or through a client
    army: np.ndarray  # (B, L) bool, in person
    line: np.ndarray  # (B, A) the party's line
    doc_force: np.ndarray  # (B, D) force of each document


def _context(spec: Spec, st: State) -> Context:
    return Context(controls(spec, st, "control"), holds(spec, st, "army"), party_line(st), st.documents.force)


@kernel
def _lean(mask, mo, leaders, ctx, facts, params):  # pragma: no cover - compiled
    """The logit of `lean`, run by run, with the standing, fit to the line and charging computed in place."""
    prestige, heir, ideology, grounds, faction, allied = (leaders.prestige, leaders.heir, leaders.ideology,
                                                          leaders.grounds, leaders.faction, leaders.allied)
    ctrl, army, line, doc_force, doc_removal = ctx.control, ctx.army, ctx.line, ctx.doc_force, facts.doc_removal
    charge_full = params.faction_ban * params.factionalism_charge
    B = mo.proposer.shape[0]
    L = prestige.shape[1]
    out = np.zeros(B)
    for r in range(B):
        if not mask[r]:
            continue
        i, j, m, o = mo.proposer[r], mo.target[r], mo.motion[r], mo.office[r]
        x = params.prestige_weight * ((prestige[r, i] + 0.5 * heir[r, i]) - (prestige[r, j] + 0.5 * heir[r, j]))
        x += ideology_lean_scalar(params.ideology_weight, dist_row(ideology[r, i], line[r]),
                                  dist_row(ideology[r, j], line[r]))
        x -= params.severity * RUNG[m]
        if o >= 0 and facts.powers[o, ANY_TOP]:
            x -= 2.0 * params.severity
        x += params.grounds_weight * (min(grounds[r, j], 2.0) - 1.0)
        if faction[r, j]:
            charging = ctrl[r, i]
            for k in range(L):
                if allied[r, i, k] and ctrl[r, k]:
                    charging = True
            charge = charge_full if charging else 0.5 * charge_full  # the control commission brings charges
            x += charge if m >= REMOVE_BUREAU else 0.5 * charge
        if army[r, j]:
            x += 0.5 * params.bonaparte_fear
        if m == REMOVE_OFFICE:
            for d in range(doc_removal.shape[0]):
                if doc_removal[d, j] == o:
                    x += params.removal_push * doc_force[r, d]
        out[r] = x
    return out


def members(spec: Spec, st: State, body: int, delegates: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Bloc counts (B, L + 1) of clients and the (B, L) principals sitting in the body."""
    lead = st.leaders
    if body == BUREAU:
        return st.bodies.bureau, lead.in_bureau & ~lead.expelled
    if body == COMMITTEE:
        return st.bodies.committee, lead.in_committee & ~lead.expelled
    assert delegates is not None
    return delegates, np.zeros_like(lead.in_bureau)


def tally(spec: Spec, st: State, rng: Streams, sub: int, body: int, proposer: np.ndarray,
          target: np.ndarray, motion: np.ndarray, office: np.ndarray, mask: np.ndarray,
          delegates: np.ndarray | None = None, lean_x: np.ndarray | None = None,
          needed: np.ndarray | float = 0.5, stance_x: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Count a vote in `body` for the runs in `mask`; returns yes, no, abstain, passed.

    Each bloc of clients votes yes with probability sigmoid(lean + bandwagon·side + mood +
    discipline·stance of its patron); the uncommitted with sigmoid(lean + bandwagon·side + mood);
    the count in a bloc is its expectation plus binomial-sized noise. Principals sitting in the
    body vote their own stance (or the lean when they have none)."""
    blocs, seated = members(spec, st, body, delegates)
    if isinstance(needed, np.ndarray) and needed.shape == mask.shape and needed.dtype == np.float64:
        need = needed
    else:
        need = np.ascontiguousarray(np.broadcast_to(np.asarray(needed, dtype=np.float64), mask.shape))
    draws = (rng.reps, rng.key("vote_mood", st.month, sub), rng.key("vote", st.month, sub))
    if stance_x is None and lean_x is None:
        # stance, lean and count in one compiled call
        return _tally_fused(mask, blocs, seated, Motion(proposer, target, motion, office), st.leaders,
                            _context(spec, st), spec.facts, spec.params, need, draws)
    s = stance(st, proposer, target) if stance_x is None else stance_x
    x = _lean_rows(spec, st, proposer, target, motion, office, mask) if lean_x is None else lean_x
    return _tally(mask, blocs, seated, np.asarray(s, dtype=np.float64), np.asarray(x, dtype=np.float64), need,
                  draws, spec.params)


@kernel
def _tally_fused(mask, blocs, seated, mo, leaders, ctx, facts, params, needed, draws):  # pragma: no cover
    """`stance`, `lean` and the count of one vote in a single compiled call (the usual case of
    `tally`: a motion at a meeting, several a month, each over the whole batch)."""
    s = _stance(leaders, mo.proposer, mo.target)
    x = _lean(mask, mo, leaders, ctx, facts, params)
    return _tally(mask, blocs, seated, s, x, needed, draws, params)


@kernel
def _tally(mask, blocs, seated, s, x, needed, draws, params):  # pragma: no cover - compiled
    """The count of `tally`, run by run: `s` (B, L) stances, `x` (B,) lean; `draws` the replicate
    ids and the keys of the vote's mood and of its blocs."""
    reps, key_mood, key_vote = draws
    noise, bandwagon, discipline = params.vote_noise, params.bandwagon, params.bloc_discipline
    B, L = seated.shape
    yes = np.zeros(B, dtype=np.int64)
    no = np.zeros(B, dtype=np.int64)
    abst = np.zeros(B, dtype=np.int64)
    passed = np.zeros(B, dtype=np.bool_)
    for r in range(B):
        if not mask[r]:
            continue
        size = 0.0
        side = 0.0
        for b in range(L + 1):
            size += blocs[r, b]
        for b in range(L):
            size += seated[r, b]
            side += (blocs[r, b] + seated[r, b]) * s[r, b]
        side /= max(size, 1.0)
        base = x[r] + bandwagon * side + noise * draw_normal(reps[r], key_mood, 0)
        y = 0.0
        n_ = 0.0
        a_ = 0.0
        for b in range(L + 1):
            logit = base + (discipline * s[r, b] if b < L else 0.0)
            py = 1.0 / (1.0 + np.exp(-logit))
            n = float(blocs[r, b])
            z = draw_normal(reps[r], key_vote, b)
            yb = min(max(np.rint(n * py + np.sqrt(n * py * (1.0 - py)) * z), 0.0), n)
            ab = min(np.rint((n - yb) * 0.1 * (1.0 - abs(2.0 * py - 1.0))), n - yb)
            y += yb
            a_ += ab
            n_ += n - yb - ab
            if b < L and seated[r, b]:
                own = s[r, b] > 0 or (s[r, b] == 0 and base > 0)
                if own:
                    y += 1.0
                else:
                    n_ += 1.0
        yes[r] = int(y)
        no[r] = int(n_)
        abst[r] = int(a_)
        cast = max(y + n_, 1.0)
        passed[r] = y > n_ and y >= needed[r] * cast
    return yes, no, abst, passed


def reveal(spec: Spec, st: State, mask: np.ndarray) -> None:
    """A recorded tally shows who controls which votes: every observer's insight grows by
    `insight_reveal` of what he does not yet see, in the runs of `mask` (B,) bool.

    Reads: params.insight_reveal. Writes: leaders.insight (B, L, L) in [0, 1]."""
    _reveal(st.leaders.insight, mask, spec.params.insight_reveal)


@kernel
def _reveal(insight, mask, rate):  # pragma: no cover - compiled
    B, L, _ = insight.shape
    for r in range(B):
        if mask[r]:
            for i in range(L):
                for j in range(L):
                    insight[r, i, j] += rate * (1.0 - insight[r, i, j])
