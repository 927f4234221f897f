"""Coalitions (docs/model.md §7.6): each leader balances against the rival he perceives as most threatening and
allies with those who share the target and stand close enough in ideology. When the target
is neutralised the coalition dissolves and the next rival becomes the target."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import holds, put
from politburo.engine.jit import kernel
from politburo.engine.log import Log
from politburo.engine.spec import Spec
from politburo.engine.state import State


def threat(spec: Spec, st: State, perceived: np.ndarray) -> np.ndarray:
    """Step 6: how threatening each leader finds each rival (docs/model.md §7.6).

    Reads: `perceived` (B, L, L) power as each observer sees it; leaders ideology, target,
        allied, expelled, submitted; who holds the `army` power; params bonaparte_fear,
        alliance_loyalty.
    Writes: nothing. Returns (B, observer, observed) threat, -inf where the observed is no
        longer a contender (expelled or submitted) and on the diagonal."""
    lead = st.leaders
    contender = ~lead.expelled & ~lead.submitted
    return _threat(perceived, holds(spec, st, "army"), lead, contender, spec.params)


def form(spec: Spec, st: State, th: np.ndarray, log: Log, running: np.ndarray) -> None:
    """Step 7: targets and alliances (docs/model.md §7.6). A leader keeps his target within the
    hysteresis band of the most threatening rival; leaders with the same target, or fighting two
    members of one enemy camp, ally if close enough in ideology; allying with a former enemy
    costs prestige in proportion to past enmity; targeting adds enmity.

    Reads: `th` (B, L, L) threat; leaders ideology, expelled, submitted, target, allied, camps;
        params target_hysteresis, threat_floor, alliance_distance, opportunist_cost.
    Writes: leaders.target (B, L), leaders.allied (B, L, L), leaders.camps (B, L) bitmasks,
        leaders.enmity (B, L, L), leaders.prestige (B, L) in [0, 1.5], records.coalition_first
        (B, L, L) month; a COALITION event under the head of each new coalition's camp."""
    lead = st.leaders
    contender = ~lead.expelled & ~lead.submitted
    ev = np.empty((st.B * spec.L, 6), dtype=np.int64)
    n = _form(th, contender, lead, st.records.coalition_first, st.month, spec.params, running, ev)
    log.event_block(st.month, ev, n)


@kernel
def _threat(perceived, army, leaders, contender, params):  # pragma: no cover - compiled
    """(B, observer, observed) threat; -inf where the observed is no longer a contender.
    Threat is perceived power, raised by command of the army (fear of a Bonaparte) and by
    ideological distance, half as large again from a rival who attacks me, and discounted for
    a partner in the current coalition."""
    ideology, target, allied = leaders.ideology, leaders.target, leaders.allied
    bonaparte, loyalty = params.bonaparte_fear, params.alliance_loyalty
    B, L = target.shape
    A = ideology.shape[2]
    th = np.empty((B, L, L))
    dist = np.empty((L, L))
    for r in range(B):
        # distances are symmetric to the bit ((a - b)² = (b - a)²): one square root a pair
        for i in range(L):
            for j in range(i + 1, L):
                d2 = 0.0
                for a in range(A):
                    x = ideology[r, i, a] - ideology[r, j, a]
                    d2 += x * x
                dist[i, j] = np.sqrt(d2)
                dist[j, i] = dist[i, j]
        for i in range(L):
            for j in range(L):
                if i == j or not contender[r, j]:
                    th[r, i, j] = -np.inf
                    continue
                v = perceived[r, i, j] * (1.0 + bonaparte * army[r, j]) * (0.15 + dist[i, j])
                if target[r, j] == i:
                    v *= 1.5
                if allied[r, i, j]:
                    v *= 1.0 - loyalty
                th[r, i, j] = v
    return th


@kernel
def _form(th, actor, leaders, first, month, params, running, ev):  # pragma: no cover - compiled
    """Update targets and alliances in place, run by run (each run's new targets, alliances and
    camps are built from its old ones, then written); returns the number of event rows.

    A leader keeps his target while it stays within the hysteresis band of the most threatening
    rival, and takes no target when no rival passes the threat floor. Leaders with the same
    target, or fighting two members of one enemy camp, ally if close enough in ideology; allying
    with a former enemy costs prestige in proportion to past enmity."""
    old_target, old_allied, old_masks = leaders.target, leaders.allied, leaders.camps
    ideology, enmity, prestige = leaders.ideology, leaders.enmity, leaders.prestige
    hysteresis, floor, max_distance = params.target_hysteresis, params.threat_floor, params.alliance_distance
    opportunist = params.opportunist_cost
    B, L = old_target.shape
    A = ideology.shape[2]
    target = np.full((1, L), -1, dtype=np.int64)  # this run's new targets, alliances and camps
    allied = np.zeros((1, L, L), dtype=np.bool_)
    masks = np.zeros((1, L), dtype=np.int64)
    n = 0
    same = np.zeros((L, L), dtype=np.bool_)
    ok = np.zeros((L, L), dtype=np.bool_)
    new_m = np.zeros(L, dtype=np.int64)
    has_ally = np.zeros(L, dtype=np.bool_)
    direct = np.zeros(L, dtype=np.int64)
    bits = np.zeros(L, dtype=np.int64)
    for r in range(B):
        for i in range(L):
            target[0, i] = -1
        for i in range(L):
            best = -1
            best_val = -np.inf
            for j in range(L):
                if th[r, i, j] > best_val:
                    best_val = th[r, i, j]
                    best = j
            cur = old_target[r, i]
            keep = False
            if cur >= 0:
                cv = th[r, i, cur]
                keep = np.isfinite(cv) and cv >= (1.0 - hysteresis) * best_val
            if keep:
                target[0, i] = cur
            elif np.isfinite(best_val) and best_val > floor:
                target[0, i] = best
            if not actor[r, i]:
                target[0, i] = -1
        for i in range(L):
            ok[i, i] = False
            same[i, i] = False
            for k in range(i + 1, L):
                v = actor[r, i] and actor[r, k]
                if v:
                    d2 = 0.0
                    for a in range(A):
                        x = ideology[r, i, a] - ideology[r, k, a]
                        d2 += x * x
                    v = d2 <= max_distance * max_distance
                ok[i, k] = v
                ok[k, i] = v
                s = v and target[0, i] >= 0 and target[0, i] == target[0, k]
                same[i, k] = s
                same[k, i] = s
        for i in range(L):
            ti = target[0, i]
            for k in range(L):
                tk = target[0, k]
                a = same[i, k]
                if not a and ok[i, k] and ti >= 0 and tk >= 0 and ti != k and tk != i:
                    a = same[ti, tk]  # two members of one enemy camp
                allied[0, i, k] = a
        for i in range(L):
            cost = 0.0
            for k in range(L):
                if allied[0, i, k] and not old_allied[r, i, k]:
                    cost += enmity[r, i, k]
                if allied[0, i, k] and first[r, i, k] < 0:
                    first[r, i, k] = month
            prestige[r, i] = min(max(prestige[r, i] - opportunist * cost, 0.0), 1.5)
            if target[0, i] >= 0:
                enmity[r, i, target[0, i]] += 1.0 / 12.0
        _camp_masks_into(target[0], allied[0], L, has_ally, new_m, bits)
        old_m = old_masks[r]
        # Announce a new coalition under the rival most of its members attack (head of his camp).
        direct[:] = 0
        for i in range(L):
            if target[0, i] >= 0:
                direct[target[0, i]] += 1
        for j in range(L):
            masks[0, j] = new_m[j]
            if direct[j] == 0 or (new_m[j] & ~old_m[j]) == 0:
                continue
            score = direct[j] * (L + 1) + (L - j)
            head = True
            for k in range(L):
                if k != j and allied[0, j, k] and direct[k] * (L + 1) + (L - k) > score:
                    head = False
            size = 0
            for i in range(L):
                size += (new_m[j] >> i) & 1
            if head and size >= 2 and running[r]:
                n = put(ev, n, j, r, lg.COALITION, j, new_m[j], -1)
        for i in range(L):
            old_target[r, i] = target[0, i]
            old_masks[r, i] = masks[0, i]
            for k in range(L):
                old_allied[r, i, k] = allied[0, i, k]
    return n


@kernel
def _camp_masks_into(target, allied, L, has_ally, out, bits):  # pragma: no cover - compiled
    """Bitmask of the coalition against each leader (into `out`): those who target him, with allies
    of theirs who fight another member of his camp (only leaders with an ally count). `bits` is
    scratch: the target each leader with an ally fights, as a bit."""
    for i in range(L):
        has_ally[i] = False
        for k in range(L):
            has_ally[i] = has_ally[i] or allied[i, k]
        bits[i] = (1 << target[i]) if has_ally[i] and target[i] >= 0 else 0
        out[i] = 0
    for i in range(L):
        m = bits[i]
        for k in range(L):
            if allied[i, k]:
                m |= bits[k]
        for j in range(L):
            if (m >> j) & 1:
                out[j] |= 1 << i
