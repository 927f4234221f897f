"""Invariants of the engine, checked after every month of small batches of runs, on both
built-in scenarios, with hypothesis-chosen seeds and parameter values inside each parameter's
prior. Vote tallies are checked twice: from the log against sizes computed from the state
before the month (committee) or the schedule (congress, conference), and at the moment of
each vote by a spy around `votes.tally` that recounts the body from the state it is given."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import numpy as np
from conftest import SCENARIOS, scenario
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from politburo import load_scenario
from politburo.compile import compile_scenario
from politburo.engine import bodies, votes
from politburo.engine.log import BODIES, MOTIONS, Log
from politburo.engine.rng import Streams
from politburo.engine.run import initial_state
from politburo.engine.spec import CONGRESS, PLENUM, Spec
from politburo.engine.state import State
from politburo.engine.step import step

BUREAU, COMMITTEE, CONGRESS_BODY, CONFERENCE_BODY = (BODIES.index(b) for b in
                                                     ("bureau", "committee", "congress", "conference"))
BATCH = 6

SETTINGS = settings(max_examples=20, deadline=None, derandomize=False, print_blob=True,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def configs(draw: st.DrawFn, name: str) -> tuple[int, dict[str, float]]:
    """A seed and up to four parameters set to values inside their priors (ends included)."""
    sc = scenario(name)
    names = sorted(sc.parameters)
    chosen = draw(st.lists(st.sampled_from(names), max_size=4, unique=True))
    overrides: dict[str, float] = {}
    for p in chosen:
        lo, hi = sc.parameters[p].prior
        overrides[f"parameters.{p}"] = draw(st.one_of(
            st.sampled_from([float(lo), float(hi)]),
            st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False)))
    seed = draw(st.integers(0, 2**40))
    return seed, overrides


def compiled(name: str, overrides: dict[str, float]) -> Spec:
    return compile_scenario(load_scenario(name, overrides=overrides or None))


# ---------------------------------------------------------------- bookkeeping


def body_size(st_: State, body: int, delegates: np.ndarray | None) -> np.ndarray:
    """(B,) members of a body, recounted from the state: client blocs plus principals sitting
    (an expelled principal sits nowhere). The founder, who sits in the bureau while alive, is
    not a voter: in both scenarios he dies before any meeting."""
    if body == BUREAU:
        return st_.bureau.sum(axis=1) + (st_.in_bureau & ~st_.expelled).sum(axis=1)
    if body == COMMITTEE:
        return st_.committee.sum(axis=1) + (st_.in_committee & ~st_.expelled).sum(axis=1)
    assert delegates is not None
    return delegates.sum(axis=1)


@dataclass
class Spy:
    """Wraps `votes.tally`: records, for every call, the body's size recounted just before it."""

    original: Any
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[np.ndarray, ...]:
        bound = inspect.signature(self.original).bind(*args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        st_: State = a["st"]
        size = body_size(st_, int(a["body"]), a["delegates"])
        out = self.original(*args, **kwargs)
        y, n, ab, passed = out
        self.calls.append({"month": st_.month, "body": int(a["body"]), "mask": np.asarray(a["mask"]).copy(),
                           "size": size, "yes": y, "no": n, "abstain": ab, "passed": passed,
                           "delegates": None if a["delegates"] is None else a["delegates"].sum(axis=1)})
        return out


def check_tallies(spec: Spec, t: int, rows: list[tuple[np.ndarray, ...]], committee_before: np.ndarray,
                  spy_calls: list[dict[str, Any]], running: np.ndarray) -> None:
    L = spec.L
    logged = 0
    for row in rows:
        runs, month, body, _motion, proposer, target, yes, no, abstain, passed = row[:10]
        logged += runs.size
        assert (month == t).all()
        b = int(body[0])
        assert (body == b).all() and 0 <= b < len(BODIES)
        assert ((proposer >= 0) & (proposer < L) & (target >= 0) & (target < L)).all()
        assert (yes >= 0).all() and (no >= 0).all() and (abstain >= 0).all()
        assert (yes > no)[passed.astype(bool)].all(), "a motion passed without more yes than no"
        total = yes + no + abstain
        if b == COMMITTEE:
            # the committee's size does not change within a month before the congress elects
            expected = committee_before[runs]
        elif b == CONGRESS_BODY:
            expected = np.full(runs.size, int(spec.delegates[t]))
        elif b == CONFERENCE_BODY:
            expected = np.full(runs.size, int(spec.conference_delegates[t]))
        else:
            continue  # the bureau can shrink mid-meeting: checked by the spy below
        assert np.array_equal(total, expected), (
            f"month {t}: {BODIES[b]} tallies {total.tolist()} != body size {expected.tolist()}")
    seen = 0
    for c in spy_calls:
        m = c["mask"]
        total = c["yes"] + c["no"] + c["abstain"]
        assert np.array_equal(total[m], c["size"][m]), (
            f"month {t}: {BODIES[c['body']]} tallies {total[m].tolist()} != members {c['size'][m].tolist()}")
        if c["body"] == CONGRESS_BODY:
            assert (c["delegates"] == int(spec.delegates[t])).all()
        if c["body"] == CONFERENCE_BODY:
            assert (c["delegates"] == int(spec.conference_delegates[t])).all()
        assert not (c["passed"] & ~m).any(), "a motion passed in a run that did not vote"
        seen += int((m & running).sum())
    assert seen == logged, f"month {t}: {seen} tallies counted but {logged} logged"


def check_state(spec: Spec, s: State, t: int, prev_winner: np.ndarray, prev_victory: np.ndarray) -> None:
    L, B = spec.L, s.B
    rows = np.arange(B)
    assert s.month == t + 1
    # offices: one valid holder index (or none); no expelled holder
    assert ((s.holder >= -1) & (s.holder < L)).all()
    assert ((s.office_patron >= -1) & (s.office_patron < L)).all()
    for o in range(spec.O):
        h = s.holder[:, o]
        held = h >= 0
        assert not s.expelled[rows[held], h[held]].any(), f"month {t}: an expelled leader holds office {o}"
    # membership
    assert np.isfinite(s.members).all() and (s.members > 0).all()
    assert (s.steered >= 0).all() and (s.steered <= s.members).all()
    # bodies
    assert (s.committee >= 0).all(), f"month {t}: negative committee seats {s.committee.min()}"
    assert (s.bureau >= 0).all(), f"month {t}: negative bureau seats {s.bureau.min()}"
    now = max(t, 0)  # t = -1: the bodies seeded before the first month
    size = s.committee.sum(axis=1) + (s.in_committee & ~s.expelled).sum(axis=1)
    assert (size == spec.committee_size[now]).all(), (
        f"month {t}: committee of {size.tolist()}, scheduled {spec.committee_size[now]}")
    if t < 0 or spec.meeting[t] & (CONGRESS | PLENUM):
        seats = s.bureau.sum(axis=1) + s.in_bureau.sum(axis=1) + int(s.founder_alive)
        assert (seats == spec.bureau_size[now]).all(), (
            f"month {t}: bureau of {seats.tolist()} after filling, scheduled {spec.bureau_size[now]}")
    assert not (s.expelled & (s.in_bureau | s.in_committee)).any(), "an expelled leader sits in a body"
    # standing
    bad = (s.prestige < 0.0) | (s.prestige > 1.5) | ~np.isfinite(s.prestige)
    assert not bad.any(), (f"month {t}: prestige {s.prestige[bad].tolist()} outside [0, 1.5] "
                           f"(runs {np.nonzero(bad)[0].tolist()}, leaders {np.nonzero(bad)[1].tolist()})")
    assert np.isfinite(s.heir).all()
    # positions and beliefs
    assert np.isfinite(s.ideology).all() and (np.abs(s.ideology) <= 1.0).all()
    assert (np.abs(s.sentiment) <= 1.0).all()
    assert ((s.insight >= 0.0) & (s.insight <= 1.0)).all()
    assert ((s.loyalty >= 0.0) & (s.loyalty <= 1.0)).all()
    assert ((s.patron >= -1) & (s.patron < L)).all()
    assert ((s.doc_force >= 0.0) & (s.doc_force <= 1.0)).all()
    # coalitions
    assert ((s.target >= -1) & (s.target < L)).all()
    assert not (s.target == np.arange(L)[None, :]).any(), "a leader targets himself"
    assert not s.allied[:, np.arange(L), np.arange(L)].any()
    assert np.array_equal(s.allied, s.allied.transpose(0, 2, 1))
    # records
    for rec in (s.sanctions, s.defeated, s.office_lost, s.doc_released, s.coalition_first):
        assert (rec <= t).all() and (rec >= -1).all()
    assert np.array_equal(s.running, s.winner < 0)
    won = s.winner >= 0
    assert ((s.winner >= -1) & (s.winner < L)).all()
    assert ((s.victory >= 0) & (s.victory <= t))[won].all() and (s.victory[~won] == -1).all()
    was = prev_winner >= 0
    assert np.array_equal(s.winner[was], prev_winner[was]) and np.array_equal(s.victory[was], prev_victory[was])


def run_checked(spec: Spec, seed: int, B: int = BATCH) -> State:
    """Run `B` replicates month by month, checking every invariant after every step."""
    s = initial_state(spec, B)
    rng = Streams(seed, np.arange(B))
    log = Log()
    spy = Spy(votes.tally)
    check_state(spec, s, -1, s.winner.copy(), s.victory.copy())
    with mock.patch.object(votes, "tally", spy):
        for t in range(spec.months):
            committee_before = s.committee.sum(axis=1) + (s.in_committee & ~s.expelled).sum(axis=1)
            running = s.running.copy()
            prev_w, prev_v = s.winner.copy(), s.victory.copy()
            n_votes, n_calls = len(log.votes), len(spy.calls)
            step(spec, s, rng, log)
            check_tallies(spec, t, log.votes[n_votes:], committee_before, spy.calls[n_calls:], running)
            check_state(spec, s, t, prev_w, prev_v)
    assert spy.calls, "no vote was ever taken"
    return s


# ---------------------------------------------------------------- the properties

# Both scenarios at their defaults always run first; hypothesis then varies scenario, seed and
# up to four parameters inside their priors.
CONFIGS = st.sampled_from(SCENARIOS).flatmap(lambda name: configs(name).map(lambda c: (name, *c)))


@SETTINGS
@given(cfg=CONFIGS)
@example(cfg=("soviet-1924", 0, {}))
@example(cfg=("tutorial", 0, {}))
def test_invariants_hold_every_month(cfg: tuple[str, int, dict[str, float]]) -> None:
    name, seed, overrides = cfg
    run_checked(compiled(name, overrides), seed)


@SETTINGS
@given(cfg=CONFIGS, months=st.integers(0, 48), body=st.sampled_from(range(len(BODIES))),
       motion=st.sampled_from(range(len(MOTIONS))), who=st.tuples(st.integers(0, 20), st.integers(0, 20)),
       delegates=st.integers(1, 1500))
def test_tally_counts_every_member_of_every_body(cfg: tuple[str, int, dict[str, float]], months: int,
                                                 body: int, motion: int, who: tuple[int, int],
                                                 delegates: int) -> None:
    """Direct calls of `votes.tally` for every body (the simulated runs almost never put a
    motion to the bureau, so the bureau's accounting is checked here), after a few months."""
    name, seed, overrides = cfg
    sp = compiled(name, overrides)
    s = initial_state(sp, BATCH)
    rng = Streams(seed, np.arange(BATCH))
    log = Log()
    for _ in range(min(months, sp.months - 1)):
        step(sp, s, rng, log)
    L = sp.L
    proposer = np.full(BATCH, who[0] % L)
    target = (proposer + 1 + who[1] % (L - 1)) % L
    dl = bodies.congress_delegates(sp, s, delegates) if body in (CONGRESS_BODY, CONFERENCE_BODY) else None
    if dl is not None:
        assert (dl >= 0).all() and (dl.sum(axis=1) == delegates).all()
    mask = np.ones(BATCH, dtype=bool)
    mask[0] = False
    y, n, a, passed = votes.tally(sp, s, rng, 7, body, proposer, target, np.full(BATCH, motion),
                                  np.full(BATCH, -1), mask, delegates=dl)
    size = body_size(s, body, dl)
    assert (y >= 0).all() and (n >= 0).all() and (a >= 0).all()
    assert np.array_equal((y + n + a)[mask], size[mask]), (BODIES[body], (y + n + a).tolist(), size.tolist())
    assert not passed[0] and ((y > n) | ~passed).all()
