"""The sanction ladder (engine/ladder.py, docs/model.md section 6): the next rung each leader
stands on, from his status."""

from __future__ import annotations

import numpy as np
from conftest import leaders, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import ladder
from politburo.engine.ladder import EXILE, EXPEL, REMOVE_BUREAU, REMOVE_COMMITTEE, REMOVE_OFFICE
from politburo.engine.run import initial_state


def test_the_ladder_gives_the_next_rung_from_a_leaders_status() -> None:
    """Leaders: 0 holds two offices (the more visible, office 1, is the one to lose); 1 sits in
    the bureau; 2 in the committee only; 3 is a member only; 4 expelled; 5 expelled and exiled;
    6 expelled and recanted."""
    L = 7
    holder = np.array([[0, 0, -1]])
    weight = np.array([1.0, 2.0, 0.5])
    lead = leaders(1, L)
    lead.in_bureau[0, [0, 1]] = True
    lead.in_committee[0, [0, 1, 2]] = True
    lead.expelled[0, [4, 5, 6]] = True
    lead.exiled[0, 5] = True
    lead.submitted[0, 6] = True
    rung, best = ladder._next_rung(holder, weight, lead)
    assert rung[0].tolist() == [REMOVE_OFFICE, REMOVE_BUREAU, REMOVE_COMMITTEE, EXPEL, EXILE, -1, -1]
    assert best[0].tolist() == [1, -1, -1, -1, -1, -1, -1]


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), B=st.integers(1, 6))
def test_the_public_ladder_reads_the_state_and_writes_nothing(seed: int, B: int) -> None:
    """`ladder.next_rung` on the tutorial with offices and seats shuffled: an office holder's rung
    is the most visible office he holds (by the offices' visible weight), anyone else's the
    highest body he sits in, and the state is left as it was."""
    sp = spec("tutorial")
    rng = np.random.default_rng(seed)
    s = initial_state(sp, B)
    s.offices.holder[:] = rng.integers(-1, sp.L, (B, sp.O))
    s.leaders.in_bureau[:] = rng.random((B, sp.L)) < 0.4
    s.leaders.in_committee[:] = rng.random((B, sp.L)) < 0.6
    s.cache.clear()
    before = s.copy()
    rung, best = ladder.next_rung(sp, s)
    weight = sp.facts.visible
    for r in range(B):
        for i in range(sp.L):
            held = np.flatnonzero(s.offices.holder[r] == i)
            if held.size:
                assert rung[r, i] == REMOVE_OFFICE
                assert weight[best[r, i]] == weight[held].max() and best[r, i] in held
            else:
                assert best[r, i] == -1
                lead = s.leaders
                expect = (REMOVE_BUREAU if lead.in_bureau[r, i] else REMOVE_COMMITTEE if lead.in_committee[r, i]
                          else EXPEL)
                assert rung[r, i] == expect
    for k, v in before.leaders._asdict().items():
        assert np.array_equal(getattr(s.leaders, k), v), k
    assert np.array_equal(s.offices.holder, before.offices.holder)
