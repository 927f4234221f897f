"""Reproducibility: run k of a batch is run k computed alone, an ensemble does not depend on its
batch size, a seed fixes a run, and the counter-based streams are pure functions of their keys."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from conftest import SCENARIOS, spec, state_arrays
from hypothesis import given, settings
from hypothesis import strategies as st

import politburo
from politburo.engine.rng import PURPOSES, Streams
from politburo.engine.run import BatchResult, run_batch

SEED = 2

def _run(res: BatchResult, i: int) -> dict[str, Any]:
    """Everything recorded about run i of a batch result."""
    out: dict[str, Any] = {}
    for k, v in state_arrays(res.state).items():
        out[f"state.{k}"] = v[i] if isinstance(v, np.ndarray) else v
    for name, cols in (("vote", res.log.vote_columns()), ("event", res.log.event_columns())):
        sel = cols["run"] == i
        for k, c in cols.items():
            if k != "run":
                out[f"{name}.{k}"] = c[sel]
    out["coalitions"] = res.coalitions[i]
    out["committee_share"] = res.committee_share[i]
    out["members"] = res.members[i]
    return out


def _differences(a: dict[str, Any], b: dict[str, Any], keys: Any = None) -> list[str]:
    keys = a.keys() if keys is None else keys
    assert set(keys) <= set(b)
    return [k for k in keys if not np.array_equal(np.asarray(a[k]), np.asarray(b[k]))]


# ---------------------------------------------------------------- run k of a batch is run k alone


@functools.cache
def _batch_and_singles(name: str) -> tuple[BatchResult, list[BatchResult]]:
    """Replicates 0..63 of SEED as one batch, and each of them computed alone."""
    sp = spec(name)
    return run_batch(sp, SEED, np.arange(64)), [run_batch(sp, SEED, np.array([k])) for k in range(64)]


@pytest.mark.parametrize("name", SCENARIOS)
def test_run_k_of_a_batch_is_run_k_alone_bit_for_bit(name: str) -> None:
    """Each of 64 runs: the whole final State, both logs (every vote and event) and the monthly
    records (coalitions, committee shares, membership), alone and in the batch, bit for bit."""
    batch, singles = _batch_and_singles(name)
    assert len(singles) == 64
    bad = {k: d for k, alone in enumerate(singles) if (d := _differences(_run(batch, k), _run(alone, 0)))}
    assert not bad, f"{len(bad)} of 64 runs differ: {bad}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_run_k_is_the_same_alone_and_in_a_batch_month_by_month(name: str) -> None:
    """The same with every monthly series recorded (prestige, heir, shares, power, economy...)."""
    sp = spec(name)
    batch = run_batch(sp, SEED, np.arange(64), series=True)
    assert batch.series is not None
    bad = {}
    for k in (0, 9, 30, 63):
        alone = run_batch(sp, SEED, np.array([k]), series=True)
        assert alone.series is not None and alone.series.keys() == batch.series.keys()
        diff = _differences(_run(batch, k), _run(alone, 0))
        diff += [f"series.{s}" for s in batch.series
                 if not np.array_equal(batch.series[s][k], alone.series[s][0])]
        if diff:
            bad[k] = diff
    assert not bad, bad


@pytest.mark.parametrize("name", SCENARIOS)
def test_replicate_numbers_not_positions_identify_runs(name: str) -> None:
    """A batch of replicates [5, 3] gives run 5 and run 3, the same as [3, 5] in reverse order."""
    sp = spec(name)
    a = run_batch(sp, SEED, np.array([5, 3]))
    b = run_batch(sp, SEED, np.array([3, 5]))
    for i, j in ((0, 1), (1, 0)):
        assert not _differences(_run(a, i), _run(b, j))


# ---------------------------------------------------------------- ensembles and batch size

N = 30


@functools.cache
def _ensemble(name: str, batch_size: int) -> politburo.EnsembleResult:
    return politburo.ensemble(name, runs=N, seed=SEED, batch_size=batch_size)


def _ensemble_record(ens: politburo.EnsembleResult) -> dict[str, Any]:
    out = {k: getattr(ens, k) for k in ("winner", "victory", "defeated", "sanctions", "office_lost",
                                        "coalitions", "committee_share", "members", "positions")}
    out.update({f"votes.{k}": v for k, v in ens.votes.items()})
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_ensemble_does_not_depend_on_batch_size(name: str) -> None:
    """Winner, victory, defeats, sanctions, offices lost, every vote, and the monthly coalitions,
    committee shares, membership and positions, for batch sizes 1, 7 and N."""
    ref = _ensemble_record(_ensemble(name, N))
    assert ref["winner"].shape == (N,) and ref["votes.run"].size > 0
    bad = {b: _differences(_ensemble_record(_ensemble(name, b)), ref) for b in (1, 7)}
    assert not any(bad.values()), bad


# ---------------------------------------------------------------- seeds


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_seed_same_run(name: str) -> None:
    a = politburo.simulate(name, seed=7)
    b = politburo.simulate(name, seed=7)
    assert a.chronicle == b.chronicle
    assert a.votes == b.votes
    assert (a.winner, a.victory_date, a.elimination_order, a.fates, a.standings) == \
           (b.winner, b.victory_date, b.elimination_order, b.fates, b.standings)
    assert a.series.keys() == b.series.keys()
    for k in a.series:
        assert np.array_equal(a.series[k], b.series[k]), k


@pytest.mark.parametrize("name", SCENARIOS)
def test_different_seeds_give_different_runs(name: str) -> None:
    chronicles = [politburo.simulate(name, seed=s).chronicle for s in range(4)]
    assert len({tuple(c) for c in chronicles}) > 1
    # and different replicates of one seed differ too
    reps = [politburo.simulate(name, seed=0, replicate=r).chronicle for r in range(1, 4)]
    assert len({tuple(c) for c in [chronicles[0], *reps]}) > 1


# ---------------------------------------------------------------- the streams

KEY = st.tuples(st.integers(0, 2**63 - 1), st.sampled_from(PURPOSES), st.integers(0, 500), st.integers(0, 2000))
TAILS = st.sampled_from([(), (1,), (3,), (2, 4)])


@settings(max_examples=40, deadline=None)
@given(key=KEY, tail=TAILS, reps=st.lists(st.integers(0, 10**6), min_size=1, max_size=6, unique=True))
def test_streams_same_keys_same_numbers(key: tuple[int, str, int, int], tail: tuple[int, ...],
                                        reps: list[int]) -> None:
    seed, purpose, month, sub = key
    r = np.array(reps)
    a = Streams(seed, r)
    for draw in ("uniform", "normal", "gumbel"):
        x = getattr(a, draw)(purpose, month, tail, sub)
        assert x.shape == (len(reps), *tail)
        assert np.isfinite(x).all()
        assert np.array_equal(x, getattr(a, draw)(purpose, month, tail, sub))  # no hidden state
        assert np.array_equal(x, getattr(Streams(seed, r), draw)(purpose, month, tail, sub))
        # each replicate's numbers do not depend on the others in the batch
        for i, rep in enumerate(reps):
            alone = getattr(Streams(seed, np.array([rep])), draw)(purpose, month, tail, sub)
            assert np.array_equal(x[i], alone[0])
    u = a.uniform(purpose, month, tail, sub)
    assert ((u > 0.0) & (u < 1.0)).all()


@settings(max_examples=40, deadline=None)
@given(key=KEY, other=KEY)
def test_streams_different_keys_different_numbers(key: tuple[int, str, int, int],
                                                  other: tuple[int, str, int, int]) -> None:
    seed, purpose, month, sub = key
    reps = np.arange(3)
    x = Streams(seed, reps).uniform(purpose, month, (4,), sub)
    if other != key:
        y = Streams(other[0], reps).uniform(other[1], other[2], (4,), other[3])
        assert not np.array_equal(x, y)
    # change one component at a time
    variants = [
        Streams(seed ^ 1, reps).uniform(purpose, month, (4,), sub),
        Streams(seed, reps).uniform(PURPOSES[(PURPOSES.index(purpose) + 1) % len(PURPOSES)], month, (4,), sub),
        Streams(seed, reps).uniform(purpose, month + 1, (4,), sub),
        Streams(seed, reps).uniform(purpose, month, (4,), sub + 1),
        Streams(seed, reps + 3).uniform(purpose, month, (4,), sub),
    ]
    for v in variants:
        assert not np.isin(x, v).any()
    # replicates and positions within a draw are distinct too
    assert len(np.unique(x)) == x.size


def test_streams_cover_every_purpose_and_look_uniform() -> None:
    s = Streams(123, np.arange(2000))
    for purpose in PURPOSES:
        u = s.uniform(purpose, 5, (10,))
        assert abs(u.mean() - 0.5) < 0.01
        assert abs(u.var() - 1 / 12) < 0.005
        z = s.normal(purpose, 5, (10,))
        assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    with pytest.raises(KeyError):
        s.uniform("no such purpose", 0)
