"""Ideology and the economy (engine/world.py, docs/model.md sections 7.1 and 7.9)."""

from __future__ import annotations

import numpy as np
from conftest import advanced, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import world
from politburo.engine.common import party_line
from politburo.engine.log import Log
from politburo.engine.rng import Streams

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)
NAMES = st.sampled_from(["tutorial", "soviet-1924"])


@SETTINGS
@given(name=NAMES, months=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_the_monthly_update_keeps_prestige_and_sentiment_in_range(name: str, months: int, seed: int) -> None:
    """From extreme prestige (0, 1.5) and sentiment (±1): prestige stays within [0, 1.5],
    sentiment within [-1, 1], heir legitimacy decays by 1%, and the line is the members'
    weighted mean sentiment."""
    sp = spec(name)
    s = advanced(name, months)
    rng = np.random.default_rng(seed)
    s.leaders.prestige[:] = rng.choice([0.0, 1.5, 0.75], s.leaders.prestige.shape)
    s.leaders.heir[:] = rng.uniform(0, 1, s.leaders.heir.shape)
    s.regions.sentiment[:] = rng.choice([-1.0, 1.0, 0.0], s.regions.sentiment.shape)
    heir = s.leaders.heir.copy()
    world.update(sp, s, Streams(seed, np.arange(s.B)), Log(), s.running.copy())
    p = s.leaders.prestige
    assert ((p >= 0) & (p <= 1.5)).all()
    assert (np.abs(s.regions.sentiment) <= 1).all()
    assert np.allclose(s.leaders.heir, 0.99 * heir)
    line = s.world.line.copy()
    s.line_month = -1
    assert np.allclose(party_line(s), line)


@SETTINGS
@given(name=NAMES, months=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_a_change_of_line_moves_at_most_one_step_and_costs_prestige(name: str, months: int, seed: int) -> None:
    """Leaders who shift move by at most `shift_step`, stay within [-1, 1] on every axis and
    never gain prestige by it; the others do not move."""
    sp = spec(name)
    s = advanced(name, months)
    rng = np.random.default_rng(seed)
    who = rng.random((s.B, sp.L)) < 0.5
    ideology, prestige = s.leaders.ideology.copy(), s.leaders.prestige.copy()
    world.change_line(sp, s, who, party_line(s), Log(), s.running.copy())
    moved = np.linalg.norm(s.leaders.ideology - ideology, axis=2)
    assert (moved <= sp.params.shift_step + 1e-12).all()
    assert (np.abs(s.leaders.ideology) <= 1).all()
    assert (s.leaders.prestige <= prestige + 1e-15).all() and (s.leaders.prestige >= 0).all()
    assert np.array_equal(s.leaders.ideology[~who], ideology[~who])
    assert np.array_equal(s.leaders.prestige[~who], prestige[~who])
