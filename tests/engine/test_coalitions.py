"""Threat and coalitions (engine/coalitions.py, docs/model.md section 7.6)."""

from __future__ import annotations

import numpy as np
from conftest import advanced, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import coalitions, perception
from politburo.engine.log import Log

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)
NAMES = st.sampled_from(["tutorial", "soviet-1924"])


@SETTINGS
@given(name=NAMES, months=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_threat_and_coalitions_are_well_formed(name: str, months: int, seed: int) -> None:
    """With some leaders expelled or submitted: nobody threatens himself or is threatened once
    out of contention (-inf); targets are contenders other than oneself; alliances are
    symmetric, irreflexive and between contenders; enmity never falls; prestige stays within
    [0, 1.5]; the month a pair first allied is recorded once."""
    sp = spec(name)
    s = advanced(name, months)
    rng = np.random.default_rng(seed)
    lead = s.leaders
    lead.expelled[:] |= rng.random(lead.expelled.shape) < 0.15
    lead.submitted[:] |= rng.random(lead.submitted.shape) < 0.15
    th = coalitions.threat(sp, s, perception.perceive(sp, s)[0])
    L = sp.L
    out = lead.expelled | lead.submitted
    assert np.isneginf(th[:, np.arange(L), np.arange(L)]).all()
    assert np.isneginf(th.transpose(0, 2, 1)[out]).all()
    enmity, first = lead.enmity.copy(), s.records.coalition_first.copy()
    coalitions.form(sp, s, th, Log(), s.running.copy())
    t = lead.target
    assert not (t == np.arange(L)[None, :]).any()
    has = t >= 0
    assert not out[np.nonzero(has)[0], t[has]].any() and not (has & out).any()
    assert np.array_equal(lead.allied, lead.allied.transpose(0, 2, 1))
    assert not lead.allied[:, np.arange(L), np.arange(L)].any()
    assert not (lead.allied & (out[:, :, None] | out[:, None, :])).any()
    assert (lead.enmity >= enmity).all()
    assert ((lead.prestige >= 0) & (lead.prestige <= 1.5)).all()
    assert np.array_equal(s.records.coalition_first[first >= 0], first[first >= 0])
    assert (s.records.coalition_first[lead.allied] >= 0).all()
