"""Ideology and the economy (docs/model.md §7.1): shocks move which positions look
vindicated, members' sentiment drifts toward them, leaders whose line fits the mood gain
standing; leaders who choose to change their line move toward where they would like to stand."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import dist_row, line_row, put, pw_sum
from politburo.engine.jit import kernel
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State


def update(spec: Spec, st: State, rng: Streams, log: Log, running: np.ndarray) -> None:
    """Step 1 of the month: economic and foreign shocks, the drift of members' sentiment, the
    party's line, prestige following fit with it, and the decay of heir legitimacy.

    Reads: spec's economic and foreign shock schedule; regions.members (B, R);
        leaders.ideology (B, L, A); params economy_persistence, economy_noise, economy_pull,
        sentiment_drift.
    Writes: world.economy (B,), world.vindication (B, A), world.line (B, A), regions.sentiment
        (B, R, A), leaders.prestige (B, L) in [0, 1.5], leaders.heir (B, L); an ECONOMY event in a
        month with a scheduled economic shock."""
    t = st.month
    A = len(spec.axis_names)
    T = spec.months
    ev = np.empty((st.B, 6), dtype=np.int64)
    shocks = (spec.econ_mean[t], spec.econ_sd[t], spec.foreign_mean[t], spec.foreign_sd[t])
    draws = (rng.normal_table("economy", T, (), 1), rng.normal_table("economy", T),
             rng.normal_table("foreign", T, (A,)))
    n = _update(t, shocks, draws, spec.facts, spec.params, st.world, st.regions, st.leaders, running, ev)
    st.line_month = t
    log.event_block(t, ev, n)


@kernel
def _update(t, shocks, draws, facts, params, world, regions, leaders, running, ev):  # pragma: no cover
    """`update`, run by run."""
    econ_mean, econ_sd, foreign_mean, foreign_sd = shocks
    z_shock, z_noise, z_foreign = draws
    economy, vindication, line = world.economy, world.vindication, world.line
    sentiment, members = regions.sentiment, regions.members
    ideology, prestige, heir = leaders.ideology, leaders.prestige, leaders.heir
    log_economy = econ_mean != 0
    B, R, A = sentiment.shape
    L = ideology.shape[1]
    pull = np.empty((1, A))
    w = np.empty(R)
    tmp = np.empty(R)
    fit = np.empty(L)
    n = 0
    for r in range(B):
        shock = econ_mean + econ_sd * z_shock[r, t, 0]
        economy[r] = params.economy_persistence * economy[r] + params.economy_noise * z_noise[r, t, 0] + shock
        if log_economy and running[r]:
            n = put(ev, n, 0, r, lg.ECONOMY, np.int64(np.rint(shock * 100)), -1, -1)
        for a in range(A):
            vindication[r, a] = 0.97 * vindication[r, a] + (foreign_mean[a] + foreign_sd[a] * z_foreign[r, t, a])
            pull[0, a] = vindication[r, a]
        pull[0, 0] += params.economy_pull * economy[r]
        _drift(sentiment[r:r + 1], facts.sentiment0, pull, params.sentiment_drift, facts.high_appeal)
        line_row(members, sentiment, r, w, tmp, line[r])
        for i in range(L):
            fit[i] = -dist_row(ideology[r, i], line[r])
        mean = pw_sum(fit, 0, L) / L
        for i in range(L):
            f = fit[i] - mean
            appeal = 0.0
            for a in range(A):
                appeal += ideology[r, i, a] * facts.high_appeal[a]
            v = prestige[r, i] + (0.015 * f + appeal + 0.03 * (facts.prestige0[i] - prestige[r, i]))
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


def change_line(spec: Spec, st: State, who: np.ndarray, line: np.ndarray, log: Log, running: np.ndarray) -> None:
    """Step 12: leaders in `who` (B, L) bool, who chose to shift, move toward the position they
    would like to hold by at most `shift_step`, paying prestige in proportion to rigidity and
    distance; a line that crosses to the other side of an axis is logged.

    Reads: leaders.target (B, L); `line` (B, A) the party's line; facts.rigidity;
        params shift_step, shift_cost.
    Writes: leaders.ideology (B, L, A) in [-1, 1], leaders.prestige (B, L) in [0, 1.5]; SHIFT events."""
    B, L = who.shape
    ev = np.empty((B * L * line.shape[1], 6), dtype=np.int64)
    n = _change_line(who, line, st.leaders, spec.facts, spec.params, running, ev)
    log.event_block(st.month, ev, n)


@kernel
def _change_line(who, party, leaders, facts, params, running, ev):  # pragma: no cover - compiled
    """`change_line`, run by run."""
    ideology, prestige, target = leaders.ideology, leaders.prestige, leaders.target
    B, L, A = ideology.shape
    desired = np.empty((1, L, A))
    n = 0
    for r in range(B):
        moving = False
        for i in range(L):
            moving = moving or who[r, i]
        if not moving:
            continue
        desired_position(party[r:r + 1], ideology[r:r + 1], target[r:r + 1], desired)
        crossed = _shift(who[r:r + 1], desired, ideology[r:r + 1], prestige[r:r + 1], facts.rigidity,
                         params.shift_step, params.shift_cost)
        if running[r]:
            for i in range(L):
                for a in range(A):
                    if crossed[0, i, a]:
                        n = put(ev, n, i * A + a, r, lg.SHIFT, i, a, 0 if ideology[r, i, a] < 0 else 1)
    return n


@kernel
def desired_position(line, ideology, target, out):  # pragma: no cover - compiled
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
