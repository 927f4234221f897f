"""A whole month (engine/step.py): invariants of the engine, checked after every month of small
batches of runs, on both built-in scenarios, with hypothesis-chosen seeds and parameter values
inside each parameter's prior. Vote tallies are checked twice: from the log against sizes
computed from the state before the month (committee) or the schedule (congress, conference),
and at the moment of each vote by a spy around `votes.tally` that recounts the body from the
state it is given. Also: the mechanisms `step` calls, in order."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import numpy as np
from conftest import CONFIGS, MECHANISMS, body_size, compiled
from hypothesis import HealthCheck, Phase, example, given, settings

from politburo.engine import step as step_module
from politburo.engine import votes
from politburo.engine.bodies import BODIES, COMMITTEE, CONFERENCE_BODY, CONGRESS_BODY
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.run import initial_state
from politburo.engine.spec import CONGRESS, PLENUM, Spec
from politburo.engine.state import State
from politburo.engine.step import step

BATCH = 6

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None, print_blob=True,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow])


def test_step_calls_the_mechanisms_in_the_documented_order() -> None:
    """The public entries step calls, read from its source, are those the tests run month by
    month (`conftest.month_stages`), in the same order."""
    modules = {name.split(".")[0] for name in MECHANISMS}
    calls = re.findall(r"\b([a-z_]+)\.([a-z_]+)\(", inspect.getsource(step_module.step))
    assert tuple(f"{m}.{f}" for m, f in calls if m in modules) == MECHANISMS


# ---------------------------------------------------------------- bookkeeping


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
    assert ((s.offices.holder >= -1) & (s.offices.holder < L)).all()
    assert ((s.offices.patron >= -1) & (s.offices.patron < L)).all()
    for o in range(spec.O):
        h = s.offices.holder[:, o]
        held = h >= 0
        assert not s.leaders.expelled[rows[held], h[held]].any(), f"month {t}: an expelled leader holds office {o}"
    # membership
    assert np.isfinite(s.regions.members).all() and (s.regions.members > 0).all()
    assert (s.regions.steered >= 0).all() and (s.regions.steered <= s.regions.members).all()
    # bodies
    assert (s.bodies.committee >= 0).all(), f"month {t}: negative committee seats {s.bodies.committee.min()}"
    assert (s.bodies.bureau >= 0).all(), f"month {t}: negative bureau seats {s.bodies.bureau.min()}"
    now = max(t, 0)  # t = -1: the bodies seeded before the first month
    size = body_size(s, COMMITTEE, None)
    assert (size == spec.committee_size[now]).all(), (
        f"month {t}: committee of {size.tolist()}, scheduled {spec.committee_size[now]}")
    if t < 0 or spec.meeting[t] & (CONGRESS | PLENUM):
        seats = s.bodies.bureau.sum(axis=1) + s.leaders.in_bureau.sum(axis=1) + int(s.founder_alive)
        assert (seats == spec.bureau_size[now]).all(), (
            f"month {t}: bureau of {seats.tolist()} after filling, scheduled {spec.bureau_size[now]}")
    lead = s.leaders
    assert not (lead.expelled & (lead.in_bureau | lead.in_committee)).any(), "an expelled leader sits in a body"
    # standing
    bad = (s.leaders.prestige < 0.0) | (s.leaders.prestige > 1.5) | ~np.isfinite(s.leaders.prestige)
    assert not bad.any(), (f"month {t}: prestige {s.leaders.prestige[bad].tolist()} outside [0, 1.5] "
                           f"(runs {np.nonzero(bad)[0].tolist()}, leaders {np.nonzero(bad)[1].tolist()})")
    assert np.isfinite(s.leaders.heir).all()
    # positions and beliefs
    assert np.isfinite(s.leaders.ideology).all() and (np.abs(s.leaders.ideology) <= 1.0).all()
    assert (np.abs(s.regions.sentiment) <= 1.0).all()
    assert ((s.leaders.insight >= 0.0) & (s.leaders.insight <= 1.0)).all()
    assert ((s.regions.loyalty >= 0.0) & (s.regions.loyalty <= 1.0)).all()
    assert ((s.regions.patron >= -1) & (s.regions.patron < L)).all()
    assert ((s.documents.force >= 0.0) & (s.documents.force <= 1.0)).all()
    # coalitions
    assert ((s.leaders.target >= -1) & (s.leaders.target < L)).all()
    assert not (s.leaders.target == np.arange(L)[None, :]).any(), "a leader targets himself"
    assert not s.leaders.allied[:, np.arange(L), np.arange(L)].any()
    assert np.array_equal(s.leaders.allied, s.leaders.allied.transpose(0, 2, 1))
    # records
    rec_ = s.records
    for rec in (rec_.sanctions, rec_.defeated, s.offices.lost, s.documents.released, rec_.coalition_first):
        assert (rec <= t).all() and (rec >= -1).all()
    assert np.array_equal(s.running, s.records.winner < 0)
    won = s.records.winner >= 0
    assert ((s.records.winner >= -1) & (s.records.winner < L)).all()
    assert ((s.records.victory >= 0) & (s.records.victory <= t))[won].all() and (s.records.victory[~won] == -1).all()
    was = prev_winner >= 0
    assert np.array_equal(s.records.winner[was], prev_winner[was])
    assert np.array_equal(s.records.victory[was], prev_victory[was])


def run_checked(spec: Spec, seed: int, B: int = BATCH) -> State:
    """Run `B` replicates month by month, checking every invariant after every step."""
    s = initial_state(spec, B)
    rng = Streams(seed, np.arange(B))
    log = Log()
    spy = Spy(votes.tally)
    check_state(spec, s, -1, s.records.winner.copy(), s.records.victory.copy())
    with mock.patch.object(votes, "tally", spy):
        for t in range(spec.months):
            committee_before = body_size(s, COMMITTEE, None)
            running = s.running.copy()
            prev_w, prev_v = s.records.winner.copy(), s.records.victory.copy()
            n_votes, n_calls = len(log.votes), len(spy.calls)
            step(spec, s, rng, log)
            check_tallies(spec, t, log.votes[n_votes:], committee_before, spy.calls[n_calls:], running)
            check_state(spec, s, t, prev_w, prev_v)
    assert spy.calls, "no vote was ever taken"
    return s


# ---------------------------------------------------------------- the properties

# Both scenarios at their defaults always run first; hypothesis then varies scenario, seed and
# up to four parameters inside their priors.


@SETTINGS
@given(cfg=CONFIGS)
@example(cfg=("soviet-1924", 0, {}))
@example(cfg=("tutorial", 0, {}))
def test_invariants_hold_every_month(cfg: tuple[str, int, dict[str, float]]) -> None:
    name, seed, overrides = cfg
    run_checked(compiled(name, overrides), seed)
