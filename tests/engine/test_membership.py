"""Membership drives (engine/membership.py, docs/model.md section 7.2)."""

from __future__ import annotations

import numpy as np
from conftest import advanced, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import membership


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(["tutorial", "soviet-1924"]), months=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_recruitment_keeps_members_positive_and_steered_within_them(name: str, months: int, seed: int) -> None:
    """Whatever the steered share before: members stay positive and finite, steered recruits
    stay within [0, members], and the total grows by the drive and organic growth."""
    sp = spec(name)
    s = advanced(name, months)
    rng = np.random.default_rng(seed)
    reg = s.regions
    reg.steered[:] = reg.members * rng.uniform(0, 1, reg.members.shape)
    total = reg.members.sum(axis=1)
    membership.recruit(sp, s)
    assert np.isfinite(reg.members).all() and (reg.members > 0).all()
    assert ((reg.steered >= 0) & (reg.steered <= reg.members)).all()
    expect = total * (1 + sp.params.organic_growth) + sp.drive[months]
    assert np.allclose(reg.members.sum(axis=1), expect)
