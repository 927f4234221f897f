"""Votes (engine/votes.py, docs/model.md sections 6 and 7.10): counting a vote, the sides the
principals take, the lean of uncommitted members, and the accounting of every body.

The compiled kernels are called directly with small records. Where a rule involves chance (a
vote's noise) the deterministic part is isolated (blocs whose members all vote one way), or the
count of a large bloc is compared with its expectation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import CONFIGS, body_size, compiled, facts, leaders, params, powers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from politburo.engine import bodies, votes
from politburo.engine.bodies import BODIES, CONFERENCE_BODY, CONGRESS_BODY
from politburo.engine.ladder import (
    EXILE,
    EXPEL,
    MOTIONS,
    REMOVE_BUREAU,
    REMOVE_COMMITTEE,
    REMOVE_OFFICE,
)
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.run import initial_state
from politburo.engine.step import step

SUPER = 2 / 3
BATCH = 6


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ---------------------------------------------------------------- counting a vote


def _count(blocs: list[list[int]], stance: list[list[float]], needed: float | list[float],
           seated: list[list[bool]] | None = None, lean: float | list[float] = 0.0, noise: float = 0.0,
           bandwagon: float = 0.0, discipline: float = 100.0, seed: int = 1,
           mask: list[bool] | None = None) -> tuple[np.ndarray, ...]:
    """votes._tally on B runs of a body of L principals: `blocs` (B, L + 1) clients of each
    principal and unaligned members, `stance` (B, L) each principal's side."""
    b = np.array(blocs, dtype=np.int64)
    B, L = b.shape[0], b.shape[1] - 1
    sits = np.zeros((B, L), dtype=bool) if seated is None else np.array(seated, dtype=bool)
    rng = Streams(seed, np.arange(B))
    draws = (rng.reps, rng.key("vote_mood", 0), rng.key("vote", 0))
    p = params(vote_noise=noise, bandwagon=bandwagon, bloc_discipline=discipline)
    m = np.ones(B, dtype=bool) if mask is None else np.array(mask, dtype=bool)
    return votes._tally(m, b, sits, np.array(stance, dtype=float),
                        np.broadcast_to(np.asarray(lean, dtype=float), (B,)).copy(),
                        np.broadcast_to(np.asarray(needed, dtype=float), (B,)).copy(), draws, p)


# Two disciplined blocs: the proposer's clients all vote yes, the target's all vote no (their
# logits are ±100: every member votes his patron's side, nobody abstains).
SIDES = [1.0, -1.0]


@pytest.mark.parametrize("yes, no, needed, passed", [
    (60, 40, SUPER, False),  # a majority, short of two thirds
    (70, 30, SUPER, True),
    (66, 34, SUPER, False),  # 66% < 66.7%
    (67, 33, SUPER, True),
    (60, 40, 0.5, True),
    (51, 49, 0.5, True),
    (50, 50, 0.5, False),  # a tie fails: more yes than no is needed
    (49, 51, 0.5, False),
])
def test_a_motion_passes_only_with_the_share_it_needs(yes: int, no: int, needed: float, passed: bool) -> None:
    y, n, a, p = _count([[yes, no, 0]], [SIDES], needed)
    assert (y[0], n[0], a[0]) == (yes, no, 0)
    assert bool(p[0]) is passed


def test_a_tie_fails_whatever_the_share_needed() -> None:
    y, n, _, p = _count([[50, 50, 0]], [SIDES], 0.0)
    assert y[0] == n[0] == 50 and not p[0]


def test_each_run_is_judged_by_its_own_majority() -> None:
    """The same 60-40 split passes where a simple majority is needed and fails where two thirds
    are (the supermajority is per motion, not per body)."""
    p = _count([[60, 40, 0]] * 2, [SIDES] * 2, [0.5, SUPER])[3]
    assert p.tolist() == [True, False]


def test_seated_principals_vote_their_side_and_never_abstain() -> None:
    """A committee of three principals and no clients: the proposer (+1) and an ally (+0.5) vote
    yes, the target (-1) no. Principals with no side follow the sign of the lean."""
    y, n, a, p = _count([[0, 0, 0, 0]], [[1.0, -1.0, 0.5]], 0.5, seated=[[True, True, True]])
    assert (y[0], n[0], a[0], bool(p[0])) == (2, 1, 0, True)
    y, n, a, p = _count([[0, 0, 0, 0]], [[1.0, -1.0, -0.5]], 0.5, seated=[[True, True, True]])
    assert (y[0], n[0], bool(p[0])) == (1, 2, False)
    for lean, expect in ((2.0, (2, 1)), (-2.0, (1, 2))):
        y, n, a, p = _count([[0, 0, 0, 0]], [[1.0, -1.0, 0.0]], 0.5, seated=[[True, True, True]], lean=lean)
        assert (y[0], n[0], a[0]) == (*expect, 0)
    # a principal who does not sit in the body has no vote
    y, n, a, p = _count([[0, 0, 0, 0]], [[1.0, -1.0, 0.5]], 0.5, seated=[[True, True, False]])
    assert (y[0], n[0]) == (1, 1) and not p[0]


def test_abstentions_do_not_count_towards_the_share() -> None:
    """Random bodies with an undecided bloc (noisy, with abstentions): every motion passes exactly
    when yes > no and yes ≥ needed · (yes + no), abstentions left out (section 6)."""
    rng = np.random.default_rng(0)
    B = 3000
    blocs = np.stack([rng.integers(0, 60, B), rng.integers(0, 60, B), rng.integers(0, 200, B)], axis=1)
    needed = rng.choice([0.5, SUPER, 0.75], B)
    y, n, a, p = _count(blocs.tolist(), [SIDES] * B, needed.tolist(), lean=rng.normal(0, 1.0, B).tolist(),
                        noise=0.5, discipline=3.0)
    assert np.array_equal(y + n + a, blocs.sum(axis=1))
    expected = (y > n) & (y >= needed * (y + n))
    assert np.array_equal(p, expected)
    # the sample holds motions that abstentions would have sunk had they counted as votes cast
    assert ((y >= needed * (y + n)) & (y < needed * (y + n + a)) & (y > n)).sum() > 20


def test_bloc_votes_follow_the_logistic_rule() -> None:
    """Large blocs (the binomial noise is then small): yes ≈ n · σ(base + discipline · side),
    base = lean + bandwagon · (the body's expected split); abstentions are
    0.1 · (1 − |2p − 1|) of the rest (section 7.9)."""
    n = 1_000_000
    lean, bandwagon, discipline = 0.3, 0.8, 1.5
    blocs = [[n, 3 * n, 2 * n]]  # proposer's clients, target's clients, unaligned
    y, no, a, _ = _count(blocs, [SIDES], 0.5, lean=lean, bandwagon=bandwagon, discipline=discipline)
    side = (n * 1.0 + 3 * n * -1.0) / (6 * n)
    base = lean + bandwagon * side
    expect_yes = expect_abs = 0.0
    for count, s in ((n, 1.0), (3 * n, -1.0), (2 * n, 0.0)):
        p = _sigmoid(base + discipline * s)
        expect_yes += count * p
        expect_abs += count * (1 - p) * 0.1 * (1 - abs(2 * p - 1))
    sd = math.sqrt(6 * n * 0.25)  # an upper bound on the binomial noise of the whole count
    assert abs(y[0] - expect_yes) < 5 * sd, (y[0], expect_yes)
    assert abs(a[0] - expect_abs) < 5 * sd, (a[0], expect_abs)
    assert y[0] + no[0] + a[0] == 6 * n


def test_a_run_outside_the_mask_does_not_vote() -> None:
    y, n, a, p = _count([[70, 30, 0], [70, 30, 0]], [SIDES, SIDES], 0.5, mask=[False, True])
    assert (y[0], n[0], a[0], bool(p[0])) == (0, 0, 0, False) and bool(p[1])


# ---------------------------------------------------------------- sides


def test_stances_follow_alliances_and_targets() -> None:
    """Proposer 0 against target 1. Leader 2 is allied with the proposer (+0.5); 3 with the
    target (−0.5); 4 targets the target (+0.5); 5 targets the proposer (−0.5); 6 has submitted
    (+0.5); 7 is uncommitted (0). An ally of both who also targets the target: 2+1−2 > 0."""
    L = 9
    lead = leaders(1, L)
    for a, b in ((0, 2), (1, 3), (0, 8), (1, 8)):
        lead.allied[0, a, b] = lead.allied[0, b, a] = True
    lead.target[0, 4] = 1
    lead.target[0, 5] = 0
    lead.target[0, 8] = 1
    lead.submitted[0, 6] = True
    s = votes._stance(lead, np.array([0]), np.array([1]))
    assert s[0].tolist() == [1.0, -1.0, 0.5, -0.5, 0.5, -0.5, 0.5, 0.0, 0.5]


# ---------------------------------------------------------------- the lean of uncommitted members


def _lean_by_the_formula(i: int, j: int, m: int, o: int, prestige: np.ndarray, heir: np.ndarray,
                         ideology: np.ndarray, line: np.ndarray, grounds: np.ndarray, faction: np.ndarray,
                         allied: np.ndarray, ctrl: np.ndarray, army: np.ndarray, doc_force: np.ndarray,
                         doc_removal: np.ndarray, top: np.ndarray, w: np.ndarray) -> float:
    """docs/model.md section 7.9, term by term, for one run."""
    rung_weight = [0.3, 1.0, 2.0, 3.0, 4.0, 4.0, 0.0][m]
    d_p = float(np.linalg.norm(ideology[i] - line))
    d_t = float(np.linalg.norm(ideology[j] - line))
    x = w[0] * ((prestige[i] + 0.5 * heir[i]) - (prestige[j] + 0.5 * heir[j]))
    x += w[1] * ((d_t - 0.4) - 0.5 * d_p)
    x -= w[2] * rung_weight
    x -= 2 * w[2] * (o >= 0 and bool(top[o]))
    x += w[3] * (min(grounds[j], 2.0) - 1.0)
    if faction[j]:
        charging = ctrl[i] or any(allied[i, k] and ctrl[k] for k in range(len(ctrl)))
        charge = w[4] if charging else 0.5 * w[4]
        x += charge if m in (REMOVE_BUREAU, REMOVE_COMMITTEE, EXPEL, EXILE) else 0.5 * charge
    x += 0.5 * w[5] * bool(army[j])
    if m == REMOVE_OFFICE:
        x += sum(w[6] * doc_force[d] for d in range(len(doc_force)) if doc_removal[d, j] == o)
    return x


def test_the_lean_of_uncommitted_members_is_the_documented_sum() -> None:
    rng = np.random.default_rng(3)
    B, L, A, O, D = 400, 5, 2, 4, 2
    proposer = rng.integers(0, L, B)
    target = (proposer + rng.integers(1, L, B)) % L
    motion = rng.integers(0, 6, B)  # (a document's reading has a fixed lean: section 7.11)
    office = np.where(motion == REMOVE_OFFICE, rng.integers(-1, O, B), -1)  # as the ladder gives it
    prestige, heir = rng.uniform(0, 1.5, (B, L)), rng.uniform(0, 1, (B, L))
    ideology, line = rng.uniform(-1, 1, (B, L, A)), rng.uniform(-1, 1, (B, A))
    grounds = rng.uniform(0, 3, (B, L))
    faction = rng.random((B, L)) < 0.4
    allied = rng.random((B, L, L)) < 0.3
    ctrl, army = rng.random((B, L)) < 0.2, rng.random((B, L)) < 0.2
    doc_force = rng.uniform(0, 1, (B, D))
    doc_removal = np.array([[0, -1, 2, -1, 1], [-1, 3, 0, -1, -1]])
    top = np.array([True, False, False, True])
    w = np.array([1.3, 0.7, 0.45, 0.6, 1.1, 0.9, 1.7])
    p = params(prestige_weight=w[0], ideology_weight=w[1], severity=w[2], grounds_weight=w[3], faction_ban=1.0,
               factionalism_charge=w[4], bonaparte_fear=w[5], removal_push=w[6])
    lead = leaders(B, L, A, prestige=prestige, heir=heir, ideology=ideology, grounds=grounds, faction=faction,
                   allied=allied)
    got = votes._lean(np.ones(B, dtype=bool), votes.Motion(proposer, target, motion, office), lead,
                      votes.Context(ctrl, army, line, doc_force), facts(powers=powers(top.tolist()),
                                                                        doc_removal=doc_removal), p)
    for r in range(B):
        ref = _lean_by_the_formula(proposer[r], target[r], motion[r], office[r], prestige[r], heir[r], ideology[r],
                                   line[r], grounds[r], faction[r], allied[r], ctrl[r], army[r], doc_force[r],
                                   doc_removal, top, w)
        assert got[r] == pytest.approx(ref, abs=1e-12), r


# ---------------------------------------------------------------- what a vote reveals


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), rate=st.floats(0.0, 1.0), B=st.integers(1, 5), L=st.integers(1, 7))
def test_a_vote_reveals_hidden_power_and_insight_stays_within_0_and_1(seed: int, rate: float, B: int,
                                                                         L: int) -> None:
    """`votes.reveal`: in the runs that voted, every observer sees `insight_reveal` more of what
    he did not yet see; insight never falls and never leaves [0, 1]; other runs are untouched."""
    rng = np.random.default_rng(seed)
    insight = rng.uniform(0, 1, (B, L, L))
    insight[rng.random((B, L, L)) < 0.2] = 1.0
    insight[rng.random((B, L, L)) < 0.2] = 0.0
    lead = leaders(B, L, insight=insight)
    mask = rng.random(B) < 0.6
    votes._reveal(lead.insight, mask, rate)
    after = lead.insight
    assert ((after >= 0.0) & (after <= 1.0)).all()
    assert (after >= insight).all()
    assert np.array_equal(after[~mask], insight[~mask])
    assert after[mask] == pytest.approx(insight[mask] + rate * (1 - insight[mask]), abs=1e-15)


# ---------------------------------------------------------------- every member of every body


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
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

