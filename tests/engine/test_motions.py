"""Meetings and motions (engine/motions.py, docs/model.md sections 6 and 7.10): which body
decides a motion and by what majority, who may bring one, what a passed motion does, and
recantation, readmission and relapse.

The compiled kernels are called directly with small records; where a rule involves chance
(readmission, relapse) the frequency over many runs is compared with the stated probability."""

from __future__ import annotations

import math
from typing import Any
from unittest import mock

import numpy as np
import pytest
from conftest import facts, leaders, offices, params, powers, sanctions, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import ladder, motions, votes
from politburo.engine.bodies import BUREAU, COMMITTEE, CONFERENCE_BODY, CONGRESS_BODY
from politburo.engine.ladder import (
    EXILE,
    EXPEL,
    REMOVE_BUREAU,
    REMOVE_COMMITTEE,
    REMOVE_OFFICE,
    REPRIMAND,
)
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.run import initial_state
from politburo.engine.sanctions import (
    EXILED,
    EXPELLED,
    LEFT_BUREAU,
    LEFT_COMMITTEE,
    LOST_OFFICE,
    READMITTED,
    RECANTED,
)
from politburo.engine.spec import CONGRESS, PLENUM

SUPER = 2 / 3


# ---------------------------------------------------------------- which body decides, and the majority needed


def _setup(cases: list[dict[str, object]], congress: bool, plenum: bool, month: int = 20,
           pause: float = 3.0) -> dict[str, np.ndarray]:
    """motions._motion_setup for proposer 0 against target 1 of 3 leaders, one run a case:
    `rung` the next motion against the target, `in_committee` whether he sits there, `last`
    the month of his last rung, and the proposer's `target` (-1 none), `running`, `expelled`."""
    B, L = len(cases), 3
    rung = np.full((B, L), -1, dtype=np.int64)
    office = np.full((B, L), -1, dtype=np.int64)
    lead = leaders(B, L)
    tgt = np.full(B, 1, dtype=np.int64)
    running = np.ones(B, dtype=bool)
    for r, c in enumerate(cases):
        rung[r, 1] = int(c["rung"])  # type: ignore[call-overload]
        office[r, 1] = 2 if c["rung"] == REMOVE_OFFICE else -1
        lead.in_committee[r, 1] = bool(c.get("in_committee", True))
        lead.last_sanction[r, 1] = int(c.get("last", -99))  # type: ignore[call-overload]
        tgt[r] = int(c.get("target", 1))  # type: ignore[call-overload]
        running[r] = bool(c.get("running", True))
        lead.expelled[r, 0] = bool(c.get("expelled", False))
    n_want = np.zeros(4, dtype=np.int64)
    out = motions._motion_setup(0, tgt, running, lead, (rung, office), month, (congress, plenum),
                                params(ladder_pause=pause, supermajority=SUPER), n_want)
    return {**dict(zip(("target", "motion", "office", "want", "body", "needed"), out, strict=True)),
            "n_want": n_want}


LADDER = [REMOVE_OFFICE, REMOVE_BUREAU, REMOVE_COMMITTEE, EXPEL, EXILE]


def test_at_a_plenum_the_committee_decides_and_removal_from_it_needs_two_thirds() -> None:
    cases = [{"rung": m} for m in LADDER] + [{"rung": EXPEL, "in_committee": False}]
    m = _setup(cases, congress=False, plenum=True)
    assert m["want"].all() and (m["target"] == 1).all()
    assert m["motion"].tolist() == [*LADDER, EXPEL]
    assert m["body"].tolist() == [COMMITTEE, COMMITTEE, COMMITTEE, COMMITTEE, BUREAU, COMMITTEE]
    # the supermajority: remove_committee or expel against a sitting committee member
    assert m["needed"].tolist() == [0.5, 0.5, SUPER, SUPER, 0.5, 0.5]
    assert m["office"].tolist() == [2, -1, -1, -1, -1, -1]
    assert m["n_want"].tolist() == [1, 5, 0, 0]


def test_at_a_congress_the_delegates_remove_from_the_committee_by_a_simple_majority() -> None:
    cases = [{"rung": m} for m in LADDER]
    m = _setup(cases, congress=True, plenum=False)
    assert m["motion"].tolist() == LADDER
    assert m["body"].tolist() == [COMMITTEE, COMMITTEE, CONGRESS_BODY, CONGRESS_BODY, BUREAU]
    assert m["needed"].tolist() == [0.5] * 5
    assert m["n_want"].tolist() == [1, 2, 2, 0]


def test_a_conference_alone_hears_only_reprimands() -> None:
    cases = [{"rung": m} for m in LADDER[:4]]
    m = _setup(cases, congress=False, plenum=False)
    assert m["motion"].tolist() == [REPRIMAND] * 4 and m["body"].tolist() == [CONFERENCE_BODY] * 4
    assert m["needed"].tolist() == [0.5] * 4 and m["n_want"].tolist() == [0, 0, 0, 4]


def test_who_may_bring_a_motion() -> None:
    """The ladder pause (month − last rung ≥ ladder_pause, here 20 − 17 = 3 is enough and
    20 − 18 = 2 is not), a target with no rung left, a proposer with no target, an expelled
    proposer and a finished run bring nothing."""
    cases = [{"rung": REMOVE_BUREAU, "last": 17}, {"rung": REMOVE_BUREAU, "last": 18},
             {"rung": -1}, {"rung": REMOVE_BUREAU, "target": -1},
             {"rung": REMOVE_BUREAU, "expelled": True}, {"rung": REMOVE_BUREAU, "running": False}]
    m = _setup(cases, congress=False, plenum=True)
    assert m["want"].tolist() == [True, False, False, False, False, False]
    assert m["n_want"].tolist() == [0, 1, 0, 0]


# ---------------------------------------------------------------- what a passed motion does


def _applied(motion: int, target: int = 1, office: int = -1, top: bool = False) -> dict[str, np.ndarray]:
    """motions._apply of one passed motion by leader 0 against `target` in a run of 3 leaders and
    3 offices (leader 1 holds offices 0 and 2, leader 2 office 1; office 0 may be the top one),
    month 30."""
    L = 3
    lead = leaders(1, L, prestige=0.5, in_bureau=True, in_committee=True, faction=True)
    offs = offices(1, 3, holder=[[1, 2, 1]])
    committee = np.array([[5, 4, 3, 10]])
    sanc = sanctions(1, L)
    sanc[0, 1, LOST_OFFICE] = 12  # an office lost before: the first month is kept
    mo = votes.Motion(np.array([0]), np.array([target]), np.array([motion]), np.array([office]))
    motions._apply(np.array([True]), mo, facts(powers=powers([top, False, False])), lead, offs, committee, sanc, 30)
    return {"prestige": lead.prestige, "office_lost": offs.lost, "holder": offs.holder, "office_patron": offs.patron,
            "in_bureau": lead.in_bureau, "removed": lead.removed, "in_committee": lead.in_committee,
            "committee": committee, "expelled": lead.expelled, "faction": lead.faction, "exiled": lead.exiled,
            "last_sanction": lead.last_sanction, "sanctions": sanc}


def test_a_reprimand_costs_prestige_only() -> None:
    s = _applied(REPRIMAND)
    assert s["prestige"][0].tolist() == pytest.approx([0.5, 0.44, 0.5])
    assert s["last_sanction"][0, 1] == -99 and (s["sanctions"][0, 1, 1:] == -1).all()


@pytest.mark.parametrize("top", [True, False])
def test_removal_from_office(top: bool) -> None:
    """The top office passes to the proposer in person; any other to a client of his."""
    s = _applied(REMOVE_OFFICE, office=0, top=top)
    assert s["holder"][0].tolist() == ([0, 2, 1] if top else [-1, 2, 1])
    assert s["office_patron"][0].tolist() == ([-1, -1, -1] if top else [0, -1, -1])
    assert s["office_lost"][0].tolist() == [30, -1, -1]
    assert s["sanctions"][0, 1, LOST_OFFICE] == 12 and s["last_sanction"][0, 1] == 30
    assert s["in_bureau"][0, 1] and s["in_committee"][0, 1]


def test_removal_from_the_bureau_is_final() -> None:
    s = _applied(REMOVE_BUREAU)
    assert not s["in_bureau"][0, 1] and s["removed"][0, 1] and s["in_committee"][0, 1]
    assert s["sanctions"][0, 1, LEFT_BUREAU] == 30 and s["last_sanction"][0, 1] == 30


def test_removal_from_the_committee_gives_the_seat_to_an_unaligned_member() -> None:
    s = _applied(REMOVE_COMMITTEE)
    assert not s["in_committee"][0, 1] and s["in_bureau"][0, 1]
    assert s["committee"][0].tolist() == [5, 4, 3, 11]
    assert s["sanctions"][0, 1, LEFT_COMMITTEE] == 30


def test_expulsion_strips_everything() -> None:
    s = _applied(EXPEL)
    assert s["expelled"][0, 1] and not s["faction"][0, 1]
    assert not s["in_bureau"][0, 1] and s["removed"][0, 1] and not s["in_committee"][0, 1]
    assert s["holder"][0].tolist() == [-1, 2, -1] and s["office_patron"][0].tolist() == [0, -1, 0]
    assert s["office_lost"][0].tolist() == [30, -1, 30]
    assert s["committee"][0].tolist() == [5, 4, 3, 11]
    assert [s["sanctions"][0, 1, k] for k in (LOST_OFFICE, LEFT_BUREAU, LEFT_COMMITTEE, EXPELLED)] == [12, 30, 30, 30]
    assert not s["expelled"][0, [0, 2]].any()


def test_exile_is_a_record_only() -> None:
    s = _applied(EXILE)
    assert s["exiled"][0, 1] and s["sanctions"][0, 1, EXILED] == 30
    assert s["in_bureau"][0, 1] and not s["expelled"][0, 1]


def test_recantation_and_readmission_are_not_rungs() -> None:
    lead = leaders(1, 1, last_sanction=7)
    sanc = sanctions(1, 1)
    motions._sanction(lead, sanc, 0, 0, RECANTED, 20)
    motions._sanction(lead, sanc, 0, 0, READMITTED, 25)
    assert lead.last_sanction[0, 0] == 7 and sanc[0, 0, RECANTED] == 20 and sanc[0, 0, READMITTED] == 25
    motions._sanction(lead, sanc, 0, 0, EXPELLED, 30)
    motions._sanction(lead, sanc, 0, 0, EXPELLED, 40)
    assert lead.last_sanction[0, 0] == 40 and sanc[0, 0, EXPELLED] == 30  # the first month is the record


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), B=st.integers(1, 4), reprimand=st.booleans(), top=st.booleans())
def test_a_passed_motion_conserves_the_committee_and_changes_only_its_target(seed: int, B: int, reprimand: bool,
                                                                              top: bool) -> None:
    """Any passed motion on the ladder (the target's next rung, as `ladder.next_rung` gives it,
    or a reprimand), in any status of its target: the committee's size (client seats plus
    sitting principals) is unchanged, seats never go negative, only the target's status
    changes, an expelled leader sits nowhere, offices change hands only with a first loss dated
    this month, and each sanction keeps the first month it happened."""
    rng = np.random.default_rng(seed)
    L, O, month = 4, 5, 40
    expelled = rng.random((B, L)) < 0.2
    lead = leaders(B, L, prestige=rng.uniform(0, 1.5, (B, L)), in_bureau=(rng.random((B, L)) < 0.5) & ~expelled,
                   in_committee=(rng.random((B, L)) < 0.7) & ~expelled, expelled=expelled,
                   exiled=expelled & (rng.random((B, L)) < 0.5), faction=rng.random((B, L)) < 0.3,
                   removed=rng.random((B, L)) < 0.2)
    holder = rng.integers(-1, L, (B, O))
    holder[expelled[np.arange(B)[:, None], np.maximum(holder, 0)] | (holder < 0)] = -1
    offs = offices(B, O, holder=holder, lost=np.where(rng.random((B, O)) < 0.3, 5, -1))
    committee = rng.integers(0, 10, (B, L + 1))
    sanc = np.where(rng.random((B, L, 7)) < 0.2, 3, -1).astype(np.int64)
    proposer = rng.integers(0, L, B)
    target = (proposer + rng.integers(1, L, B)) % L
    rung, best = ladder._next_rung(offs.holder, np.arange(O, dtype=float), lead)
    rows = np.arange(B)
    motion = np.full(B, REPRIMAND) if reprimand else rung[rows, target]
    office = np.where(motion == REMOVE_OFFICE, best[rows, target], -1)
    mask = (rng.random(B) < 0.8) & (motion >= 0)
    before = {k: v.copy() for k, v in lead._asdict().items()}
    size0 = committee.sum(axis=1) + lead.in_committee.sum(axis=1)
    holder0, lost0, sanc0 = offs.holder.copy(), offs.lost.copy(), sanc.copy()
    mo = votes.Motion(proposer, target, motion, office)
    motions._apply(mask, mo, facts(powers=powers([top, False, False, False, False])), lead, offs, committee, sanc,
                   month)
    assert np.array_equal(committee.sum(axis=1) + lead.in_committee.sum(axis=1), size0)
    assert (committee >= 0).all()
    others = np.ones((B, L), dtype=bool)
    others[rows[mask], target[mask]] = False
    for k, v in lead._asdict().items():
        assert np.array_equal(v[others], before[k][others]), k
    assert not (lead.expelled & (lead.in_bureau | lead.in_committee)).any()
    moved = (offs.holder != holder0)
    assert not moved[~mask].any()
    assert (offs.lost[moved & (lost0 < 0)] == month).all()
    assert np.array_equal(offs.lost[lost0 >= 0], lost0[lost0 >= 0])
    assert np.array_equal(sanc[sanc0 >= 0], sanc0[sanc0 >= 0])
    assert ((sanc == sanc0) | (sanc == month)).all()


# ---------------------------------------------------------------- recantation, readmission, relapse


def test_recantation() -> None:
    """Leader 1 recants: he submits, his faction, target and alliances end, he loses 0.1 prestige
    (clipped at 0 for leader 2, who recants with 0.05); the others are untouched."""
    L = 3
    who = np.array([[False, True, True]])
    lead = leaders(1, L, faction=True, target=[[1, 0, 0]], allied=True, prestige=[[0.7, 0.6, 0.05]])
    sanc = sanctions(1, L)
    ev = np.empty((L, 6), dtype=np.int64)
    n = motions._recant(who, np.array([True]), lead, sanc, 14, ev)
    assert lead.submitted[0].tolist() == [False, True, True] and lead.faction[0].tolist() == [True, False, False]
    assert lead.target[0].tolist() == [1, -1, -1]
    assert lead.allied[0].tolist() == [[True, False, False], [False, False, False], [False, False, False]]
    assert lead.prestige[0].tolist() == pytest.approx([0.7, 0.5, 0.0])
    assert sanc[0, :, RECANTED].tolist() == [-1, 14, 14] and n == 2


def _back(expelled: bool, submitted: bool, readmission: float, relapse: float, ambition: float,
          B: int = 20000) -> dict[str, np.ndarray]:
    rng = Streams(5, np.arange(B))
    lead = leaders(B, 1, expelled=expelled, exiled=expelled, submitted=submitted)
    sanc = sanctions(B, 1)
    ev = np.empty((2 * B, 6), dtype=np.int64)
    keys = (rng.reps, rng.key("readmission", 3), rng.key("relapse", 3))
    motions._readmit_and_relapse(np.ones(B, dtype=bool), lead, sanc, facts(ambition=[ambition]),
                                 params(readmission=readmission, relapse=relapse), keys, 3, ev)
    return {"expelled": lead.expelled, "exiled": lead.exiled, "submitted": lead.submitted, "sanctions": sanc}


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


# ---------------------------------------------------------------- a whole meeting


def test_a_plenum_puts_removal_from_the_committee_to_a_two_thirds_vote() -> None:
    """A plenum of the tutorial (month 5) in 300 runs with prestige varied: leader 0 moves to
    remove leader 1, who holds no office and sits in the committee but not the bureau, from the
    committee. The meeting asks the vote for the scenario's supermajority, and a motion carried
    by a simple majority short of it fails."""
    sp = spec("tutorial")
    t = 5
    assert sp.meeting[t] & PLENUM and not sp.meeting[t] & CONGRESS
    B = 300
    st_ = initial_state(sp, B)
    st_.month = t
    lead = st_.leaders
    lead.prestige[:] = np.random.default_rng(7).uniform(0.0, 1.5, lead.prestige.shape)
    st_.offices.holder[st_.offices.holder == 1] = -1
    st_.cache.clear()
    lead.in_bureau[:, 1] = False
    lead.in_committee[:, 1] = True
    motion_target = np.full((B, sp.L), -1)
    motion_target[:, 0] = 1
    calls: list[dict[str, Any]] = []
    original = votes.tally

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append({"body": args[4], "motion": args[7].copy(), "mask": args[9].copy(),
                      "needed": np.broadcast_to(kwargs.get("needed", 0.5), (B,)).copy()})
        return original(*args, **kwargs)

    log = Log()
    with mock.patch.object(votes, "tally", spy):
        motions.meeting(sp, st_, Streams(3, np.arange(B)), log, np.ones(B, dtype=bool), motion_target)
    assert len(calls) == 1 and calls[0]["body"] == COMMITTEE and calls[0]["mask"].all()
    assert (calls[0]["motion"] == REMOVE_COMMITTEE).all()
    assert calls[0]["needed"] == pytest.approx(np.full(B, sp.params.supermajority))
    v = log.vote_columns()
    y, n, passed = v["yes"], v["no"], v["passed"].astype(bool)
    assert v["run"].size == B and (v["motion"] == REMOVE_COMMITTEE).all()
    assert np.array_equal(passed, (y > n) & (y >= sp.params.supermajority * (y + n)))
    short = (y > n) & ~passed
    assert short.sum() >= 5, f"only {short.sum()} runs where the supermajority decided"
    assert lead.in_committee[v["run"][short], 1].all() and not lead.in_committee[v["run"][passed], 1].any()
