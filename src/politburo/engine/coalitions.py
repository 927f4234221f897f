"""Coalitions: each leader balances against the rival he perceives as most threatening and
allies with those who share the target and stand close enough in ideology. When the target
is neutralised the coalition dissolves and the next rival becomes the target."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import contender, distance, holds
from politburo.engine.spec import Spec
from politburo.engine.state import State


def _masks(target: np.ndarray, allied: np.ndarray, L: int) -> np.ndarray:
    """(B, L) bitmask of the coalition against each leader: those who target him, with allies
    of theirs who fight another member of his camp (only leaders with an ally count)."""
    onehot = (target[:, :, None] == np.arange(L)[None, None, :]) & allied.any(axis=2)[:, :, None]
    member = onehot | np.einsum("bik,bkj->bij", allied.astype(np.int64), onehot.astype(np.int64)).astype(bool)
    bits = (1 << np.arange(L))[None, :, None]
    return (member * bits).sum(axis=1)


def _popcount(x: np.ndarray) -> np.ndarray:
    n = np.zeros_like(x)
    y = x.copy()
    while y.any():
        n += y & 1
        y >>= 1
    return n


def threat(spec: Spec, st: State, perceived: np.ndarray) -> np.ndarray:
    """(B, observer, observed) threat; -inf where the observed is no longer a contender."""
    p = spec.params
    army = holds(spec, st, "army")
    dist = distance(st.ideology[:, :, None, :], st.ideology[:, None, :, :])
    th = perceived * (1.0 + p["bonaparte_fear"] * army[:, None, :]) * (0.15 + dist)
    # A rival who attacks me looms larger.
    L = spec.L
    attacks = st.target[:, None, :] == np.arange(L)[None, :, None]
    th = th * (1.0 + 0.5 * attacks)
    # A partner in the current coalition is not turned on lightly.
    th = th * (1.0 - p["alliance_loyalty"] * st.allied)
    valid = contender(st)[:, None, :] & ~np.eye(L, dtype=bool)[None]
    return np.where(valid, th, -np.inf)


def coalitions(spec: Spec, st: State, th: np.ndarray, log: lg.Log, running: np.ndarray) -> np.ndarray:
    """Update targets and alliances; returns (B, L) bitmask of each target's coalition."""
    p = spec.params
    L = spec.L
    rows = np.arange(st.B)[:, None]
    cols = np.arange(L)[None, :]
    dist = distance(st.ideology[:, :, None, :], st.ideology[:, None, :, :])
    best = th.argmax(axis=2)
    best_val = th.max(axis=2)
    cur = st.target
    cur_val = np.where(cur >= 0, th[rows, cols, np.maximum(cur, 0)], -np.inf)
    keep = np.isfinite(cur_val) & (cur_val >= (1.0 - p["target_hysteresis"]) * best_val)
    # Nobody balances against a rival who does not threaten him enough (a like-minded colleague).
    best = np.where(best_val > p["threat_floor"], best, -1)
    target = np.where(keep, cur, np.where(np.isfinite(best_val), best, -1))
    actor = ~st.expelled & ~st.submitted
    target = np.where(actor, target, -1)
    eye = np.eye(L, dtype=bool)[None]
    ok = (dist <= p["alliance_distance"]) & actor[:, :, None] & actor[:, None, :] & ~eye
    has = target >= 0
    both = has[:, :, None] & has[:, None, :]
    same = (target[:, :, None] == target[:, None, :]) & both & ok
    # Leaders fighting two members of one enemy coalition are allies too.
    tc = np.maximum(target, 0)
    rows3 = np.arange(st.B)[:, None, None]
    enemies_allied = same[rows3, tc[:, :, None], tc[:, None, :]] & both
    not_foes = (target[:, :, None] != np.arange(L)[None, None, :]) & (target[:, None, :] != np.arange(L)[None, :, None])
    allied = same | (enemies_allied & ok & not_foes)
    newly = allied & ~st.allied
    # Allying with a recent enemy costs credibility in proportion to past enmity.
    st.prestige -= p["opportunist_cost"] * (newly * st.enmity).sum(axis=2)
    np.clip(st.prestige, 0.0, 1.5, out=st.prestige)
    has = target >= 0
    r, i = np.nonzero(has)
    st.enmity[r, i, target[r, i]] += 1.0 / 12.0
    st.coalition_first = np.where(allied & (st.coalition_first < 0), st.month, st.coalition_first)

    masks = _masks(target, allied, L)
    old = _masks(st.target, st.allied, L)
    # Announce a coalition under the rival most of its members attack (the head of his camp).
    direct = (target[:, :, None] == np.arange(L)[None, None, :]).sum(axis=1)
    camp = allied | np.eye(L, dtype=bool)[None]
    score = direct * (L + 1) + (L - np.arange(L))[None, :]
    head = score >= np.where(camp, score[:, None, :], 0).max(axis=2)
    grown = ((masks & ~old) != 0) & head & (direct > 0)
    if grown.any():
        size = _popcount(masks)
        for j in np.flatnonzero(grown.any(axis=0)):
            log.event(st.month, lg.COALITION, grown[:, j] & (size[:, j] >= 2) & running, j, masks[:, j])
    st.target = target
    st.allied = allied
    return masks
