"""The circular flow of power: the appointing office replaces regional secretaries with
clients, up to a capacity, where it pays; contact networks win secretaries over; clients
of a fallen patron drift away, in the regions and in the committee."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import put, who_has_row
from politburo.engine.jit import kernel
from politburo.engine.rng import draw_uniform, stream_key


@kernel
def _circular_flow(t, holder, office_patron, appoint_power, city_power, defeated, expelled, patron, loyalty,
                   weights, home, organisation, network, national, committee, bureau, w_, reps, seed_key,
                   pid_appoint, pid_network, running, ev):  # pragma: no cover - compiled
    """The circular flow, run by run: loyalty decays, secretaries lose an unrewarding patron, the
    appointing office replaces secretaries, contact networks win them over, clients defect.
    `weights` (B, R): each region's share of the members (as `membership._membership` leaves it)."""
    loyalty_decay, capacity, network_rate, defection = w_[0], w_[1], w_[2], w_[3]
    B, R = patron.shape
    L = defeated.shape[1]
    appointer = np.zeros(L, dtype=np.bool_)
    tmp = np.zeros(L, dtype=np.bool_)
    city = np.zeros(L, dtype=np.bool_)
    fallen = np.zeros((1, L), dtype=np.bool_)
    guarded = np.zeros(R, dtype=np.bool_)
    home_guarded = np.zeros(R, dtype=np.bool_)
    value = np.empty(R)
    picks = np.empty(int(np.floor(capacity * (0.5 + organisation.max()))) + 1, dtype=np.int64)
    keys_n = np.empty(L, dtype=np.uint64)
    keys_g = np.empty(L, dtype=np.uint64)
    keys_w = np.empty(L, dtype=np.uint64)
    for k in range(L):
        keys_n[k] = stream_key(seed_key, pid_appoint, t, 2 * k)
        keys_g[k] = stream_key(seed_key, pid_appoint, t, 2 * k + 1)
        keys_w[k] = stream_key(seed_key, pid_network, t, k)
    key_defect = stream_key(seed_key, pid_appoint, t, 999)
    n = 0
    for r in range(B):
        who_has_row(holder, r, appoint_power, appointer)
        who_has_row(office_patron, r, appoint_power, tmp)
        for k in range(L):
            appointer[k] = appointer[k] or tmp[k]
            fallen[0, k] = defeated[r, k] >= 0 or expelled[r, k]
        for q in range(R):
            pat = patron[r, q]
            if pat >= 0:
                decay = loyalty_decay * (0.2 if appointer[pat] else 1.0) + (
                    4 * loyalty_decay + 0.02 if fallen[0, pat] else 0.0)
                loyalty[r, q] = min(max(loyalty[r, q] - decay, 0.05), 1.0)
                if loyalty[r, q] < 0.15:
                    patron[r, q] = -1
        w = weights[r]
        who_has_row(holder, r, city_power, city)
        for q in range(R):
            h = home[q]
            home_guarded[q] = h >= 0 and city[h] and not fallen[0, h]
        for k in range(L):
            if not appointer[k]:
                continue
            cap = capacity * (0.5 + organisation[k])
            for q in range(R):
                guarded[q] = home_guarded[q] and home[q] != k
            m = _appoint_run(r, k, patron, loyalty, w, guarded, cap, 0.7 + 0.3 * organisation[k], reps[r],
                             keys_n[k], keys_g[k], value, picks)
            if running[r]:
                for slot in range(m):
                    if home[picks[slot]] >= 0:
                        n = put(ev, n, 1000 * k + slot, r, lg.APPOINT, k, picks[slot], -1)
        for k in range(L):
            if not network[k] > 0 or fallen[0, k]:
                continue
            for q in range(R):
                prob = network_rate * network[k] * (1.0 + national[q])
                if (patron[r, q] != k and not (home_guarded[q] and home[q] != k)
                        and draw_uniform(reps[r], keys_w[k], q) < prob):
                    patron[r, q] = k
                    loyalty[r, q] = 0.5
        _defect_run(r, committee, bureau, fallen, 0, defection, reps[r], key_defect)
    return n


@kernel
def _defect_run(r, committee, bureau, fallen, fr, rate, rep, key):  # pragma: no cover - compiled
    """Committee and bureau clients of a fallen patron (`fallen[fr]`) go over to the strongest
    bloc, at the `defection` rate (rounded at random), in run r."""
    L = fallen.shape[1]
    strongest = 0
    best = -2
    for k in range(L):
        v = -1 if fallen[fr, k] else committee[r, k]
        if v > best:
            best = v
            strongest = k
    for k in range(L):
        if not fallen[fr, k] or k == strongest:
            continue
        moving = int(np.floor(committee[r, k] * rate + draw_uniform(rep, key, k)))
        committee[r, k] -= moving
        committee[r, strongest] += moving
        moving = int(np.floor(bureau[r, k] * rate + draw_uniform(rep, key, L + k)))
        bureau[r, k] -= moving
        bureau[r, strongest] += moving


@kernel
def _appoint_run(r, k, patron, loyalty, w, guarded, cap, new_loyalty, rep, key_n, key_g, value,
                 picks):  # pragma: no cover - compiled
    """Replace up to `cap` secretaries (the fraction drawn) where it pays most: large
    organisations whose secretary is not already a loyal client, a rival's client first.
    Returns how many were replaced (their regions in `picks`)."""
    R = patron.shape[1]
    n = int(np.floor(cap)) + (1 if draw_uniform(rep, key_n, 0) < cap - np.floor(cap) else 0)
    if n <= 0:
        return 0
    for q in range(R):
        own = patron[r, q] == k
        if guarded[q] or (own and loyalty[r, q] > 0.75):
            value[q] = -np.inf  # (its draw is not needed: draws are counter-based)
            continue
        v = w[q] * (1.0 - (loyalty[r, q] if own else 0.0))
        if patron[r, q] >= 0 and not own:
            v *= 1.5
        v += 0.002 * -np.log(-np.log(draw_uniform(rep, key_g, q)))
        value[q] = v
    m = 0
    for _ in range(n):
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
        picks[m] = best
        m += 1
    return m
