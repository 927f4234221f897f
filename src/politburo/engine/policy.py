"""The leaders' built-in policy (docs/model.md §7.7): each chooses one action a month by utility
with noise (a multinomial logit), within the powers of his offices, and in a meeting month the
rival he would bring a motion against. `engine.players` lets another policy (a script, a
human) play any leader instead."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from politburo.engine.common import controls, dist_row, holds, party_line
from politburo.engine.documents import publish_utility
from politburo.engine.jit import kernel
from politburo.engine.ladder import EXPEL, REMOVE_COMMITTEE, REMOVE_OFFICE, RUNG, next_rung
from politburo.engine.rng import Streams, draw_uniform
from politburo.engine.spec import ANY_TOP, Spec
from politburo.engine.state import State
from politburo.engine.votes import ALLY_COMMITMENT, charging, ideology_lean_scalar

LIE_LOW, POLEMIC, FACTION, SHIFT, RECANT, PUBLISH, MOTION = range(7)
ACTIONS = ("lie_low", "polemic", "faction", "shift", "recant", "publish", "motion")
N_ACTIONS = len(ACTIONS)


class Held(NamedTuple):
    """The powers a leader's choice depends on, (B, L) bool each."""

    press: np.ndarray  # holds the press in person
    top: np.ndarray  # holds the top office in person
    appoint: np.ndarray  # controls appointments, in person or through a client


class View(NamedTuple):
    """The committee and the rivals as the leaders see them when weighing a motion (B, L) each."""

    member: np.ndarray  # bool, a principal seated in the committee (not expelled)
    standing: np.ndarray  # prestige + 0.5 heir legitimacy
    fit: np.ndarray  # distance from the party's line
    charging: np.ndarray  # bool, can bring a disciplinary charge at full weight
    army: np.ndarray  # float 0/1, commands the army
    committee: np.ndarray  # (B, L + 1) int, Central Committee blocs (seen through insight)
    doc_force: np.ndarray  # (B, D) force of each document
    size: float  # the Central Committee's size in force


class Ladder(NamedTuple):
    """Where each leader stands on the sanction ladder (B, L) each."""

    rung: np.ndarray  # int, the next motion against him (-1 none)
    office: np.ndarray  # int, his most visible office (-1 none)
    since: np.ndarray  # int, months since his last rung


def _view(spec: Spec, st: State, size: float) -> View:
    lead = st.leaders
    return View(lead.in_committee & ~lead.expelled, lead.prestige + 0.5 * lead.heir,
                _fit(lead.ideology, party_line(st)), charging(spec, st),
                holds(spec, st, "army").astype(np.float64), st.bodies.committee, st.documents.force, size)


@kernel
def _fit(ideology, line):  # pragma: no cover - compiled
    """Each leader's distance from the party's line (as `common.dist_row`)."""
    B, L, _ = ideology.shape
    out = np.empty((B, L))
    for r in range(B):
        for i in range(L):
            out[r, i] = dist_row(ideology[r, i], line[r])
    return out


@kernel
def _motion_choice(U, free, th, ladder, leaders, view, facts, params):  # pragma: no cover - compiled
    """Each leader's best motion at a meeting: the candidate (his coalition's target, or the
    most threatening rival attacking him who has given grounds), returned, and its utility,
    into U (-inf none, and no candidate then)."""
    target, grounds, faction, allied = leaders.target, leaders.grounds, leaders.faction, leaders.allied
    rung, office, since = ladder
    pause, ban, ambition, threshold = (params.ladder_pause, params.faction_ban > 0, facts.ambition,
                                       params.motion_threshold)
    B, L = target.shape
    open_ = np.zeros((B, L), dtype=np.bool_)
    for r in range(B):
        for j in range(L):
            o = rung[r, j] >= 0 and not since[r, j] < pause
            if rung[r, j] == EXPEL and not (faction[r, j] and ban):
                o = False
            open_[r, j] = o
    rel = np.empty((B, L, L))
    hostile = np.zeros((B, L, L), dtype=np.bool_)
    own_cand = np.full((B, L), -1, dtype=np.int64)
    h_cand = np.full((B, L), -1, dtype=np.int64)
    for r in range(B):
        for i in range(L):
            if not free[r, i]:
                continue  # no motion whatever the candidates (U -inf, no target)
            m = 0.0
            first = True
            for j in range(L):
                v = th[r, i, j] if np.isfinite(th[r, i, j]) else 0.0
                if first or v > m:
                    m = v
                    first = False
            m = max(m, 1e-9)
            best = -1.0
            bj = 0
            for j in range(L):
                v = th[r, i, j] if np.isfinite(th[r, i, j]) else 0.0
                rel[r, i, j] = v / m
                h = (target[r, j] == i and (grounds[r, j] > 0.5 or faction[r, j]) and j != i
                     and not allied[r, i, j])
                hostile[r, i, j] = h
                score = rel[r, i, j] if h and open_[r, j] else -1.0
                if j == 0 or score > best:
                    best = score
                    bj = j
            if best >= 0:
                h_cand[r, i] = bj
            ti = target[r, i]
            if ti >= 0 and open_[r, ti]:
                own_cand[r, i] = ti
            if h_cand[r, i] == own_cand[r, i]:
                h_cand[r, i] = -1  # the same motion again: the same utility, never strictly better
    target_of = np.full((B, L), -1, dtype=np.int64)
    best_u = np.full((B, L), -np.inf)
    for k in range(2):
        cand = own_cand if k == 0 else h_cand
        pe = _estimate(cand, rung, office, leaders, view, facts, params)
        for r in range(B):
            for i in range(L):
                c = cand[r, i]
                if c < 0:
                    continue
                value = rel[r, i, c] + (1.0 if hostile[r, i, c] else 0.0)
                um = ambition[i] * (pe[r, i] - threshold) * 3.0 * value
                if um > best_u[r, i]:
                    target_of[r, i] = c
                    best_u[r, i] = um
    for r in range(B):
        for i in range(L):
            u = best_u[r, i] if free[r, i] else -np.inf
            U[r, i, MOTION] = u
            if not np.isfinite(u):
                target_of[r, i] = -1
    return target_of


@kernel
def _estimate(cand, rung, office, leaders, view, facts, params):  # pragma: no cover - compiled
    """(B, L): leader i's estimate that a motion of his against cand[:, i] would pass, as he
    perceives the committee (clients of a patron he underrates look uncommitted to him): the
    vote model of `votes.tally` without noise."""
    allied, target, submitted, insight = leaders.allied, leaders.target, leaders.submitted, leaders.insight
    grounds, faction = leaders.grounds, leaders.faction
    member, standing, fit, charging, army = view.member, view.standing, view.fit, view.charging, view.army
    committee, doc_force, size = view.committee, view.doc_force, view.size
    doc_removal = facts.doc_removal
    charge = params.faction_ban * params.factionalism_charge
    B, L = cand.shape
    out = np.zeros((B, L))
    s = np.zeros(L)
    den = np.empty(5)
    have = np.zeros(5, dtype=np.bool_)
    for r in range(B):
        for i in range(L):
            j = cand[r, i]
            if j < 0:
                continue
            rj = rung[r, j]
            oj = office[r, j]
            lean = params.prestige_weight * (standing[r, i] - standing[r, j])
            lean += ideology_lean_scalar(params.ideology_weight, fit[r, i], fit[r, j])
            lean -= params.severity * RUNG[max(rj, 0)]
            if oj >= 0 and rj == REMOVE_OFFICE and facts.powers[oj, ANY_TOP]:
                lean -= 2.0 * params.severity
            lean += params.grounds_weight * (min(grounds[r, j], 2.0) - 1.0)
            if faction[r, j]:
                lean += charge if charging[r, i] else 0.5 * charge
            lean += 0.5 * params.bonaparte_fear * army[r, j]
            if rj == REMOVE_OFFICE:
                for d in range(doc_removal.shape[0]):
                    if doc_removal[d, j] == oj:
                        lean += params.removal_push * doc_force[r, d]
            seen_total = 0.0
            side = 0.0
            n_member = 0.0
            for b in range(L):
                if b == i:
                    sb = 1.0
                elif b == j:
                    sb = -1.0
                else:
                    sc = 0
                    if submitted[r, b]:
                        sc = 1
                    else:
                        sc = 2 * allied[r, i, b] + (target[r, b] == j) - 2 * allied[r, j, b] - (target[r, b] == i)
                    sb = ALLY_COMMITMENT * ((sc > 0) - (sc < 0))
                s[b] = sb
                seen = committee[r, b] * insight[r, i, b]
                seen_total += seen
                side += (seen + member[r, b]) * sb
                n_member += member[r, b]
            side /= size
            base = lean + params.bandwagon * side
            yes = 0.0
            # a side takes five values (±1, ±0.5, 0): each logistic computed once
            for k in range(5):
                have[k] = False
            for b in range(L):
                seen = committee[r, b] * insight[r, i, b]
                if seen != 0.0:  # an unseen bloc adds exactly 0 (for finite parameters)
                    sb = s[b]
                    k = 0 if sb == 1.0 else 1 if sb == -1.0 else 2 if sb == 0.5 else 3 if sb == -0.5 else 4
                    if not have[k]:
                        den[k] = 1.0 + np.exp(-(base + params.bloc_discipline * sb))
                        have[k] = True
                    yes += seen / den[k]
                if member[r, b] and s[b] > 0:
                    yes += 1.0
            unaligned = size - seen_total - n_member
            yes += unaligned / (1.0 + np.exp(-base))
            needed = params.supermajority if rj >= REMOVE_COMMITTEE else 0.5
            out[r, i] = 1.0 / (1.0 + np.exp(-12.0 * (yes / size - needed)))
    return out


def choose(spec: Spec, st: State, rng: Streams, th: np.ndarray, running: np.ndarray,
           meeting: bool) -> tuple[np.ndarray, np.ndarray]:
    """Step 9, the built-in policy: every leader's action this month.

    Each action has a utility (lie low, polemic, faction, shift, recant, publish, motion; -inf
    where not open to him) and the leader picks the largest utility plus Gumbel noise of scale
    `policy_noise` (a multinomial logit choice; McFadden 1974). In a meeting month the motion's
    utility rests on his own estimate of its chance of passing (`_estimate`).

    Reads: leaders (target, allied, insight, faction, removed, expelled, submitted, in_committee,
        ideology, grounds, last_sanction, prestige, heir); records.defeated; bodies.committee;
        documents public, force; who holds press, top office, army and controls appointments and
        the control commission; `th` (B, L, L) threat; facts traits; params policy_noise,
        polemics, faction_drive, faction_ban, shift_step, shift_cost, recant_threshold,
        desperation, ladder_pause, motion_threshold and the vote weights.
    Writes: nothing. Returns (B, L) action codes (ACTIONS) and (B, L) motion targets (-1 none)."""
    U, target_of = utilities(spec, st, th, running, meeting)
    return _noisy_argmax(U, running, spec.params.policy_noise, rng.reps, rng.key("policy", st.month), target_of)


def utilities(spec: Spec, st: State, th: np.ndarray, running: np.ndarray,
              meeting: bool) -> tuple[np.ndarray, np.ndarray]:
    """(B, L, 7) each leader's utility of each action (-inf: not open to him) and (B, L) the
    rival his motion would target (-1 none), before the noise of `choose`.

    Reads: as `choose`, without the noise.
    Writes: nothing."""
    p = spec.params
    lead = st.leaders
    t = st.month
    active = running[:, None] & ~lead.submitted
    free = active & ~lead.expelled
    size = float(spec.committee_size[min(t, spec.months - 1)])
    held = Held(holds(spec, st, "press"), holds(spec, st, "top_party_office"), controls(spec, st, "appoint"))
    U, losing = _utilities(lead, st.records.defeated, st.bodies.committee, held, active, free, party_line(st),
                           spec.facts, p, size)
    for d in range(len(spec.document_names)):
        if not 0 <= spec.doc_arrival[d] < t:
            continue
        publish_utility(U[:, :, PUBLISH], th, lead.allied, d, st.documents.public, active, losing, spec.facts, p)
    target_of = np.full((st.B, spec.L), -1)
    if meeting:
        rung, office = next_rung(spec, st)
        # Candidates: his coalition's target, and the most threatening rival attacking him
        # who has given grounds (polemics, a faction).
        target_of = _motion_choice(U, free, th, Ladder(rung, office, t - lead.last_sanction), lead,
                                   _view(spec, st, size), spec.facts, p)
    return U, target_of


@kernel
def _utilities(leaders, defeated, committee, held, active, free, line, facts, params,
               size):  # pragma: no cover - compiled
    """Utility of lying low, a polemic, a faction, a change of line and a recantation; -inf
    where an action is not open. Also returns whether each leader's coalition is losing (holds
    under 35% of the committee as he perceives it)."""
    polemics, drive, ban, step_max = params.polemics, params.faction_drive, params.faction_ban, params.shift_step
    shift_cost, recant_threshold = params.shift_cost, params.recant_threshold
    target, allied, insight, faction = leaders.target, leaders.allied, leaders.insight, leaders.faction
    removed, expelled, in_committee, ideology = (leaders.removed, leaders.expelled, leaders.in_committee,
                                                 leaders.ideology)
    press, top, appoint = held.press, held.top, held.appoint
    ambition, caution, rigidity, oratory = facts.ambition, facts.caution, facts.rigidity, facts.oratory
    n_actions = N_ACTIONS
    B, L = target.shape
    A = ideology.shape[2]
    U = np.full((B, L, n_actions), -np.inf)
    losing = np.zeros((B, L), dtype=np.bool_)
    for r in range(B):
        for i in range(L):
            amb, cau, rig = ambition[i], caution[i], rigidity[i]
            U[r, i, LIE_LOW] = 0.15 * cau
            if not active[r, i]:
                continue  # every other action needs him active (free implies active); `losing` unused
            has_t = target[r, i] >= 0
            if polemics > 0 and active[r, i] and has_t:
                U[r, i, POLEMIC] = amb * (0.5 * oratory[i] + 0.4 * press[r, i]) - 0.6 * cau - 0.1
            # coalition strength in the committee as he perceives it
            mine = 0.0
            any_ally = False
            lead = top[r, i]
            for k in range(L):
                if k == i or allied[r, i, k]:
                    mine += committee[r, k] * insight[r, i, k]
                if allied[r, i, k]:
                    any_ally = True
                    lead = lead or top[r, k]
            mine /= size
            losing[r, i] = mine < 0.35
            # Only an opposition organises; the more desperate, the more it pays; the ban deters.
            if free[r, i] and has_t and not faction[r, i] and any_ally and losing[r, i] and not lead:
                U[r, i, FACTION] = drive * amb * 4.0 * (0.5 - mine) - 1.5 * cau * ban
            # distance to where he would like to stand (world.desired_position, computed in place)
            t = target[r, i]
            d2 = 0.0
            for a in range(A):
                v = line[r, a]
                if t >= 0:
                    v += 0.5 * (line[r, a] - ideology[r, t, a])
                x = min(max(v, -1.0), 1.0) - ideology[r, i, a]
                d2 += x * x
            dist = np.sqrt(d2)
            if free[r, i] and dist > 0.05:
                step = min(dist, step_max)
                # A change of line costs with rigidity and distance; the apparatus's man pays least.
                cost = shift_cost * 10.0 * rig * step * (1.0 - 0.5 * appoint[r, i]) + 0.05
                U[r, i, SHIFT] = 3.0 * amb * step - cost
            pressure = (1.0 * removed[r, i] + (0.5 if faction[r, i] and ban > 0 else 0.0)
                        + 1.5 * expelled[r, i] + (0.0 if in_committee[r, i] else 0.5)
                        + (0.5 if defeated[r, i] >= 0 else 0.0))
            if active[r, i] and pressure > 0.9:
                U[r, i, RECANT] = 0.5 * cau * pressure - 1.5 * amb - recant_threshold
    return U, losing


# Gumbel noise -log(-log(u)) at u = m / _GRID (-inf at 0, +inf at 1): brackets of the noise
# of a draw, so that only actions that can still win need their noise computed exactly.
_GRID = 1024
with np.errstate(divide="ignore"):
    _GUMBEL_AT = -np.log(-np.log(np.arange(_GRID + 1) / _GRID))
_GUMBEL_AT[0], _GUMBEL_AT[-1] = -np.inf, np.inf
_SLACK = 1e-9  # relative; far wider than any rounding difference between log implementations


@kernel
def _noisy_argmax(U, running, scale, reps, key, target_of):  # pragma: no cover - compiled
    """The action with the highest utility plus Gumbel noise (a logit choice); lie low when
    the run is over. Returns the actions and the targets of those who chose a motion (-1 else).

    Exactly as computing every action's noise: each draw's noise is first bracketed from a
    table (the noise grows with the draw), and only actions whose upper bound reaches the best
    lower bound get it computed; the others cannot win (nor tie)."""
    B, L, K = U.shape
    out = np.zeros((B, L), dtype=np.int64)
    lo = np.empty(K)
    hi = np.empty(K)
    us = np.empty(K)
    gt = _GUMBEL_AT
    for r in range(B):
        if not running[r]:
            continue
        for i in range(L):
            n_open = 0
            only = 0
            for a in range(K):
                if np.isfinite(U[r, i, a]):
                    n_open += 1
                    only = a
            if n_open <= 1:
                out[r, i] = only  # a single open action wins whatever its noise
                continue
            if scale > 0:
                floor = -np.inf
                for a in range(K):
                    u_ = U[r, i, a]
                    if not np.isfinite(u_):
                        continue
                    x = draw_uniform(reps[r], key, i * K + a)
                    us[a] = x
                    m = int(x * _GRID)
                    glo, ghi = gt[m], gt[m + 1]
                    lo[a] = u_ + scale * glo - _SLACK * (abs(u_) + scale * abs(glo) + 1.0)
                    hi[a] = u_ + scale * ghi + _SLACK * (abs(u_) + scale * abs(ghi) + 1.0)
                    floor = max(floor, lo[a])
                n_cand = 0
                for a in range(K):
                    if np.isfinite(U[r, i, a]) and hi[a] >= floor:
                        n_cand += 1
                        only = a
                if n_cand == 1:
                    out[r, i] = only  # the only one that can win: its exact noise changes nothing
                    continue
                best = -np.inf
                for a in range(K):
                    if np.isfinite(U[r, i, a]) and hi[a] >= floor:
                        v = U[r, i, a] + scale * -np.log(-np.log(us[a]))
                        if v > best:
                            best = v
                            out[r, i] = a
                continue
            best = -np.inf
            for a in range(K):
                if np.isfinite(U[r, i, a]):
                    v = U[r, i, a] + scale * -np.log(-np.log(draw_uniform(reps[r], key, i * K + a)))
                    if v > best:
                        best = v
                        out[r, i] = a
    chosen = np.full((B, L), -1, dtype=np.int64)
    for r in range(B):
        for i in range(L):
            if out[r, i] == MOTION:
                chosen[r, i] = target_of[r, i]
    return out, chosen
