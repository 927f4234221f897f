"""A batch state can be snapshot mid-run and resumed: the resumed runs end exactly where the
uninterrupted ones do (what branching futures from saved states needs)."""

from __future__ import annotations

import numpy as np
from conftest import state_arrays

from politburo.compile import compile_scenario
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.run import initial_state, run_batch
from politburo.engine.step import step
from politburo.loader import load_scenario


def _state_at(spec, seed: int, reps: np.ndarray, month: int):  # type: ignore[no-untyped-def]
    st = initial_state(spec, len(reps))
    rng = Streams(seed, reps)
    log = Log()
    while st.month < month:
        step(spec, st, rng, log)
    return st


def test_resuming_a_snapshot_gives_the_uninterrupted_result() -> None:
    spec = compile_scenario(load_scenario("soviet-1924"))
    reps = np.arange(40)
    full = run_batch(spec, 3, reps)
    resumed = run_batch(spec, 3, reps, state=_state_at(spec, 3, reps, 30).copy())
    want, got = state_arrays(full.state), state_arrays(resumed.state)
    for name in want:
        assert np.array_equal(got[name], want[name]), name


def test_a_sub_batch_taken_from_a_snapshot_continues_like_its_runs() -> None:
    spec = compile_scenario(load_scenario("soviet-1924"))
    reps = np.arange(40)
    full = run_batch(spec, 5, reps)
    pick = np.array([3, 17, 31])
    part = run_batch(spec, 5, reps[pick], state=_state_at(spec, 5, reps, 20).take(pick))
    assert np.array_equal(part.state.records.winner, full.state.records.winner[pick])
    assert np.array_equal(part.state.leaders.prestige, full.state.leaders.prestige[pick])
