"""Motions and votes: every member votes by patronage, ideological fit, prestige,
fear of being on the losing side and noise; each vote's tally is recorded."""

from __future__ import annotations

import numpy as np
from numba import njit

from politburo.engine import log as lg
from politburo.engine.common import distance, holds, party_line, sigmoid
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State

ALLY_COMMITMENT = 0.5
DEVIATION_MARGIN = 0.4  # distance from the members' mood that still counts as the party line
RUNG = np.array([0.3, 1.0, 2.0, 3.0, 4.0, 4.0, 0.0])  # severity by motion kind


def ideology_lean(weight: float, dist_proposer: np.ndarray, dist_target: np.ndarray) -> np.ndarray:
    """Members punish a line far from their mood (a deviation) and trust a proposer close to it."""
    return weight * ((dist_target - DEVIATION_MARGIN) - 0.5 * dist_proposer)


@njit(cache=True)
def ideology_lean_scalar(weight: float, dist_proposer: float, dist_target: float) -> float:  # pragma: no cover
    return weight * ((dist_target - DEVIATION_MARGIN) - 0.5 * dist_proposer)


def stance(st: State, proposer: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(B, L) each principal's side on a motion by `proposer` against `target`: +1, 0, -1."""
    rows = np.arange(st.B)
    L = st.target.shape[1]
    b = np.arange(L)[None, :]
    score = (3 * (b == proposer[:, None]) + 2 * st.allied[rows, proposer, :]
             + (st.target == target[:, None])
             - 3 * (b == target[:, None]) - 2 * st.allied[rows, target, :]
             - (st.target == proposer[:, None]))
    score = np.where(st.submitted & (b != target[:, None]), 1, score)  # the submitted vote with the line
    # Proposer and target are fully committed; their allies and enemies half as much.
    s = np.sign(score) * ALLY_COMMITMENT
    s = np.where(b == proposer[:, None], 1.0, s)
    return np.where(b == target[:, None], -1.0, s)


def lean(spec: Spec, st: State, proposer: np.ndarray, target: np.ndarray, motion: np.ndarray,
         office: np.ndarray) -> np.ndarray:
    """(B,) logit of an uncommitted voter for the motion."""
    p = spec.params
    rows = np.arange(st.B)
    standing = st.prestige + 0.5 * st.heir
    line = party_line(st)
    fit_p = distance(line, st.ideology[rows, proposer])
    fit_t = distance(line, st.ideology[rows, target])
    x = p["prestige_weight"] * (standing[rows, proposer] - standing[rows, target])
    x += ideology_lean(p["ideology_weight"], fit_p, fit_t)
    x -= p["severity"] * RUNG[motion]
    top = spec.power("top_party_office")[np.maximum(office, 0)] & (office >= 0)
    x -= 2.0 * p["severity"] * top
    x += p["grounds_weight"] * (np.minimum(st.grounds[rows, target], 2.0) - 1.0)
    charge = st.faction[rows, target] * p["faction_ban"] * p["factionalism_charge"]
    x += np.where(motion >= lg.REMOVE_BUREAU, charge, 0.5 * charge)
    army = holds(spec, st, "army")[rows, target]
    x += 0.5 * p["bonaparte_fear"] * army
    # A published document that asks for the target's removal from this office.
    for d in range(spec.doc_removal.shape[0]):
        asks = spec.doc_removal[d][target] == office
        x += np.where(asks & (motion == lg.REMOVE_OFFICE), p["removal_push"] * st.doc_force[:, d], 0.0)
    return x


def members(spec: Spec, st: State, body: int, delegates: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Bloc counts (B, L + 1) of clients and the (B, L) principals sitting in the body."""
    if body == 0:
        return st.bureau, st.in_bureau & ~st.expelled
    if body == 1:
        return st.committee, st.in_committee & ~st.expelled
    assert delegates is not None
    return delegates, np.zeros_like(st.in_bureau)


def tally(spec: Spec, st: State, rng: Streams, sub: int, body: int, proposer: np.ndarray,
          target: np.ndarray, motion: np.ndarray, office: np.ndarray, mask: np.ndarray,
          delegates: np.ndarray | None = None, lean_x: np.ndarray | None = None,
          needed: np.ndarray | float = 0.5, stance_x: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Count a vote in `body` for the runs in `mask`; returns yes, no, abstain, passed."""
    p = spec.params
    L = spec.L
    blocs, seated = members(spec, st, body, delegates)
    s = stance(st, proposer, target) if stance_x is None else stance_x
    x = lean(spec, st, proposer, target, motion, office) if lean_x is None else lean_x
    size = blocs.sum(axis=1) + seated.sum(axis=1)
    side = ((blocs[:, :L] * s).sum(axis=1) + (seated * s).sum(axis=1)) / np.maximum(size, 1)
    mood = p["vote_noise"] * rng.normal("vote_mood", st.month, (), sub)
    base = x + p["bandwagon"] * side + mood
    logit = np.empty(blocs.shape)
    logit[:, :L] = base[:, None] + p["bloc_discipline"] * s
    logit[:, L] = base
    py = sigmoid(logit)
    z = rng.normal("vote", st.month, (L + 1,), sub)
    n = blocs.astype(float)
    yes = np.clip(np.rint(n * py + np.sqrt(n * py * (1 - py)) * z), 0, n)
    abstain = np.minimum(np.rint((n - yes) * 0.1 * (1 - np.abs(2 * py - 1))), n - yes)
    no = n - yes - abstain
    own = np.where(s > 0, 1, np.where(s < 0, -1, np.where(base[:, None] > 0, 1, -1)))
    y = yes.sum(axis=1) + (seated & (own > 0)).sum(axis=1)
    nn = no.sum(axis=1) + (seated & (own < 0)).sum(axis=1)
    a = abstain.sum(axis=1)
    cast = np.maximum(y + nn, 1)
    passed = (y > nn) & (y >= needed * cast) & mask
    return y.astype(np.int64), nn.astype(np.int64), a.astype(np.int64), passed


def reveal(spec: Spec, st: State, mask: np.ndarray) -> None:
    """A recorded tally shows who controls which votes: rivals' insight grows."""
    r = spec.params["insight_reveal"]
    st.insight = np.where(mask[:, None, None], st.insight + r * (1.0 - st.insight), st.insight)
