"""Counter-based random numbers: one stream per (seed, replicate, purpose).

A draw is a hash of (seed, replicate, purpose, month, sub-stream, index), so run k of a
batch gets the same numbers whatever the batch size, worker count or which branch of a
counterfactual consumed more draws before it (common random numbers by construction).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from politburo.engine.jit import kernel

# Each purpose's id is its place here: append new purposes at the end, never reorder (that
# would change every run). "document", "attendance" and "congress" are reserved, unused.
PURPOSES = (
    "economy", "foreign", "funeral", "appointments", "network", "policy", "vote",
    "vote_mood", "document", "readmission", "relapse", "attendance", "congress",
)
PURPOSE_ID = {name: i + 1 for i, name in enumerate(PURPOSES)}

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_LOGISTIC_SD = float(np.sqrt(3.0) / np.pi)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


_KEYS: dict[tuple[int, str, int, int], np.uint64] = {}


def _key(seed: int, purpose: str, month: int, sub: int) -> np.uint64:
    cached = _KEYS.get((seed, purpose, month, sub))
    if cached is not None:
        return cached
    if len(_KEYS) > 200_000:
        _KEYS.clear()
    parts = np.array([seed & 0xFFFFFFFFFFFFFFFF, PURPOSE_ID[purpose], month + 1, sub + 1], dtype=np.uint64)
    k = np.uint64(0)
    with np.errstate(over="ignore"):
        for p in parts:
            k = _mix(np.array([k ^ (p * _GOLD)], dtype=np.uint64))[0]
    _KEYS[(seed, purpose, month, sub)] = k
    return k


class StreamIds(NamedTuple):
    """What compiled code needs to draw a batch's numbers (`draw_uniform`, `stream_key`)."""

    reps: np.ndarray  # (B,) uint64, each run's mixed replicate id
    seed: np.uint64  # the seed as compiled code takes it


class Streams:
    """Random draws for a batch of replicates of one seed."""

    def __init__(self, seed: int, replicates: np.ndarray):
        self.seed = int(seed)
        self.reps = _mix(np.asarray(replicates, dtype=np.uint64) * _GOLD + np.uint64(1))
        self.seed_key = np.uint64(self.seed & 0xFFFFFFFFFFFFFFFF)  # the seed as compiled code takes it
        self.ids = StreamIds(self.reps, self.seed_key)
        self._tables: dict[tuple, np.ndarray] = {}

    def normal_table(self, purpose: str, months: int, tail: tuple[int, ...] = (), sub: int = 0) -> np.ndarray:
        """(B, months, n) the draws of `normal(purpose, t, tail, sub)` for every month t at once
        (computed once per batch; the same numbers, bit for bit)."""
        name = (purpose, months, tail, sub)
        table = self._tables.get(name)
        if table is None:
            n = int(np.prod(tail)) if tail else 1
            keys = np.array([_key(self.seed, purpose, t, sub) for t in range(months)], dtype=np.uint64)
            u = _uniform_table(self.reps, keys, n)  # the integer hashing compiled (exact)
            table = np.log(u / (1.0 - u)) * _LOGISTIC_SD
            self._tables[name] = table
        return table

    def uniform(self, purpose: str, month: int, tail: tuple[int, ...] = (), sub: int = 0) -> np.ndarray:
        n = int(np.prod(tail)) if tail else 1
        key = _key(self.seed, purpose, month, sub)
        idx = np.arange(n, dtype=np.uint64) * _GOLD
        with np.errstate(over="ignore"):
            x = _mix((self.reps[:, None] ^ key) + idx[None, :])
        u = ((x >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)
        return u.reshape((len(self.reps),) + tail)

    def normal(self, purpose: str, month: int, tail: tuple[int, ...] = (), sub: int = 0) -> np.ndarray:
        """A symmetric variate with mean 0 and variance 1: a scaled logistic, which is close
        to normal and needs one logarithm instead of Box-Muller's three transcendentals."""
        u = self.uniform(purpose, month, tail, sub)
        return np.log(u / (1.0 - u)) * _LOGISTIC_SD

    def key(self, purpose: str, month: int, sub: int = 0) -> np.uint64:
        """The key of one draw group, for compiled code that draws with `draw_uniform`."""
        return _key(self.seed, purpose, month, sub)

    def gumbel(self, purpose: str, month: int, tail: tuple[int, ...] = (), sub: int = 0) -> np.ndarray:
        return -np.log(-np.log(self.uniform(purpose, month, tail, sub)))


@kernel
def _mix_scalar(z):  # pragma: no cover - compiled
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@kernel
def draw_uniform(rep, key, index):  # pragma: no cover - compiled
    """The same number as Streams.uniform(...)[run, index] for the run whose mixed replicate
    id is `rep` (Streams.reps[run]) and the draw group `key` (Streams.key(...))."""
    x = _mix_scalar((rep ^ key) + np.uint64(index) * np.uint64(0x9E3779B97F4A7C15))
    return (float(x >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@kernel
def draw_normal(rep, key, index):  # pragma: no cover - compiled
    u = draw_uniform(rep, key, index)
    return np.log(u / (1.0 - u)) * _LOGISTIC_SD


@kernel
def stream_key(seed_key, purpose_id, month, sub):  # pragma: no cover - compiled
    """The same key as Streams.key(purpose, month, sub), for compiled code (`purpose_id` is
    PURPOSE_ID[purpose], `seed_key` Streams.seed_key)."""
    k = np.uint64(0)
    k = _mix_scalar(k ^ (seed_key * np.uint64(0x9E3779B97F4A7C15)))
    k = _mix_scalar(k ^ (np.uint64(purpose_id) * np.uint64(0x9E3779B97F4A7C15)))
    k = _mix_scalar(k ^ (np.uint64(month + 1) * np.uint64(0x9E3779B97F4A7C15)))
    return _mix_scalar(k ^ (np.uint64(sub + 1) * np.uint64(0x9E3779B97F4A7C15)))


@kernel
def _uniform_table(reps, keys, n):  # pragma: no cover - compiled
    """(B, T, n) uniforms of `Streams.uniform` for each replicate, key and index."""
    out = np.empty((reps.shape[0], keys.shape[0], n))
    for r in range(reps.shape[0]):
        for t in range(keys.shape[0]):
            for k in range(n):
                out[r, t, k] = draw_uniform(reps[r], keys[t], k)
    return out
