"""Perception (engine/perception.py, docs/model.md section 7.5)."""

from __future__ import annotations

import numpy as np
from conftest import advanced, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import perception


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(["tutorial", "soviet-1924"]), months=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_insight_decides_how_much_hidden_power_is_seen(name: str, months: int, seed: int) -> None:
    """Each leader sees himself as he is (insight 1 on the diagonal); an observer with full
    insight sees the actual power, with none only the visible part; perception grows with
    insight and never exceeds the actual power (hidden power is never negative)."""
    sp = spec(name)
    s = advanced(name, months)
    rng = np.random.default_rng(seed)
    ins = rng.uniform(0, 1, s.leaders.insight.shape)
    ins[:, np.arange(sp.L), np.arange(sp.L)] = 1.0
    s.leaders.insight[:] = ins
    perceived, actual = perception.perceive(sp, s)
    L = sp.L
    assert np.allclose(perceived[:, np.arange(L), np.arange(L)], actual)
    assert (perceived <= actual[:, None, :] + 1e-12).all()
    s.leaders.insight[:] = 1.0
    assert np.allclose(perception.perceive(sp, s)[0], np.broadcast_to(actual[:, None, :], perceived.shape))
    s.leaders.insight[:] = 0.0
    blind = perception.perceive(sp, s)[0]
    assert (blind <= perceived + 1e-12).all()
    assert np.allclose(blind, blind[:, :1, :])  # with no insight, every observer sees the same
