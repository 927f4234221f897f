"""The circular flow of power (engine/appointments.py, docs/model.md section 7.3)."""

from __future__ import annotations

import numpy as np
from conftest import advanced, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import appointments
from politburo.engine.log import Log
from politburo.engine.rng import Streams


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(["tutorial", "soviet-1924"]), months=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_the_circular_flow_keeps_loyalty_in_range_and_conserves_seats(name: str, months: int, seed: int) -> None:
    """With some leaders fallen (defeated or expelled): every secretary with a patron has
    loyalty within [0.05, 1]; patrons are leaders or none; defection moves committee and bureau
    seats between blocs without creating or destroying any, and never below zero."""
    sp = spec(name)
    s = advanced(name, months)
    rng = np.random.default_rng(seed)
    fallen = rng.random((s.B, sp.L)) < 0.3
    s.records.defeated[fallen & (s.records.defeated < 0)] = max(months - 1, 0)
    s.regions.loyalty[:] = rng.choice([0.05, 0.15, 0.5, 1.0], s.regions.loyalty.shape)
    committee, bureau = s.bodies.committee.sum(axis=1), s.bodies.bureau.sum(axis=1)
    appointments.circular_flow(sp, s, Streams(seed, np.arange(s.B)), Log(), s.running.copy())
    reg = s.regions
    held = reg.patron >= 0
    assert ((reg.loyalty[held] >= 0.05) & (reg.loyalty[held] <= 1.0)).all()
    assert ((reg.patron >= -1) & (reg.patron < sp.L)).all()
    assert np.array_equal(s.bodies.committee.sum(axis=1), committee)
    assert np.array_equal(s.bodies.bureau.sum(axis=1), bureau)
    assert (s.bodies.committee >= 0).all() and (s.bodies.bureau >= 0).all()
