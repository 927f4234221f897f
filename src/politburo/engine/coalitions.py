"""Coalitions: each leader balances against the rival he perceives as most threatening and
allies with those who share the target and stand close enough in ideology. When the target
is neutralised the coalition dissolves and the next rival becomes the target."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import put
from politburo.engine.jit import kernel


@kernel
def _threat(perceived, army, ideology, target, allied, contender, bonaparte, loyalty):  # pragma: no cover
    """(B, observer, observed) threat; -inf where the observed is no longer a contender.
    Threat is perceived power, raised by command of the army (fear of a Bonaparte) and by
    ideological distance, half as large again from a rival who attacks me, and discounted for
    a partner in the current coalition."""
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
def _coalitions(th, old_target, old_allied, old_masks, actor, ideology, enmity, prestige, first, month,
                hysteresis, floor, max_distance, opportunist, running, ev):  # pragma: no cover - compiled
    """Update targets and alliances; returns the new targets, alliances, (B, L) bitmask of the
    coalition against each leader, and the number of event rows.

    A leader keeps his target while it stays within the hysteresis band of the most threatening
    rival, and takes no target when no rival passes the threat floor. Leaders with the same
    target, or fighting two members of one enemy camp, ally if close enough in ideology; allying
    with a former enemy costs prestige in proportion to past enmity."""
    B, L = old_target.shape
    A = ideology.shape[2]
    target = np.full((B, L), -1, dtype=np.int64)
    allied = np.zeros((B, L, L), dtype=np.bool_)
    masks = np.zeros((B, L), dtype=np.int64)
    n = 0
    same = np.zeros((L, L), dtype=np.bool_)
    ok = np.zeros((L, L), dtype=np.bool_)
    new_m = np.zeros(L, dtype=np.int64)
    has_ally = np.zeros(L, dtype=np.bool_)
    direct = np.zeros(L, dtype=np.int64)
    bits = np.zeros(L, dtype=np.int64)
    for r in range(B):
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
                target[r, i] = cur
            elif np.isfinite(best_val) and best_val > floor:
                target[r, i] = best
            if not actor[r, i]:
                target[r, i] = -1
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
                s = v and target[r, i] >= 0 and target[r, i] == target[r, k]
                same[i, k] = s
                same[k, i] = s
        for i in range(L):
            ti = target[r, i]
            for k in range(L):
                tk = target[r, k]
                a = same[i, k]
                if not a and ok[i, k] and ti >= 0 and tk >= 0 and ti != k and tk != i:
                    a = same[ti, tk]  # two members of one enemy camp
                allied[r, i, k] = a
        for i in range(L):
            cost = 0.0
            for k in range(L):
                if allied[r, i, k] and not old_allied[r, i, k]:
                    cost += enmity[r, i, k]
                if allied[r, i, k] and first[r, i, k] < 0:
                    first[r, i, k] = month
            prestige[r, i] = min(max(prestige[r, i] - opportunist * cost, 0.0), 1.5)
            if target[r, i] >= 0:
                enmity[r, i, target[r, i]] += 1.0 / 12.0
        _camp_masks_into(target[r], allied[r], L, has_ally, new_m, bits)
        old_m = old_masks[r]
        # Announce a new coalition under the rival most of its members attack (head of his camp).
        direct[:] = 0
        for i in range(L):
            if target[r, i] >= 0:
                direct[target[r, i]] += 1
        for j in range(L):
            masks[r, j] = new_m[j]
            if direct[j] == 0 or (new_m[j] & ~old_m[j]) == 0:
                continue
            score = direct[j] * (L + 1) + (L - j)
            head = True
            for k in range(L):
                if k != j and allied[r, j, k] and direct[k] * (L + 1) + (L - k) > score:
                    head = False
            size = 0
            for i in range(L):
                size += (new_m[j] >> i) & 1
            if head and size >= 2 and running[r]:
                n = put(ev, n, j, r, lg.COALITION, j, new_m[j], -1)
    return target, allied, masks, n


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
