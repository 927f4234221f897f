"""The founder's death and funeral (engine/ceremonies.py, docs/model.md section 7.14)."""

from __future__ import annotations

import dataclasses

import numpy as np
from conftest import spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import ceremonies
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.run import initial_state


def test_the_founders_death_frees_his_seat() -> None:
    sp = spec("soviet-1924")
    s = initial_state(sp, 2)
    assert s.founder_alive
    ceremonies.founder_death(sp, s, Log(), s.running.copy())
    assert not s.founder_alive


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(["tutorial", "soviet-1924"]), seed=st.integers(0, 2**32 - 1),
       news=st.floats(0.0, 1.0))
def test_the_funeral_moves_heir_legitimacy_and_half_as_much_prestige(name: str, seed: int, news: float) -> None:
    """Each leader gains heir legitimacy (the full gain with a role, 0.4 of it otherwise) or loses
    `heir_absence` if absent; prestige moves by half as much, clipped to [0, 1.5]; only leaders
    away from the capital can be absent."""
    base = spec(name)
    sp = dataclasses.replace(base, params=base.params._replace(news_control=news))
    s = initial_state(sp, 8)
    rng = np.random.default_rng(seed)
    s.leaders.prestige[:] = rng.choice([0.0, 0.02, 1.49, 1.5], s.leaders.prestige.shape)
    s.leaders.target[:] = rng.integers(-1, sp.L, s.leaders.target.shape)
    heir, prestige = s.leaders.heir.copy(), s.leaders.prestige.copy()
    ceremonies.funeral(sp, s, Streams(seed, np.arange(8)), Log(), s.running.copy())
    gain = s.leaders.heir - heir
    p = sp.params
    allowed = [p.heir_gain, 0.4 * p.heir_gain, -p.heir_absence]
    assert np.isin(np.round(gain, 12), np.round(allowed, 12)).all()
    absent = np.isclose(gain, -p.heir_absence) & ~np.isclose(gain, 0.4 * p.heir_gain)
    assert not absent[:, ~sp.away].any()
    assert np.allclose(s.leaders.prestige, np.clip(prestige + 0.5 * gain, 0.0, 1.5))
