"""Small shared computations over the state."""

from __future__ import annotations

import numpy as np

from politburo.engine.spec import Spec
from politburo.engine.state import State


def holds(spec: Spec, st: State, power: str) -> np.ndarray:
    """(B, L) bool: the leader holds in person an office with this power."""
    offices = spec.power(power)
    out = np.zeros((st.B, spec.L), dtype=bool)
    for o in np.flatnonzero(offices):
        h = st.holder[:, o]
        ok = h >= 0
        out[np.flatnonzero(ok), h[ok]] = True
    return out


def controls(spec: Spec, st: State, power: str) -> np.ndarray:
    """(B, L) bool: the leader holds the power in person or through a client."""
    out = holds(spec, st, power)
    for o in np.flatnonzero(spec.power(power)):
        p = st.office_patron[:, o]
        ok = p >= 0
        out[np.flatnonzero(ok), p[ok]] = True
    return out


def offices_held(spec: Spec, st: State) -> np.ndarray:
    """(B, L) number of offices held in person."""
    out = np.zeros((st.B, spec.L), dtype=np.int64)
    for o in range(spec.O):
        h = st.holder[:, o]
        ok = h >= 0
        np.add.at(out, (np.flatnonzero(ok), h[ok]), 1)
    return out


def distance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Euclidean distance between positions on the ideological axes (last axis)."""
    return np.sqrt(((x - y) ** 2).sum(axis=-1))


def party_line(st: State) -> np.ndarray:
    """(B, A) members' average sentiment, weighted by membership."""
    w = st.members / st.members.sum(axis=1, keepdims=True)
    return (st.sentiment * w[:, :, None]).sum(axis=1)


def alive(st: State) -> np.ndarray:
    """(B, L) leaders still in the game: not expelled."""
    return ~st.expelled


def contender(st: State) -> np.ndarray:
    """(B, L) leaders still in contention: not defeated, not submitted, not expelled."""
    return (st.defeated < 0) & ~st.submitted & ~st.expelled


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def largest_remainder(weights: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Split integer `total` (B,) across columns in proportion to `weights` (B, K)."""
    w = np.maximum(weights, 0.0)
    s = w.sum(axis=1, keepdims=True)
    share = np.where(s > 0, w / np.where(s > 0, s, 1.0), 0.0)
    share[:, -1] = np.where(s[:, 0] > 0, share[:, -1], 1.0)
    exact = share * total[:, None]
    base = np.floor(exact).astype(np.int64)
    left = total - base.sum(axis=1)
    rank = np.argsort(-(exact - base), axis=1, kind="stable")
    add = np.zeros_like(base)
    k = np.arange(w.shape[1])[None, :] < left[:, None]
    np.put_along_axis(add, rank, k.astype(np.int64), axis=1)
    return base + add
