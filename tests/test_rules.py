"""The vote and sanction rules of the engine, each on a tiny hand-built committee or state where
the rule decides the result (docs/model.md sections 6, 7.4, 7.9, 7.10 and 7.13).

The compiled kernels are called directly with small arrays. Where a rule involves chance (a
vote's noise, readmission, relapse), the deterministic part is isolated (blocs whose members
all vote one way), or the frequency over many runs is compared with the stated probability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import spec

from politburo.engine import bodies, motions, outcome, policy, votes
from politburo.engine import log as lg
from politburo.engine.common import largest_remainder
from politburo.engine.rng import Streams
from politburo.engine.state import (
    EXILED,
    EXPELLED,
    LEFT_BUREAU,
    LEFT_COMMITTEE,
    LOST_OFFICE,
    READMITTED,
    RECANTED,
    initial_state,
)

BUREAU, COMMITTEE, CONGRESS, CONFERENCE = range(4)
SUPER = 2 / 3


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ---------------------------------------------------------------- counting a vote


def _count(blocs: list[list[int]], stance: list[list[float]], needed: float | list[float],
           seated: list[list[bool]] | None = None, lean: float | list[float] = 0.0, noise: float = 0.0,
           bandwagon: float = 0.0, discipline: float = 100.0, seed: int = 1) -> tuple[np.ndarray, ...]:
    """votes._tally on B runs of a body of L principals: `blocs` (B, L + 1) clients of each
    principal and unaligned members, `stance` (B, L) each principal's side."""
    b = np.array(blocs, dtype=np.int64)
    B, L = b.shape[0], b.shape[1] - 1
    st = np.zeros((B, L), dtype=bool) if seated is None else np.array(seated, dtype=bool)
    rng = Streams(seed, np.arange(B))
    return votes._tally(np.ones(B, dtype=bool), b, st, np.array(stance, dtype=float),
                        np.broadcast_to(np.asarray(lean, dtype=float), (B,)).copy(),
                        np.broadcast_to(np.asarray(needed, dtype=float), (B,)).copy(), rng.reps,
                        rng.key("vote_mood", 0), rng.key("vote", 0), noise, bandwagon, discipline)


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
    b = np.array([[70, 30, 0], [70, 30, 0]], dtype=np.int64)
    rng = Streams(1, np.arange(2))
    y, n, a, p = votes._tally(np.array([False, True]), b, np.zeros((2, 2), dtype=bool), np.array([SIDES, SIDES]),
                              np.zeros(2), np.full(2, 0.5), rng.reps, rng.key("vote_mood", 0), rng.key("vote", 0),
                              0.0, 0.0, 100.0)
    assert (y[0], n[0], a[0], bool(p[0])) == (0, 0, 0, False) and bool(p[1])


# ---------------------------------------------------------------- sides


def test_stances_follow_alliances_and_targets() -> None:
    """Proposer 0 against target 1. Leader 2 is allied with the proposer (+0.5); 3 with the
    target (−0.5); 4 targets the target (+0.5); 5 targets the proposer (−0.5); 6 has submitted
    (+0.5); 7 is uncommitted (0). An ally of both who also targets the target: 2+1−2 > 0."""
    L = 9
    allied = np.zeros((1, L, L), dtype=bool)
    for a, b in ((0, 2), (1, 3), (0, 8), (1, 8)):
        allied[0, a, b] = allied[0, b, a] = True
    targets = np.full((1, L), -1)
    targets[0, 4] = 1
    targets[0, 5] = 0
    targets[0, 8] = 1
    submitted = np.zeros((1, L), dtype=bool)
    submitted[0, 6] = True
    s = votes._stance(allied, targets, submitted, np.array([0]), np.array([1]))
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
        x += charge if m in (lg.REMOVE_BUREAU, lg.REMOVE_COMMITTEE, lg.EXPEL, lg.EXILE) else 0.5 * charge
    x += 0.5 * w[5] * bool(army[j])
    if m == lg.REMOVE_OFFICE:
        x += sum(w[6] * doc_force[d] for d in range(len(doc_force)) if doc_removal[d, j] == o)
    return x


def test_the_lean_of_uncommitted_members_is_the_documented_sum() -> None:
    rng = np.random.default_rng(3)
    B, L, A, O, D = 400, 5, 2, 4, 2
    proposer = rng.integers(0, L, B)
    target = (proposer + rng.integers(1, L, B)) % L
    motion = rng.integers(0, 6, B)  # (a document's reading has a fixed lean: section 7.11)
    office = np.where(motion == lg.REMOVE_OFFICE, rng.integers(-1, O, B), -1)  # as the ladder gives it
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
    got = votes._lean_fused(np.ones(B, dtype=bool), proposer, target, motion, office, prestige, heir, ideology,
                            line, grounds, faction, allied, ctrl, army, doc_force, doc_removal, top, w)
    for r in range(B):
        ref = _lean_by_the_formula(proposer[r], target[r], motion[r], office[r], prestige[r], heir[r], ideology[r],
                                   line[r], grounds[r], faction[r], allied[r], ctrl[r], army[r], doc_force[r],
                                   doc_removal, top, w)
        assert got[r] == pytest.approx(ref, abs=1e-12), r


# ---------------------------------------------------------------- which body decides, and the majority needed


def _setup(cases: list[dict[str, object]], congress: bool, plenum: bool, month: int = 20,
           pause: float = 3.0) -> dict[str, np.ndarray]:
    """motions._motion_setup for one proposer against target 1 of 3 leaders, one run a case:
    `rung` the next motion against the target, `in_committee` whether he sits there, `last`
    the month of his last rung, and the proposer's `target` (-1 none), `running`, `expelled`."""
    B, L = len(cases), 3
    rung = np.full((B, L), -1, dtype=np.int64)
    office = np.full((B, L), -1, dtype=np.int64)
    last = np.full((B, L), -99, dtype=np.int64)
    in_committee = np.zeros((B, L), dtype=bool)
    tgt = np.full(B, 1, dtype=np.int64)
    running = np.ones(B, dtype=bool)
    expelled = np.zeros(B, dtype=bool)
    for r, c in enumerate(cases):
        rung[r, 1] = int(c["rung"])  # type: ignore[call-overload]
        office[r, 1] = 2 if c["rung"] == lg.REMOVE_OFFICE else -1
        in_committee[r, 1] = bool(c.get("in_committee", True))
        last[r, 1] = int(c.get("last", -99))  # type: ignore[call-overload]
        tgt[r] = int(c.get("target", 1))  # type: ignore[call-overload]
        running[r] = bool(c.get("running", True))
        expelled[r] = bool(c.get("expelled", False))
    n_want = np.zeros(4, dtype=np.int64)
    out = motions._motion_setup(tgt, running, expelled, rung, office, month, last, pause, in_committee, congress,
                                plenum, SUPER, n_want)
    return {**dict(zip(("target", "motion", "office", "want", "body", "needed"), out, strict=True)),
            "n_want": n_want}


LADDER = [lg.REMOVE_OFFICE, lg.REMOVE_BUREAU, lg.REMOVE_COMMITTEE, lg.EXPEL, lg.EXILE]


def test_at_a_plenum_the_committee_decides_and_removal_from_it_needs_two_thirds() -> None:
    cases = [{"rung": m} for m in LADDER] + [{"rung": lg.EXPEL, "in_committee": False}]
    m = _setup(cases, congress=False, plenum=True)
    assert m["want"].all() and (m["target"] == 1).all()
    assert m["motion"].tolist() == [*LADDER, lg.EXPEL]
    assert m["body"].tolist() == [COMMITTEE, COMMITTEE, COMMITTEE, COMMITTEE, BUREAU, COMMITTEE]
    # the supermajority: remove_committee or expel against a sitting committee member
    assert m["needed"].tolist() == [0.5, 0.5, SUPER, SUPER, 0.5, 0.5]
    assert m["office"].tolist() == [2, -1, -1, -1, -1, -1]
    assert m["n_want"].tolist() == [1, 5, 0, 0]


def test_at_a_congress_the_delegates_remove_from_the_committee_by_a_simple_majority() -> None:
    cases = [{"rung": m} for m in LADDER]
    m = _setup(cases, congress=True, plenum=False)
    assert m["motion"].tolist() == LADDER
    assert m["body"].tolist() == [COMMITTEE, COMMITTEE, CONGRESS, CONGRESS, BUREAU]
    assert m["needed"].tolist() == [0.5] * 5
    assert m["n_want"].tolist() == [1, 2, 2, 0]


def test_a_conference_alone_hears_only_reprimands() -> None:
    cases = [{"rung": m} for m in LADDER[:4]]
    m = _setup(cases, congress=False, plenum=False)
    assert m["motion"].tolist() == [lg.REPRIMAND] * 4 and m["body"].tolist() == [CONFERENCE] * 4
    assert m["needed"].tolist() == [0.5] * 4 and m["n_want"].tolist() == [0, 0, 0, 4]


def test_who_may_bring_a_motion() -> None:
    """The ladder pause (month − last rung ≥ ladder_pause, here 20 − 17 = 3 is enough and
    20 − 18 = 2 is not), a target with no rung left, a proposer with no target, an expelled
    proposer and a finished run bring nothing."""
    cases = [{"rung": lg.REMOVE_BUREAU, "last": 17}, {"rung": lg.REMOVE_BUREAU, "last": 18},
             {"rung": -1}, {"rung": lg.REMOVE_BUREAU, "target": -1},
             {"rung": lg.REMOVE_BUREAU, "expelled": True}, {"rung": lg.REMOVE_BUREAU, "running": False}]
    m = _setup(cases, congress=False, plenum=True)
    assert m["want"].tolist() == [True, False, False, False, False, False]
    assert m["n_want"].tolist() == [0, 1, 0, 0]


def test_the_ladder_gives_the_next_rung_from_a_leaders_status() -> None:
    """Leaders: 0 holds two offices (the more visible, office 1, is the one to lose); 1 sits in
    the bureau; 2 in the committee only; 3 is a member only; 4 expelled; 5 expelled and exiled;
    6 expelled and recanted."""
    L = 7
    holder = np.array([[0, 0, -1]])
    weight = np.array([1.0, 2.0, 0.5])
    in_bureau = np.zeros((1, L), dtype=bool)
    in_bureau[0, [0, 1]] = True
    in_committee = np.zeros((1, L), dtype=bool)
    in_committee[0, [0, 1, 2]] = True
    expelled = np.zeros((1, L), dtype=bool)
    expelled[0, [4, 5, 6]] = True
    exiled = np.zeros((1, L), dtype=bool)
    exiled[0, 5] = True
    submitted = np.zeros((1, L), dtype=bool)
    submitted[0, 6] = True
    rung, best = policy._next_rung(holder, weight, in_bureau, in_committee, expelled, exiled, submitted)
    assert rung[0].tolist() == [lg.REMOVE_OFFICE, lg.REMOVE_BUREAU, lg.REMOVE_COMMITTEE, lg.EXPEL, lg.EXILE, -1, -1]
    assert best[0].tolist() == [1, -1, -1, -1, -1, -1, -1]


def test_expulsion_is_proposed_only_against_a_faction_under_the_ban() -> None:
    """Leader 0's coalition targets leader 1, whose next rung is expulsion. Runs: 1 in a faction
    or not, the ban in force or not. A motion is chosen only in the run with a faction under
    the ban; a rung other than expulsion needs neither."""
    sp = spec("tutorial")
    B, L = 3, sp.L
    st = initial_state(sp, B)
    st.target[:] = -1
    st.target[:, 0] = 1
    st.faction[:] = False
    st.faction[1, 1] = True
    rung = np.full((B, L), lg.REMOVE_BUREAU, dtype=np.int64)
    rung[:2, 1] = lg.EXPEL  # run 2 keeps remove_bureau against 1, and no faction
    office = np.full((B, L), -1, dtype=np.int64)
    since = np.full((B, L), 100, dtype=np.int64)
    p = sp.params

    def choose(ban: bool) -> np.ndarray:
        U = np.zeros((B, L, len(policy.ACTIONS)))
        return policy._motion_choice(U, np.ones((B, L), dtype=bool), np.ones((B, L, L)), st.target, st.grounds,
                                     st.faction, st.allied, rung, office, since, p["ladder_pause"], ban,
                                     sp.ambition, p["motion_threshold"], *policy._estimate_inputs(sp, st))

    assert choose(True)[:, 0].tolist() == [-1, 1, 1]
    assert choose(False)[:, 0].tolist() == [-1, -1, 1]


# ---------------------------------------------------------------- what a passed motion does


def _applied(motion: int, target: int = 1, office: int = -1, top: bool = False) -> dict[str, np.ndarray]:
    """motions._apply of one passed motion by leader 0 against `target` in a run of 3 leaders and
    3 offices (leader 1 holds offices 0 and 2, leader 2 office 1; office 0 may be the top one),
    month 30."""
    L = 3
    s = {
        "prestige": np.full((1, L), 0.5), "office_lost": np.full((1, 3), -1, dtype=np.int64),
        "holder": np.array([[1, 2, 1]]), "office_patron": np.full((1, 3), -1, dtype=np.int64),
        "in_bureau": np.ones((1, L), dtype=bool), "removed": np.zeros((1, L), dtype=bool),
        "in_committee": np.ones((1, L), dtype=bool), "committee": np.array([[5, 4, 3, 10]]),
        "expelled": np.zeros((1, L), dtype=bool), "faction": np.ones((1, L), dtype=bool),
        "exiled": np.zeros((1, L), dtype=bool), "last_sanction": np.full((1, L), -99, dtype=np.int64),
        "sanctions": np.full((1, L, 7), -1, dtype=np.int64)}
    s["sanctions"][0, 1, LOST_OFFICE] = 12  # an office lost before: the first month is kept
    motions._apply(np.array([True]), np.array([motion]), np.array([0]), np.array([target]), np.array([office]),
                   np.array([top, False, False]), s["prestige"], s["office_lost"], s["holder"], s["office_patron"],
                   s["in_bureau"], s["removed"], s["in_committee"], s["committee"], s["expelled"], s["faction"],
                   s["exiled"], s["last_sanction"], s["sanctions"], 30)
    return s


def test_a_reprimand_costs_prestige_only() -> None:
    s = _applied(lg.REPRIMAND)
    assert s["prestige"][0].tolist() == pytest.approx([0.5, 0.44, 0.5])
    assert s["last_sanction"][0, 1] == -99 and (s["sanctions"][0, 1, 1:] == -1).all()


@pytest.mark.parametrize("top", [True, False])
def test_removal_from_office(top: bool) -> None:
    """The top office passes to the proposer in person; any other to a client of his."""
    s = _applied(lg.REMOVE_OFFICE, office=0, top=top)
    assert s["holder"][0].tolist() == ([0, 2, 1] if top else [-1, 2, 1])
    assert s["office_patron"][0].tolist() == ([-1, -1, -1] if top else [0, -1, -1])
    assert s["office_lost"][0].tolist() == [30, -1, -1]
    assert s["sanctions"][0, 1, LOST_OFFICE] == 12 and s["last_sanction"][0, 1] == 30
    assert s["in_bureau"][0, 1] and s["in_committee"][0, 1]


def test_removal_from_the_bureau_is_final() -> None:
    s = _applied(lg.REMOVE_BUREAU)
    assert not s["in_bureau"][0, 1] and s["removed"][0, 1] and s["in_committee"][0, 1]
    assert s["sanctions"][0, 1, LEFT_BUREAU] == 30 and s["last_sanction"][0, 1] == 30


def test_removal_from_the_committee_gives_the_seat_to_an_unaligned_member() -> None:
    s = _applied(lg.REMOVE_COMMITTEE)
    assert not s["in_committee"][0, 1] and s["in_bureau"][0, 1]
    assert s["committee"][0].tolist() == [5, 4, 3, 11]
    assert s["sanctions"][0, 1, LEFT_COMMITTEE] == 30


def test_expulsion_strips_everything() -> None:
    s = _applied(lg.EXPEL)
    assert s["expelled"][0, 1] and not s["faction"][0, 1]
    assert not s["in_bureau"][0, 1] and s["removed"][0, 1] and not s["in_committee"][0, 1]
    assert s["holder"][0].tolist() == [-1, 2, -1] and s["office_patron"][0].tolist() == [0, -1, 0]
    assert s["office_lost"][0].tolist() == [30, -1, 30]
    assert s["committee"][0].tolist() == [5, 4, 3, 11]
    assert [s["sanctions"][0, 1, k] for k in (LOST_OFFICE, LEFT_BUREAU, LEFT_COMMITTEE, EXPELLED)] == [12, 30, 30, 30]
    assert not s["expelled"][0, [0, 2]].any()


def test_exile_is_a_record_only() -> None:
    s = _applied(lg.EXILE)
    assert s["exiled"][0, 1] and s["sanctions"][0, 1, EXILED] == 30
    assert s["in_bureau"][0, 1] and not s["expelled"][0, 1]


def test_recantation_and_readmission_are_not_rungs() -> None:
    last = np.array([[7]])
    sanctions = np.full((1, 1, 7), -1, dtype=np.int64)
    motions._sanction(last, sanctions, 0, 0, RECANTED, 20)
    motions._sanction(last, sanctions, 0, 0, READMITTED, 25)
    assert last[0, 0] == 7 and sanctions[0, 0, RECANTED] == 20 and sanctions[0, 0, READMITTED] == 25
    motions._sanction(last, sanctions, 0, 0, EXPELLED, 30)
    motions._sanction(last, sanctions, 0, 0, EXPELLED, 40)
    assert last[0, 0] == 40 and sanctions[0, 0, EXPELLED] == 30  # the first month is the record


# ---------------------------------------------------------------- recantation, readmission, relapse


def test_recantation() -> None:
    """Leader 1 recants: he submits, his faction, target and alliances end, he loses 0.1 prestige
    (clipped at 0 for leader 2, who recants with 0.05); the others are untouched."""
    L = 3
    who = np.array([[False, True, True]])
    submitted = np.zeros((1, L), dtype=bool)
    faction = np.ones((1, L), dtype=bool)
    target = np.array([[1, 0, 0]])
    allied = np.ones((1, L, L), dtype=bool)
    prestige = np.array([[0.7, 0.6, 0.05]])
    sanctions = np.full((1, L, 7), -1, dtype=np.int64)
    ev = np.empty((L, 6), dtype=np.int64)
    n = motions._recant(who, np.array([True]), submitted, faction, target, allied, prestige, sanctions, 14, ev)
    assert submitted[0].tolist() == [False, True, True] and faction[0].tolist() == [True, False, False]
    assert target[0].tolist() == [1, -1, -1]
    assert allied[0].tolist() == [[True, False, False], [False, False, False], [False, False, False]]
    assert prestige[0].tolist() == pytest.approx([0.7, 0.5, 0.0])
    assert sanctions[0, :, RECANTED].tolist() == [-1, 14, 14] and n == 2


def _back(expelled: bool, submitted: bool, readmission: float, relapse: float, ambition: float,
          B: int = 20000) -> dict[str, np.ndarray]:
    rng = Streams(5, np.arange(B))
    s = {"expelled": np.full((B, 1), expelled), "exiled": np.full((B, 1), expelled),
         "submitted": np.full((B, 1), submitted), "sanctions": np.full((B, 1, 7), -1, dtype=np.int64)}
    ev = np.empty((2 * B, 6), dtype=np.int64)
    motions._readmit_and_relapse(np.ones(B, dtype=bool), s["expelled"], s["exiled"], s["submitted"], s["sanctions"],
                                 np.array([ambition]), readmission, relapse, rng.reps, rng.key("readmission", 3),
                                 rng.key("relapse", 3), 3, ev)
    return s


def _within_binomial(k: int, n: int, p: float) -> bool:
    return abs(k - n * p) <= 5 * math.sqrt(n * p * (1 - p)) + 1e-9


def test_readmission_happens_at_its_monthly_rate_and_only_after_recanting() -> None:
    s = _back(expelled=True, submitted=True, readmission=0.3, relapse=0.0, ambition=1.0)
    back = ~s["expelled"][:, 0]
    assert _within_binomial(int(back.sum()), back.size, 0.3)
    assert not s["exiled"][back, 0].any() and s["submitted"][:, 0].all()  # exile ends; he stays submitted
    assert (s["sanctions"][back, 0, READMITTED] == 3).all() and (s["sanctions"][~back, 0, READMITTED] == -1).all()
    never = _back(expelled=True, submitted=False, readmission=1.0, relapse=0.0, ambition=1.0, B=50)
    assert never["expelled"].all()  # no recantation, no readmission
    always = _back(expelled=True, submitted=True, readmission=1.0, relapse=0.0, ambition=1.0, B=50)
    assert not always["expelled"].any()


def test_relapse_happens_at_relapse_times_ambition() -> None:
    s = _back(expelled=False, submitted=True, readmission=0.0, relapse=0.4, ambition=0.5)
    assert _within_binomial(int((~s["submitted"][:, 0]).sum()), s["submitted"].shape[0], 0.2)
    # an expelled leader who has recanted does not relapse while outside the party
    out = _back(expelled=True, submitted=True, readmission=0.0, relapse=1.0, ambition=1.0, B=50)
    assert out["submitted"].all()


# ---------------------------------------------------------------- defeat and victory


def test_defeat_is_losing_every_office_being_voted_out_or_expelled() -> None:
    """Leaders: 0 had an office and lost it; 1 had one and keeps it; 2 never had one; 3 voted
    out of the bureau; 4 expelled; 5 already defeated in month 4 (the record stays)."""
    L = 6
    defeated = np.full((1, L), -1, dtype=np.int64)
    defeated[0, 5] = 4
    had = np.array([[True, True, False, False, False, True]])
    holder = np.array([[1, -1]])
    removed = np.zeros((1, L), dtype=bool)
    removed[0, 3] = True
    expelled = np.zeros((1, L), dtype=bool)
    expelled[0, 4] = True
    outcome._defeats(defeated, had, holder, removed, expelled, 9)
    assert defeated[0].tolist() == [9, -1, -1, 9, 9, 4]


def _victory(top: list[bool], clients: list[int], unaligned: int, in_bureau: list[bool],
             submitted: list[bool] | None = None, expelled: list[bool] | None = None) -> tuple[bool, int]:
    """outcome._victory in one run of three leaders; leader 0 alone sits in the committee."""
    in_committee = [True, False, False]
    L = len(top)
    won, w = outcome._victory(np.array([top]), outcome._share(np.array([[*clients, unaligned]]), np.array([in_committee])),
                              np.array([in_bureau]), np.array([submitted or [False] * L]),
                              np.array([expelled or [False] * L]), np.array([True]))
    return bool(won[0]), int(w[0])


def test_victory_needs_the_top_office_a_committee_majority_and_no_rival_in_the_bureau() -> None:
    """Three leaders; leader 0 holds the top office. Committee: his 10 clients and himself (11)
    of 21 (a majority) or 9 + 1 = 10 of 21 (not), or exactly half."""
    top, alone = [True, False, False], [True, False, False]
    assert _victory(top, [10, 3, 2], 5, alone) == (True, 0)
    # without the top office (or with it held by another)
    assert not _victory([False, False, False], [10, 3, 2], 5, alone)[0]
    assert not _victory([False, True, False], [10, 3, 2], 5, alone)[0]
    # 10 of 21 is no majority; exactly half (11 of 22) is not more than half
    assert not _victory(top, [9, 3, 2], 6, alone)[0]
    assert not _victory(top, [10, 3, 2], 6, alone)[0]
    # a rival still in the bureau blocks it, unless he has submitted or been expelled
    assert not _victory(top, [10, 3, 2], 5, [True, True, False])[0]
    assert _victory(top, [10, 3, 2], 5, [True, True, False], submitted=[False, True, False])[0]
    assert _victory(top, [10, 3, 2], 5, [True, True, False], expelled=[False, True, False])[0]
    # a rival who has submitted but is not the one in the bureau does not help
    assert not _victory(top, [10, 3, 2], 5, [True, True, False], submitted=[False, False, True])[0]


def test_victory_is_final_and_recorded_once() -> None:
    top = np.array([[False, True]])
    committee = np.array([[0, 8, 1]])
    in_committee = np.array([[True, True]])
    in_bureau = np.array([[False, True]])
    no = np.zeros((1, 2), dtype=bool)
    running, winner, victory = np.array([True]), np.array([-1]), np.array([-1])
    ev = np.empty((1, 6), dtype=np.int64)
    n = outcome._check_victory(top, committee, in_committee, in_bureau, no, no, running, winner, victory, 17, ev)
    assert (n, int(winner[0]), int(victory[0]), bool(running[0])) == (1, 1, 17, False)
    n = outcome._check_victory(top, committee, in_committee, in_bureau, no, no, running, winner, victory, 18, ev)
    assert (n, int(winner[0]), int(victory[0])) == (0, 1, 17)


def test_committee_share_counts_clients_and_the_principal_himself() -> None:
    share = outcome._share(np.array([[3, 0, 5]]), np.array([[True, True]]))
    assert share[0].tolist() == pytest.approx([4 / 10, 1 / 10])


# ---------------------------------------------------------------- bodies


def _hamilton(weights: list[float], total: int) -> list[int]:
    """The largest-remainder (Hamilton) method, by hand."""
    s = sum(weights)
    quotas = [w / s * total for w in weights]
    seats = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda k: -(quotas[k] - seats[k]))
    for k in order[: total - sum(seats)]:
        seats[k] += 1
    return seats


def test_largest_remainder() -> None:
    assert largest_remainder(np.array([[0.5, 0.3, 0.2]]), np.array([7]))[0].tolist() == [4, 2, 1]
    # nothing to weigh: every seat goes to the last column (the unaligned)
    assert largest_remainder(np.array([[0.0, 0.0, 0.0]]), np.array([5]))[0].tolist() == [0, 0, 5]
    rng = np.random.default_rng(2)
    w = rng.uniform(0, 1, (200, 6)) ** 3
    total = rng.integers(0, 500, 200)
    got = largest_remainder(w, total)
    for r in range(200):
        assert got[r].tolist() == _hamilton(w[r].tolist(), int(total[r]))


def test_the_committee_elected_follows_the_delegates_and_the_majoritys_slate() -> None:
    """The tutorial's bodies, with prestige varied run by run: the leader whose own and allies'
    delegate shares are largest leads the majority group; its members' weights count
    (1 + slate_bonus) times; the client seats (the size less the sitting principals) are split
    by largest remainder. In each run the two leaders after the one with most delegates are
    allied: in some runs together they outweigh him and lead the majority."""
    sp = spec("tutorial")
    B = 6
    st = initial_state(sp, B)
    st.prestige[:] = np.random.default_rng(11).uniform(0.2, 1.4, st.prestige.shape)
    st.allied[:] = False
    shares = bodies.delegate_shares(sp, st)  # (alliances do not change delegate shares)
    outweigh = 0
    for r in range(B):
        first, a, b = np.argsort(-shares[r, : sp.L], kind="stable")[:3]
        st.allied[r, a, b] = st.allied[r, b, a] = True
        outweigh += shares[r, a] + shares[r, b] > shares[r, first]
    assert outweigh >= 2
    assert np.array_equal(bodies.delegate_shares(sp, st), shares)
    size = 50
    sitting = (st.in_committee & ~st.expelled).sum(axis=1)
    expected = []
    for r in range(B):
        own = shares[r, : sp.L]
        group = [-1.0 if st.expelled[r, i] else own[i] + sum(own[k] for k in range(sp.L) if st.allied[r, i, k])
                 for i in range(sp.L)]
        lead = int(np.argmax(group))
        members = {lead} | {k for k in range(sp.L) if st.allied[r, lead, k]}
        w = [shares[r, i] * (1 + sp.params.slate_bonus * (i in members)) for i in range(sp.L)] + [shares[r, sp.L]]
        expected.append(_hamilton(w, size - int(sitting[r])))
    bodies.elect_committee(sp, st, size, None, st.running)
    assert st.committee.tolist() == expected


def test_the_bureau_is_filled_by_standing_then_by_the_largest_bloc() -> None:
    """A bureau of 8 with the founder alive, one principal seated and 1 filler: 5 vacancies. The
    candidates are principals in the committee, never voted out, not expelled, not submitted,
    by prestige + heir legitimacy: 6 (2.0), 5 (0.6 + 0.7) and 3 (1.0 + 0.2) take seats, three at
    most, so 1 (1.1) does not (2 was voted out, 4 has submitted, 7 is not in the committee); the
    two seats left go to clients of the largest committee bloc (1's)."""
    L = 8
    in_bureau = np.zeros((1, L), dtype=bool)
    in_bureau[0, 0] = True
    bureau = np.zeros((1, L + 1), dtype=np.int64)
    bureau[0, L] = 1
    removed = np.zeros((1, L), dtype=bool)
    removed[0, 2] = True
    in_committee = np.array([[True, True, True, True, True, True, True, False]])
    expelled = np.zeros((1, L), dtype=bool)
    submitted = np.zeros((1, L), dtype=bool)
    submitted[0, 4] = True
    prestige = np.array([[1.0, 1.1, 2.0, 1.0, 2.0, 0.6, 2.0, 3.0]])
    heir = np.array([[0.0, 0.0, 0.0, 0.2, 0.0, 0.7, 0.0, 0.0]])
    committee = np.array([[3, 9, 2, 0, 0, 0, 0, 0, 20]])
    ev = np.empty((3, 6), dtype=np.int64)
    seated = bodies._fill_bureau(8, 1, in_bureau, bureau, removed, in_committee, expelled, submitted, prestige,
                                 heir, committee, np.array([True]), ev)
    assert in_bureau[0].tolist() == [True, False, False, True, False, True, True, False]
    assert seated == 3 and ev[:3, 3].tolist() == [6, 5, 3]  # the seating events, best first
    assert bureau[0].tolist() == [0, 2, 0, 0, 0, 0, 0, 0, 1]


def test_a_shrinking_bureau_sheds_unaligned_fillers_first() -> None:
    L = 3
    in_bureau = np.array([[True, False, False]])
    bureau = np.array([[0, 3, 1, 2]])
    no = np.zeros((1, L), dtype=bool)
    ev = np.empty((3, 6), dtype=np.int64)
    bodies._fill_bureau(4, 0, in_bureau, bureau, no, no, no, no, np.zeros((1, L)), np.zeros((1, L)),
                        np.array([[0, 5, 0, 1]]), np.array([True]), ev)
    # seated: 1 + 6 fillers = 7 for 4 seats: shed 2 unaligned, then 1 of the largest bloc
    assert bureau[0].tolist() == [0, 2, 1, 0]


def test_delivery_is_the_documented_formula() -> None:
    """Section 7.4: strength · (0.5 + 0.5 · loyalty) · (1 + steered / members) − 0.2 · the
    distance between the members' sentiment and the patron's line, within [0, 0.95]; nothing
    without a patron or with an expelled one."""
    rng = np.random.default_rng(4)
    B, R, L, A = 30, 6, 4, 2
    patron = rng.integers(-1, L, (B, R))
    expelled = rng.random((B, L)) < 0.2
    ideology, sentiment = rng.uniform(-1, 1, (B, L, A)), rng.uniform(-1, 1, (B, R, A))
    members = rng.uniform(1000, 5000, (B, R))
    steered = members * rng.uniform(0, 0.5, (B, R))
    loyalty = rng.uniform(0, 1, (B, R))
    served = (patron >= 0) & ~expelled[np.arange(B)[:, None], np.maximum(patron, 0)]
    clipped = [0, 0]
    for strength in (0.2, 1.0):
        got = bodies._delivery(patron, expelled, ideology, steered, members, loyalty, sentiment, strength)
        clipped[0] += int(((got == 0.0) & served).sum())
        clipped[1] += int((got == 0.95).sum())
        for r in range(B):
            for q in range(R):
                k = patron[r, q]
                if not served[r, q]:
                    assert got[r, q] == 0.0
                    continue
                d = (strength * (0.5 + 0.5 * loyalty[r, q]) * (1 + steered[r, q] / members[r, q])
                     - 0.2 * float(np.linalg.norm(sentiment[r, q] - ideology[r, k])))
                assert got[r, q] == pytest.approx(min(max(d, 0.0), 0.95), abs=1e-12)
    assert min(clipped) >= 5  # the sample reaches both ends of the range, where the clipping decides


def test_delegate_shares_follow_the_three_documented_steps() -> None:
    """Section 7.4: the patron's bloc takes each region's delivered share; a home-base leader in
    the game (not expelled, not defeated, not the patron) takes home_base of the rest; of what
    remains half is unaligned and half goes to the principals in the committee by a softmax of
    3 · standing − 2 · distance (all of it unaligned if none sits there)."""
    rng = np.random.default_rng(9)
    B, R, L, A = 25, 5, 4, 2
    members = rng.uniform(100, 1000, (B, R))
    dlv = rng.uniform(0, 0.95, (B, R))
    patron = rng.integers(-1, L, (B, R))
    home = np.array([2, -1, 0, 3, -1])
    expelled, defeated = rng.random((B, L)) < 0.15, np.where(rng.random((B, L)) < 0.2, 5, -1)
    rows = np.arange(B)[:, None]
    dlv[(patron < 0) | expelled[rows, np.maximum(patron, 0)]] = 0.0  # as delivery gives it
    standing = rng.uniform(0, 1.5, (B, L))
    sentiment, ideology = rng.uniform(-1, 1, (B, R, A)), rng.uniform(-1, 1, (B, L, A))
    eligible = rng.random((B, L)) < 0.6
    eligible[0] = False  # a run with nobody in the committee
    home_base = 0.3
    got = bodies._delegate_shares(members, dlv, patron, home, expelled, defeated, standing, sentiment, ideology,
                                  eligible, home_base)
    for r in range(B):
        ref = np.zeros(L + 1)
        for q in range(R):
            w = members[r, q] / members[r].sum()
            k, h = patron[r, q], home[q]
            if k >= 0:
                ref[k] += w * dlv[r, q]
            free = 1 - dlv[r, q]
            if h >= 0 and not expelled[r, h] and defeated[r, h] < 0 and k != h:
                ref[h] += w * home_base * free
                free -= home_base * free
            appeal = {i: math.exp(3 * standing[r, i] - 2 * float(np.linalg.norm(sentiment[r, q] - ideology[r, i])))
                      for i in range(L) if eligible[r, i]}
            for i, a in appeal.items():
                ref[i] += w * free * 0.5 * a / sum(appeal.values())
            ref[L] += w * free * (0.5 if appeal else 1.0)
        assert got[r] == pytest.approx(ref, abs=1e-12), r
        assert got[r].sum() == pytest.approx(1.0)


# ---------------------------------------------------------------- documents


def test_a_release_damages_by_the_rise_in_force_and_a_strong_bloc_shrugs_it_off() -> None:
    from politburo.engine import documents

    sp = spec("tutorial")
    st = initial_state(sp, 3)
    st.month = 20
    st.doc_force[:, 0] = [0.0, 0.4, 0.8]
    before = st.prestige.copy()
    share = outcome.committee_share(sp, st)
    documents.release(sp, st, 0, np.array([True, True, True]), 0.6)
    rise = np.array([0.6, 0.2, 0.0])
    expected = np.clip(before - rise[:, None] * sp.doc_damage[0][None, :] * (1 - share), 0.0, 1.5)
    assert st.prestige == pytest.approx(expected, abs=1e-12)
    assert st.doc_force[:, 0].tolist() == [0.6, 0.6, 0.8]  # the larger of the old and the new
    assert st.doc_public[:, 0].all() and (st.doc_released[:, 0] == 20).all()  # force 0.5 or more
    st2 = initial_state(sp, 1)
    documents.release(sp, st2, 0, np.array([True]), 0.25)
    assert not st2.doc_public[0, 0] and st2.doc_force[0, 0] == 0.25


def test_the_committees_vote_on_a_document_decides_its_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """In the month a document arrives the committee votes on reading it to the congress with
    the uncommitted lean fixed at 0.3 − severity and each principal's side his own benefit
    (clipped ten times it); a motion that passes reads it in full (force 1, public), otherwise
    it is read to the delegations only (force 0.25, not public)."""
    from politburo.engine import documents
    from politburo.engine.log import Log

    sp = spec("tutorial")
    B, d = 4, 0
    st = initial_state(sp, B)
    st.month = int(sp.doc_arrival[d])
    th = np.random.default_rng(1).uniform(0.1, 1.0, (B, sp.L, sp.L))
    calls = []

    def fake_tally(spec_, st_, rng, sub, body, proposer, target, motion, office, mask, delegates=None,
                   lean_x=None, needed=0.5, stance_x=None):  # type: ignore[no-untyped-def]
        calls.append({"sub": sub, "body": body, "proposer": proposer.copy(), "target": target.copy(),
                      "motion": motion.copy(), "mask": mask.copy(), "lean": lean_x, "stance": stance_x,
                      "needed": needed})
        z = np.zeros(B, dtype=np.int64)
        return z, z, z, (np.array([True, False, True, False]) & mask) if body == 1 else np.zeros(B, dtype=bool)

    monkeypatch.setattr(votes, "tally", fake_tally)
    b = documents.benefit(sp, st, d, th)
    documents.arrivals(sp, st, Streams(1, np.arange(B)), Log(), np.ones(B, dtype=bool), th)
    vote = calls[0]
    assert vote["sub"] == 1000 + d and vote["body"] == COMMITTEE and vote["needed"] == 0.5
    assert (vote["motion"] == lg.READ_DOCUMENT).all() and (vote["target"] == int(sp.doc_damage[d].argmax())).all()
    assert vote["lean"] == pytest.approx(np.full(B, 0.3 - sp.params.severity))
    assert vote["stance"] == pytest.approx(np.clip(10 * b, -1, 1))
    gain = np.where(st.in_committee & ~st.expelled, b, -np.inf)
    assert vote["proposer"].tolist() == gain.argmax(axis=1).tolist()
    assert vote["mask"].tolist() == (gain.max(axis=1) > 0).tolist()
    passed = np.array([True, False, True, False]) & vote["mask"]
    assert st.doc_force[:, d].tolist() == [1.0 if p else 0.25 for p in passed]
    assert st.doc_public[:, d].tolist() == passed.tolist()
    assert (st.doc_released[:, d] == st.month).all()


def test_a_document_is_published_once_with_a_decayed_force() -> None:
    """Late publication: force (1 − decay)^(months since arrival), halved where the leader it
    damages most controls the police; the publisher gains 1.5 grounds; a document already
    public cannot be published again; every document's force then decays by (1 − decay)."""
    from politburo.engine import documents
    from politburo.engine.common import controls
    from politburo.engine.log import Log

    sp = spec("tutorial")
    B, d = 3, 0
    st = initial_state(sp, B)
    st.month = int(sp.doc_arrival[d]) + 5
    st.doc_public[0, d] = True  # read in full already
    st.doc_force[0, d] = 0.9
    decay = sp.params.document_decay
    worst = int(sp.doc_damage[d].argmax())
    police = controls(sp, st, "police")[:, worst]
    publishers = np.zeros((B, sp.L), dtype=bool)
    publishers[:, 1] = True
    grounds = st.grounds.copy()
    documents.publish(sp, st, publishers, Log(), np.ones(B, dtype=bool))
    force = (1 - decay) ** 5 * np.where(police, 0.5, 1.0)
    assert st.doc_force[0, d] == pytest.approx(0.9 * (1 - decay))  # not published again
    assert st.doc_force[1:, d] == pytest.approx(force[1:] * (1 - decay))
    assert st.doc_public[:, d].all() and (st.doc_released[1:, d] == st.month).all()
    assert st.grounds[:, 1].tolist() == pytest.approx([grounds[0, 1], grounds[1, 1] + 1.5, grounds[2, 1] + 1.5])
    again = st.doc_force[:, d].copy()
    documents.publish(sp, st, publishers, Log(), np.ones(B, dtype=bool))
    assert st.doc_force[:, d] == pytest.approx(again * (1 - decay))  # only the monthly decay


# ---------------------------------------------------------------- a whole meeting


def test_a_plenum_puts_removal_from_the_committee_to_a_two_thirds_vote() -> None:
    """A plenum of the tutorial (month 5) in 300 runs with prestige varied: leader 0 moves to
    remove leader 1, who holds no office and sits in the committee but not the bureau, from the
    committee. The meeting asks the vote for the scenario's supermajority, and a motion carried
    by a simple majority short of it fails."""
    from unittest import mock

    from politburo.engine.log import Log
    from politburo.engine.spec import CONGRESS as CONGRESS_FLAG
    from politburo.engine.spec import PLENUM

    sp = spec("tutorial")
    t = 5
    assert sp.meeting[t] & PLENUM and not sp.meeting[t] & CONGRESS_FLAG
    B = 300
    st = initial_state(sp, B)
    st.month = t
    st.prestige[:] = np.random.default_rng(7).uniform(0.0, 1.5, st.prestige.shape)
    st.holder[st.holder == 1] = -1
    st.cache.clear()
    st.in_bureau[:, 1] = False
    st.in_committee[:, 1] = True
    motion_target = np.full((B, sp.L), -1)
    motion_target[:, 0] = 1
    calls = []
    original = votes.tally

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append({"body": args[4], "motion": args[7].copy(), "mask": args[9].copy(),
                      "needed": np.broadcast_to(kwargs.get("needed", 0.5), (B,)).copy()})
        return original(*args, **kwargs)

    log = Log()
    with mock.patch.object(votes, "tally", spy):
        motions.meeting(sp, st, Streams(3, np.arange(B)), log, np.ones(B, dtype=bool), motion_target)
    assert len(calls) == 1 and calls[0]["body"] == COMMITTEE and calls[0]["mask"].all()
    assert (calls[0]["motion"] == lg.REMOVE_COMMITTEE).all()
    assert calls[0]["needed"] == pytest.approx(np.full(B, sp.params.supermajority))
    v = log.vote_columns()
    y, n, passed = v["yes"], v["no"], v["passed"].astype(bool)
    assert v["run"].size == B and (v["motion"] == lg.REMOVE_COMMITTEE).all()
    assert np.array_equal(passed, (y > n) & (y >= sp.params.supermajority * (y + n)))
    short = (y > n) & ~passed
    assert short.sum() >= 5, f"only {short.sum()} runs where the supermajority decided"
    assert st.in_committee[v["run"][short], 1].all() and not st.in_committee[v["run"][passed], 1].any()
