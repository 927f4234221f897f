"""Exact Shapley values over all coalitions, and the intervals reported with them."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

Z95 = 1.959963984540054


def popcount(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.int64)
    out = np.zeros_like(x)
    while np.any(x):
        out += x & 1
        x = x >> 1
    return out


def shapley(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values of n players for each row of `values` (rows, 2**n), where column S
    holds the outcome with the players in bitmask S present. Returns (rows, n); each row sums to
    values[:, -1] - values[:, 0]."""
    rows, m = values.shape
    n = m.bit_length() - 1
    if 1 << n != m:
        raise ValueError("values must have 2**n columns")
    sizes = popcount(np.arange(m))
    weight = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    phi = np.zeros((rows, n))
    masks = np.arange(m)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        marginal = values[:, without | (1 << i)] - values[:, without]
        phi[:, i] = marginal @ weight[sizes[without]]
    return phi


def mean_ci(x: np.ndarray) -> dict[str, float]:
    """Mean and 95% interval from the spread of paired per-replicate values."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    mean = float(x.mean()) if n else 0.0
    half = float(Z95 * x.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return {"mean": mean, "low": mean - half, "high": mean + half, "half": half}


def ratio_ci(num: np.ndarray, den: np.ndarray, seed: int, resamples: int = 1000) -> dict[str, np.ndarray]:
    """mean(num) / mean(den) per column of num, with a percentile bootstrap 95% interval over
    rows (resampled with a generator seeded by `seed`, one resample at a time: memory stays linear).
    A resample whose denominator is 0 has no ratio (nan, left out of the percentiles; with few
    replicates the interval may be nan: shown as "no interval"), and says nothing on stderr."""
    rng = np.random.default_rng([seed, 0xB007])
    n = num.shape[0]
    boot = np.empty((resamples, num.shape[1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        point = num.mean(axis=0) / den.mean()
        for b in range(resamples):
            idx = rng.integers(0, n, size=n)
            boot[b] = num[idx].mean(axis=0) / den[idx].mean()
        with warnings.catch_warnings():  # "All-NaN slice": no resample had a ratio
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    return {"mean": point, "low": lo, "high": hi}


def rounded(data: Any, digits: int = 6) -> Any:
    """Floats rounded (stable JSON across machines and summation orders)."""
    if isinstance(data, float):
        return round(data, digits) if math.isfinite(data) else None
    if isinstance(data, (np.floating,)):
        return rounded(float(data), digits)
    if isinstance(data, (np.integer,)):
        return int(data)
    if isinstance(data, dict):
        return {k: rounded(v, digits) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [rounded(v, digits) for v in data]
    if isinstance(data, np.ndarray):
        return rounded(data.tolist(), digits)
    return data
