"""Ideology and the economy: shocks move which positions look vindicated, members'
sentiment drifts toward them, and leaders whose line fits the mood gain standing."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import dist_row, line_row, put, pw_sum
from politburo.engine.jit import kernel
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State


def world(spec: Spec, st: State, rng: Streams, log: lg.Log, running: np.ndarray) -> None:
    p = spec.params
    t = st.month
    A = len(spec.axis_names)
    T = spec.months
    ev = np.empty((st.B, 6), dtype=np.int64)
    st.line = np.empty((st.B, A))
    n = _world(t, spec.econ_mean[t], spec.econ_sd[t], spec.foreign_mean[t], spec.foreign_sd[t],
               rng.normal_table("economy", T, (), 1), rng.normal_table("economy", T),
               rng.normal_table("foreign", T, (A,)), st.economy, st.vindication, st.sentiment,
               spec.sentiment0, spec.high_appeal, st.members, st.ideology, st.prestige, spec.prestige0,
               st.heir, st.line, p["economy_persistence"], p["economy_noise"], p["economy_pull"],
               p["sentiment_drift"], spec.econ_mean[t] != 0, running, ev)
    st.line_month = t
    log.event_block(t, ev, n)


@kernel
def _world(t, econ_mean, econ_sd, foreign_mean, foreign_sd, z_shock, z_noise, z_foreign, economy, vindication,
           sentiment, sentiment0, high_appeal, members, ideology, prestige, prestige0, heir, line, persistence,
           noise, economy_pull, drift, log_economy, running, ev):  # pragma: no cover - compiled
    """Shocks, the drift of sentiment, the party's line and standing, run by run."""
    B, R, A = sentiment.shape
    L = ideology.shape[1]
    pull = np.empty((1, A))
    w = np.empty(R)
    tmp = np.empty(R)
    fit = np.empty(L)
    n = 0
    for r in range(B):
        shock = econ_mean + econ_sd * z_shock[r, t, 0]
        economy[r] = persistence * economy[r] + noise * z_noise[r, t, 0] + shock
        if log_economy and running[r]:
            n = put(ev, n, 0, r, lg.ECONOMY, np.int64(np.rint(shock * 100)), -1, -1)
        for a in range(A):
            vindication[r, a] = 0.97 * vindication[r, a] + (foreign_mean[a] + foreign_sd[a] * z_foreign[r, t, a])
            pull[0, a] = vindication[r, a]
        pull[0, 0] += economy_pull * economy[r]
        _drift(sentiment[r:r + 1], sentiment0, pull, drift, high_appeal)
        line_row(members, sentiment, r, w, tmp, line[r])
        for i in range(L):
            fit[i] = -dist_row(ideology[r, i], line[r])
        mean = pw_sum(fit, 0, L) / L
        for i in range(L):
            f = fit[i] - mean
            appeal = 0.0
            for a in range(A):
                appeal += ideology[r, i, a] * high_appeal[a]
            v = prestige[r, i] + (0.015 * f + appeal + 0.03 * (prestige0[i] - prestige[r, i]))
            prestige[r, i] = min(max(v, 0.0), 1.5)
            heir[r, i] *= 0.99
    return n


@kernel
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


@kernel
def _desired_run(line, ideology, target, out):  # pragma: no cover - compiled
    """(B, L, A) into `out`: where a leader would like to stand: with the party's mood, but set
    apart from his main rival on the side the mood leans (a centrist attacking the right moves left)."""
    B, L, A = ideology.shape
    for r in range(B):
        for i in range(L):
            t = target[r, i]
            for a in range(A):
                v = line[r, a]
                if t >= 0:
                    v += 0.5 * (line[r, a] - ideology[r, t, a])
                out[r, i, a] = min(max(v, -1.0), 1.0)


@kernel
def _shift_month(who, party, target, ideology, prestige, rigidity, step_max, shift_cost, running,
                 ev):  # pragma: no cover - compiled
    """Leaders in `who` move toward the desired position by at most `shift_step`, paying prestige
    in proportion to rigidity and distance; log a leader whose line crosses to the other side of
    an axis."""
    B, L, A = ideology.shape
    desired = np.empty((1, L, A))
    n = 0
    for r in range(B):
        moving = False
        for i in range(L):
            moving = moving or who[r, i]
        if not moving:
            continue
        _desired_run(party[r:r + 1], ideology[r:r + 1], target[r:r + 1], desired)
        crossed = _shift(who[r:r + 1], desired, ideology[r:r + 1], prestige[r:r + 1], rigidity, step_max,
                         shift_cost)
        if running[r]:
            for i in range(L):
                for a in range(A):
                    if crossed[0, i, a]:
                        n = put(ev, n, i * A + a, r, lg.SHIFT, i, a, 0 if ideology[r, i, a] < 0 else 1)
    return n


@kernel
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
