"""Ideology and the economy: shocks move which positions look vindicated, members'
sentiment drifts toward them, and leaders whose line fits the mood gain standing."""

from __future__ import annotations

import numpy as np
from numba import njit

from politburo.engine import log as lg
from politburo.engine.common import distance, party_line
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State


def world(spec: Spec, st: State, rng: Streams, log: lg.Log, running: np.ndarray) -> None:
    p = spec.params
    t = st.month
    A = len(spec.axis_names)
    shock = spec.econ_mean[t] + spec.econ_sd[t] * rng.normal("economy", t, (), 1)
    st.economy = (p["economy_persistence"] * st.economy
                  + p["economy_noise"] * rng.normal("economy", t) + shock)
    if spec.econ_mean[t] != 0:
        log.event(t, lg.ECONOMY, running, np.rint(shock * 100).astype(np.int64))
    foreign = spec.foreign_mean[t] + spec.foreign_sd[t] * rng.normal("foreign", t, (A,))
    st.vindication = 0.97 * st.vindication + foreign
    pull = st.vindication.copy()
    pull[:, 0] += p["economy_pull"] * st.economy  # a bad economy discredits the high end of the first axis
    _drift(st.sentiment, spec.sentiment0, pull, p["sentiment_drift"], spec.high_appeal)
    st.line_month = -1
    # Standing follows fit with the party's mood, the appeal of each axis, and reverts slowly.
    fit = -distance(st.ideology, party_line(st)[:, None, :])
    fit -= fit.mean(axis=1, keepdims=True)
    appeal = (st.ideology * spec.high_appeal).sum(axis=2)
    st.prestige += 0.015 * fit + appeal + 0.03 * (spec.prestige0 - st.prestige)
    np.clip(st.prestige, 0.0, 1.5, out=st.prestige)
    st.heir *= 0.99


@njit(cache=True)
def _drift(sentiment, sentiment0, pull, rate, appeal):  # pragma: no cover - compiled
    """Members' sentiment drifts toward their starting mood moved by what events vindicated,
    and toward the high end of an axis with a steady appeal."""
    B, R, A = sentiment.shape
    for r in range(B):
        for q in range(R):
            for a in range(A):
                goal = min(max(sentiment0[q, a] + pull[r, a], -1.0), 1.0)
                v = sentiment[r, q, a] + rate * (goal - sentiment[r, q, a])
                v += appeal[a] * 0.3 * (1.0 - v)
                sentiment[r, q, a] = min(max(v, -1.0), 1.0)


def desired_position(st: State) -> np.ndarray:
    """(B, L, A) where a leader would like to stand: with the party's mood, but set apart from
    his main rival on the side the mood leans (a centrist attacking the right moves left)."""
    return _desired(party_line(st), st.ideology, st.target)


@njit(cache=True)
def _desired(line, ideology, target):  # pragma: no cover - compiled
    B, L, A = ideology.shape
    out = np.empty((B, L, A))
    for r in range(B):
        for i in range(L):
            t = target[r, i]
            for a in range(A):
                v = line[r, a]
                if t >= 0:
                    v += 0.5 * (line[r, a] - ideology[r, t, a])
                out[r, i, a] = min(max(v, -1.0), 1.0)
    return out


def shift(spec: Spec, st: State, who: np.ndarray, log: lg.Log, running: np.ndarray) -> None:
    """Move toward the desired position by at most `shift_step`, paying prestige in proportion
    to rigidity and distance; log a leader whose line crosses to the other side of an axis."""
    p = spec.params
    crossed = _shift(who, desired_position(st), st.ideology, st.prestige, spec.rigidity, p["shift_step"],
                     p["shift_cost"])
    if crossed.any():
        for i, a in zip(*np.nonzero(crossed.any(axis=0)), strict=True):
            side = np.where(st.ideology[:, i, a] < 0, 0, 1)
            log.event(st.month, lg.SHIFT, crossed[:, i, a] & running, i, a, side)


@njit(cache=True)
def _shift(who, desired, ideology, prestige, rigidity, step_max, shift_cost):  # pragma: no cover - compiled
    B, L, A = ideology.shape
    crossed = np.zeros((B, L, A), dtype=np.bool_)
    for r in range(B):
        for i in range(L):
            if not who[r, i]:
                continue
            d2 = 0.0
            for a in range(A):
                x = desired[r, i, a] - ideology[r, i, a]
                d2 += x * x
            dist = np.sqrt(d2)
            step = min(dist, step_max)
            for a in range(A):
                before = np.sign(ideology[r, i, a])
                ideology[r, i, a] += (desired[r, i, a] - ideology[r, i, a]) / max(dist, 1e-9) * step
                crossed[r, i, a] = before != 0 and np.sign(ideology[r, i, a]) != before
            prestige[r, i] = min(max(prestige[r, i] - shift_cost * rigidity[i] * step, 0.0), 1.5)
    return crossed
