"""The circular flow of power: the appointing office replaces regional secretaries with
clients, up to a capacity, where it pays; contact networks win secretaries over; clients
of a fallen patron drift away, in the regions and in the committee."""

from __future__ import annotations

import numpy as np
from numba import njit

from politburo.engine import log as lg
from politburo.engine.common import controls, holds
from politburo.engine.rng import Streams, draw_uniform
from politburo.engine.spec import Spec
from politburo.engine.state import State


def circular_flow(spec: Spec, st: State, rng: Streams, log: lg.Log, running: np.ndarray) -> None:
    p = spec.params
    t = st.month
    L, R = spec.L, spec.R
    appointer = controls(spec, st, "appoint")
    fallen = (st.defeated >= 0) | st.expelled
    pat = st.patron
    has = pat >= 0
    pc = np.maximum(pat, 0)
    rewarded = np.take_along_axis(appointer, pc, axis=1)
    lost_patron = np.take_along_axis(fallen, pc, axis=1)
    decay = p["loyalty_decay"] * np.where(rewarded, 0.2, 1.0) + np.where(lost_patron, 4 * p["loyalty_decay"] + 0.02, 0.0)
    st.loyalty = np.where(has, np.clip(st.loyalty - decay, 0.05, 1.0), st.loyalty)
    st.patron = np.where(has & (st.loyalty < 0.15), -1, st.patron)

    w = st.members / st.members.sum(axis=1, keepdims=True)
    city = holds(spec, st, "city_machine")
    home = spec.home_of
    home_guarded = np.zeros((st.B, R), dtype=bool)
    for r in np.flatnonzero(home >= 0):
        home_guarded[:, r] = city[:, home[r]] & ~fallen[:, home[r]]
    for k in range(L):
        if not appointer[:, k].any():
            continue
        cap = p["appointment_capacity"] * (0.5 + spec.organisation[k])
        guarded = home_guarded & (home[None, :] != k)
        picks = _appoint(appointer[:, k], k, st.patron, st.loyalty, w, guarded, cap,
                         0.7 + 0.3 * spec.organisation[k], rng.reps,
                         rng.key("appointments", t, 2 * k), rng.key("appointments", t, 2 * k + 1))
        for slot in range(picks.shape[1]):
            pick = picks[:, slot]
            notable = (pick >= 0) & (home[np.maximum(pick, 0)] >= 0)
            log.event(t, lg.APPOINT, notable & running, k, pick)
    for k in (int(x) for x in np.flatnonzero(spec.network > 0)):
        prob = p["network_rate"] * spec.network[k] * (1.0 + spec.national)
        u = rng.uniform("network", t, (R,), k)
        guarded = home_guarded & (home[None, :] != k)
        win = (u < prob[None, :]) & (st.patron != k) & ~guarded & ~fallen[:, k:k + 1]
        st.patron = np.where(win, k, st.patron)
        st.loyalty = np.where(win, 0.5, st.loyalty)
    defect(spec, st, rng, fallen)


def defect(spec: Spec, st: State, rng: Streams, fallen: np.ndarray) -> None:
    """Committee and bureau clients of a fallen patron go over to the strongest bloc, at the
    `defection` rate (rounded at random)."""
    _defect(st.committee, st.bureau, fallen, spec.params["defection"], rng.reps,
            rng.key("appointments", st.month, 999))


@njit(cache=True)
def _defect(committee, bureau, fallen, rate, reps, key):  # pragma: no cover - compiled
    B, L = fallen.shape
    for r in range(B):
        strongest = 0
        best = -2
        for k in range(L):
            v = -1 if fallen[r, k] else committee[r, k]
            if v > best:
                best = v
                strongest = k
        for k in range(L):
            if not fallen[r, k] or k == strongest:
                continue
            moving = int(np.floor(committee[r, k] * rate + draw_uniform(reps[r], key, k)))
            committee[r, k] -= moving
            committee[r, strongest] += moving
            moving = int(np.floor(bureau[r, k] * rate + draw_uniform(reps[r], key, L + k)))
            bureau[r, k] -= moving
            bureau[r, strongest] += moving


@njit(cache=True)
def _appoint(appointer, k, patron, loyalty, w, guarded, cap, new_loyalty, reps, key_n,
             key_g):  # pragma: no cover - compiled
    """Replace up to `cap` secretaries (the fraction drawn) where it pays most: large
    organisations whose secretary is not already a loyal client, a rival's client first."""
    B, R = patron.shape
    nmax = int(np.floor(cap)) + 1
    picks = np.full((B, nmax), -1, dtype=np.int64)
    value = np.empty(R)
    for r in range(B):
        if not appointer[r]:
            continue
        n = int(np.floor(cap)) + (1 if draw_uniform(reps[r], key_n, 0) < cap - np.floor(cap) else 0)
        for q in range(R):
            own = patron[r, q] == k
            v = w[r, q] * (1.0 - (loyalty[r, q] if own else 0.0))
            if patron[r, q] >= 0 and not own:
                v *= 1.5
            v += 0.002 * -np.log(-np.log(draw_uniform(reps[r], key_g, q)))
            if guarded[r, q] or (own and loyalty[r, q] > 0.75):
                v = -np.inf
            value[q] = v
        for j in range(n):
            best = -1
            bv = -np.inf
            for q in range(R):
                if value[q] > bv:
                    bv = value[q]
                    best = q
            if best < 0:
                break
            patron[r, best] = k
            loyalty[r, best] = new_loyalty
            value[best] = -np.inf
            picks[r, j] = best
    return picks
