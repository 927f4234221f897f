"""The circular flow of power (docs/model.md §7.3): the appointing office replaces regional secretaries with
clients, up to a capacity, where it pays; contact networks win secretaries over; clients
of a fallen patron drift away, in the regions and in the committee."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import put, weights_row, who_has_row
from politburo.engine.jit import kernel
from politburo.engine.log import Log
from politburo.engine.rng import PURPOSE_ID, Streams, draw_uniform, stream_key
from politburo.engine.spec import ANY_APPOINT, ANY_CITY, Spec
from politburo.engine.state import State

PID_APPOINT = PURPOSE_ID["appointments"]
PID_NETWORK = PURPOSE_ID["network"]


def circular_flow(spec: Spec, st: State, rng: Streams, log: Log, running: np.ndarray) -> None:
    """Step 4, the circular flow of power (Daniels 1966): secretaries' loyalty decays (fast for a
    fallen patron, slowly for one who can appoint); secretaries drop an unrewarding patron;
    whoever holds or controls an office with the `appoint` power replaces up to his capacity of
    secretaries where it pays; contact networks win secretaries over; committee and bureau
    clients of a fallen patron defect to the strongest bloc.

    Reads: offices.holder, offices.patron (B, O); records.defeated, leaders.expelled (B, L);
        regions.members (B, R); facts organisation, network, home, national, powers;
        params loyalty_decay, appointment_capacity, network_rate, defection.
    Writes: regions.patron (B, R) leader, regions.loyalty (B, R) in [0.05, 1];
        bodies.committee, bodies.bureau (B, L + 1) seats; APPOINT events (home bases)."""
    B, L = st.leaders.target.shape
    nmax = int(np.floor(spec.params.appointment_capacity * (0.5 + spec.organisation.max()))) + 1
    ev = np.empty((B * L * nmax, 6), dtype=np.int64)
    fallen = (st.leaders.expelled, st.records.defeated)
    n = _circular_flow(st.month, spec.facts, spec.params, st.offices, st.regions, st.bodies, fallen, rng.ids, running,
                       ev)
    log.event_block(st.month, ev, n)


@kernel
def _circular_flow(t, facts, params, offices, regions, bodies, fallen_by, ids, running,
                   ev):  # pragma: no cover - compiled
    """`circular_flow`, run by run; `fallen_by` is (expelled, defeated) (B, L) each."""
    expelled, defeated = fallen_by
    loyalty_decay, capacity = params.loyalty_decay, params.appointment_capacity
    holder, office_patron = offices.holder, offices.patron
    patron, loyalty = regions.patron, regions.loyalty
    home, organisation, network = facts.home, facts.organisation, facts.network
    appoint_power = facts.powers[:, ANY_APPOINT]
    city_power = facts.powers[:, ANY_CITY]
    reps = ids.reps
    B, R = patron.shape
    L = defeated.shape[1]
    appointer = np.zeros(L, dtype=np.bool_)
    tmp = np.zeros(L, dtype=np.bool_)
    city = np.zeros(L, dtype=np.bool_)
    fallen = np.zeros((1, L), dtype=np.bool_)
    guarded = np.zeros(R, dtype=np.bool_)
    home_guarded = np.zeros(R, dtype=np.bool_)
    value = np.empty(R)
    w = np.empty(R)
    picks = np.empty(int(np.floor(capacity * (0.5 + organisation.max()))) + 1, dtype=np.int64)
    keys_n = np.empty(L, dtype=np.uint64)
    keys_g = np.empty(L, dtype=np.uint64)
    keys_w = np.empty(L, dtype=np.uint64)
    for k in range(L):
        keys_n[k] = stream_key(ids.seed, PID_APPOINT, t, 2 * k)
        keys_g[k] = stream_key(ids.seed, PID_APPOINT, t, 2 * k + 1)
        keys_w[k] = stream_key(ids.seed, PID_NETWORK, t, k)
    key_defect = stream_key(ids.seed, PID_APPOINT, t, 999)
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
        weights_row(regions.members, r, w)
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
            m = _appoint_run(r, k, regions, w, guarded, cap, 0.7 + 0.3 * organisation[k],
                             (reps[r], keys_n[k], keys_g[k]), (value, picks))
            if running[r]:
                for slot in range(m):
                    if home[picks[slot]] >= 0:
                        n = put(ev, n, 1000 * k + slot, r, lg.APPOINT, k, picks[slot], -1)
        for k in range(L):
            if not network[k] > 0 or fallen[0, k]:
                continue
            for q in range(R):
                prob = params.network_rate * network[k] * (1.0 + facts.national[q])
                if (patron[r, q] != k and not (home_guarded[q] and home[q] != k)
                        and draw_uniform(reps[r], keys_w[k], q) < prob):
                    patron[r, q] = k
                    loyalty[r, q] = 0.5
        _defect_run(r, bodies.committee, bodies.bureau, fallen, 0, params.defection, reps[r], key_defect)
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
def _appoint_run(r, k, regions, w, guarded, cap, new_loyalty, draws, scratch):  # pragma: no cover - compiled
    """Replace up to `cap` secretaries (the fraction drawn) where it pays most: large
    organisations whose secretary is not already a loyal client, a rival's client first.
    `draws` is (replicate id, key of the number, key of the choice); `scratch` (value (R,),
    picks). Returns how many were replaced (their regions in `picks`)."""
    patron, loyalty = regions.patron, regions.loyalty
    rep, key_n, key_g = draws
    value, picks = scratch
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
