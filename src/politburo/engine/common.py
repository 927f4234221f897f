"""Small shared computations over the state, and the compiled helpers the mechanisms share."""

from __future__ import annotations

import numpy as np

from politburo.engine.jit import kernel
from politburo.engine.spec import Spec
from politburo.engine.state import State


def cached(st: State, key: tuple, make) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Office-derived arrays are recomputed only after offices change hands (`motions.apply`
    clears the cache)."""
    if key not in st.cache:
        st.cache[key] = make()
    return st.cache[key]


def holds(spec: Spec, st: State, power: str) -> np.ndarray:
    """(B, L) bool: the leader holds in person an office with this power."""
    return cached(st, ("holds", power), lambda: _who_has(st.offices.holder, spec.power(power), spec.L))


def controls(spec: Spec, st: State, power: str) -> np.ndarray:
    """(B, L) bool: the leader holds the power in person or through a client."""
    def make() -> np.ndarray:
        return holds(spec, st, power) | _who_has(st.offices.patron, spec.power(power), spec.L)
    return cached(st, ("controls", power), make)


@kernel
def _who_has(who, offices, L):  # pragma: no cover - compiled
    B, O = who.shape
    out = np.zeros((B, L), dtype=np.bool_)
    for r in range(B):
        for o in range(O):
            if offices[o] and who[r, o] >= 0:
                out[r, who[r, o]] = True
    return out


def party_line(st: State) -> np.ndarray:
    """(B, A) members' average sentiment, weighted by membership (`world.line`, recomputed
    once a month)."""
    if st.line_month == st.month:
        return st.world.line
    reg = st.regions
    w = reg.members / reg.members.sum(axis=1, keepdims=True)
    st.world.line[...] = np.stack([(reg.sentiment[:, :, a] * w).sum(axis=1)
                                   for a in range(reg.sentiment.shape[2])], axis=1)
    st.line_month = st.month
    return st.world.line


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


# ---------------------------------------------------------------- compiled helpers
# Compiled helpers reproduce NumPy's arithmetic exactly: row sums use NumPy's pairwise order.


@kernel
def _pw_block(a, lo, n):  # pragma: no cover - compiled
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@kernel
def pw_sum(a, lo, n):  # pragma: no cover - compiled
    """a[lo:lo + n].sum() in NumPy's order (pairwise: blocks of up to 128 with eight
    accumulators, larger ranges split in halves rounded to eights)."""
    if n <= 128:
        return _pw_block(a, lo, n)
    # NumPy recurses: pairwise_sum(a[:n2]) + pairwise_sum(a[n2:]), n2 = n // 2 rounded down to a
    # multiple of 8. Compiled code (recursion would not load from the cache) walks the same tree
    # with a stack of tasks: a range splits into a combine marker (size -1), its right half and
    # its left half, which is summed first; a range of up to 128 pushes its block sum onto the
    # value stack; a combine replaces the two values on top (left, right) with left + right.
    # Each level of the tree leaves at most two tasks pending (and one value): 128 is ample.
    task_lo = np.empty(128, dtype=np.int64)
    task_n = np.empty(128, dtype=np.int64)
    vals = np.empty(128)
    task_lo[0], task_n[0] = lo, n
    nt, nv = 1, 0
    while nt > 0:
        nt -= 1
        m = task_n[nt]
        start = task_lo[nt]
        if m < 0:
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
        elif m <= 128:
            vals[nv] = _pw_block(a, start, m)
            nv += 1
        else:
            half = m // 2
            half -= half % 8
            task_n[nt] = -1
            task_lo[nt + 1], task_n[nt + 1] = start + half, m - half
            task_lo[nt + 2], task_n[nt + 2] = start, half
            nt += 3
    return vals[0]


@kernel
def weights_row(members, r, w):  # pragma: no cover - compiled
    """w[:] = members[r] / members[r].sum()."""
    total = pw_sum(members[r], 0, members.shape[1])
    for q in range(members.shape[1]):
        w[q] = members[r, q] / total


@kernel
def line_row(members, sentiment, r, w, tmp, out):  # pragma: no cover - compiled
    """out[:] = party_line(st)[r] (w and tmp are scratch rows of length R)."""
    R, A = sentiment.shape[1], sentiment.shape[2]
    weights_row(members, r, w)
    for a in range(A):
        for q in range(R):
            tmp[q] = sentiment[r, q, a] * w[q]
        out[a] = pw_sum(tmp, 0, R)


@kernel
def dist_row(x, y):  # pragma: no cover - compiled
    """Euclidean distance between two positions on the ideological axes, the squares summed
    axis by axis in order."""
    d = x[0] - y[0]
    acc = d * d
    for a in range(1, x.shape[0]):
        d = x[a] - y[a]
        acc = acc + d * d
    return np.sqrt(acc)


@kernel
def put(ev, n, group, run, kind, a0, a1, a2):  # pragma: no cover - compiled
    """Record an event row for Log.event_block; returns the new count."""
    ev[n, 0] = group
    ev[n, 1] = run
    ev[n, 2] = kind
    ev[n, 3] = a0
    ev[n, 4] = a1
    ev[n, 5] = a2
    return n + 1


@kernel
def who_has_row(who, r, offices, out):  # pragma: no cover - compiled
    """out[l] = leader l holds (or patronises, by `who`) an office with this power, in run r."""
    out[:] = False
    for o in range(who.shape[1]):
        if offices[o] and who[r, o] >= 0:
            out[who[r, o]] = True
