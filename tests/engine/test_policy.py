"""The leaders' built-in policy (engine/policy.py, docs/model.md section 7.7): the actions
open to each leader and the motions he would bring."""

from __future__ import annotations

from typing import Any

import numpy as np
from conftest import advanced, month_stages, params, spec, state_arrays
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import policy
from politburo.engine.ladder import EXPEL, REMOVE_BUREAU
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.run import initial_state


def test_expulsion_is_proposed_only_against_a_faction_under_the_ban() -> None:
    """Leader 0's coalition targets leader 1, whose next rung is expulsion. Runs: 1 in a faction
    or not, the ban in force or not. A motion is chosen only in the run with a faction under
    the ban; a rung other than expulsion needs neither."""
    sp = spec("tutorial")
    B, L = 3, sp.L
    st_ = initial_state(sp, B)
    lead = st_.leaders
    lead.target[:] = -1
    lead.target[:, 0] = 1
    lead.faction[:] = False
    lead.faction[1, 1] = True
    rung = np.full((B, L), REMOVE_BUREAU, dtype=np.int64)
    rung[:2, 1] = EXPEL  # run 2 keeps remove_bureau against 1, and no faction
    office = np.full((B, L), -1, dtype=np.int64)
    since = np.full((B, L), 100, dtype=np.int64)
    size = float(sp.committee_size[st_.month])

    def choose(ban: bool) -> np.ndarray:
        U = np.zeros((B, L, len(policy.ACTIONS)))
        return policy._motion_choice(U, np.ones((B, L), dtype=bool), np.ones((B, L, L)),
                                     policy.Ladder(rung, office, since), lead, policy._view(sp, st_, size), sp.facts,
                                     params(faction_ban=1.0 if ban else 0.0))

    assert choose(True)[:, 0].tolist() == [-1, 1, 1]
    assert choose(False)[:, 0].tolist() == [-1, -1, 1]


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(["tutorial", "soviet-1924"]), months=st.integers(0, 30), seed=st.integers(0, 1000))
def test_every_choice_is_open_and_choosing_writes_nothing(name: str, months: int, seed: int) -> None:
    """After some months of a built-in scenario: every leader's action is one whose utility is
    finite, lying low is always open, a motion has a target (another leader) only when it is
    the action chosen and only in a meeting month, and choosing leaves the state as it was."""
    sp = spec(name)
    s = advanced(name, months)
    rng = Streams(seed, np.arange(s.B))
    got: dict[str, Any] = {}
    for stage, call in month_stages(sp, s, rng, Log(), got=got):
        if stage == "policy.choose":
            break
        call()  # the month as step runs it, up to the choice
    running, th, meeting = got["running"], got["th"], got["meeting"]
    before = state_arrays(s.copy())
    U, _ = policy.utilities(sp, s, th, running, meeting)
    action, target = policy.choose(sp, s, rng, th, running, meeting)
    for k, v in state_arrays(s).items():
        assert np.array_equal(v, before[k]), k
    assert np.isfinite(U[..., policy.LIE_LOW]).all()
    rows, cols = np.nonzero(running[:, None] & np.ones((1, sp.L), dtype=bool))
    assert np.isfinite(U[rows, cols, action[rows, cols]]).all()
    assert (action[~running] == policy.LIE_LOW).all()
    chose = action == policy.MOTION
    assert (target[~chose] == -1).all()
    assert ((target[chose] >= 0) & (target[chose] < sp.L)).all()
    assert (target != np.arange(sp.L)[None, :]).all()
    if not meeting:
        assert not chose.any()
