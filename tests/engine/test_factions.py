"""Factions (engine/factions.py, docs/model.md section 7.7)."""

from __future__ import annotations

import numpy as np
from conftest import leaders
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import factions


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), B=st.integers(1, 5), L=st.integers(1, 7))
def test_a_new_faction_gives_its_organiser_grounds_once(seed: int, B: int, L: int) -> None:
    """A faction, once organised, stays; organising a new one adds FACTION_GROUNDS to its
    organiser's grounds, organising again adds nothing; one event per new faction in a run
    still being fought."""
    rng = np.random.default_rng(seed)
    lead = leaders(B, L, faction=rng.random((B, L)) < 0.3, grounds=rng.uniform(0, 3, (B, L)),
                   target=rng.integers(-1, L, (B, L)))
    who = rng.random((B, L)) < 0.5
    running = rng.random(B) < 0.8
    faction, grounds = lead.faction.copy(), lead.grounds.copy()
    ev = np.empty((B * L, 6), dtype=np.int64)
    n = factions._organise(who, lead, running, ev)
    new = who & ~faction
    assert np.array_equal(lead.faction, faction | who)
    assert np.allclose(lead.grounds, grounds + factions.FACTION_GROUNDS * new)
    assert n == int((new & running[:, None]).sum())
