"""Public polemics (engine/polemics.py, docs/model.md section 7.8)."""

from __future__ import annotations

import numpy as np
from conftest import advanced, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import polemics
from politburo.engine.common import party_line
from politburo.engine.log import Log


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(["tutorial", "soviet-1924"]), months=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_polemics_keep_prestige_in_range_and_enmity_grows(name: str, months: int, seed: int) -> None:
    """From extreme prestige: prestige stays within [0, 1.5], enmity never falls and grows both
    ways between an author and his target, grounds stay non-negative, and an author with a
    target never gains prestige by attacking."""
    sp = spec(name)
    s = advanced(name, months)
    rng = np.random.default_rng(seed)
    lead = s.leaders
    lead.prestige[:] = rng.choice([0.0, 0.01, 1.49, 1.5], lead.prestige.shape)
    authors = (rng.random(lead.prestige.shape) < 0.5) & (lead.target >= 0)
    enmity, prestige = lead.enmity.copy(), lead.prestige.copy()
    polemics.attack(sp, s, authors, party_line(s), Log(), s.running.copy())
    assert ((lead.prestige >= 0) & (lead.prestige <= 1.5)).all()
    assert (lead.enmity >= enmity).all() and (lead.grounds >= 0).all()
    if sp.params.polemics > 0:
        r, i = np.nonzero(authors)
        t = lead.target[r, i]
        assert (lead.enmity[r, i, t] >= enmity[r, i, t] + 1).all() and (lead.enmity[r, t, i] > enmity[r, t, i]).all()
        attacked = np.zeros_like(authors)
        attacked[r, t] = True
        alone = authors & ~attacked
        assert (lead.prestige[alone] <= prestige[alone]).all()
