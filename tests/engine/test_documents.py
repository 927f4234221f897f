"""Documents (engine/documents.py, docs/model.md section 7.12): a release's damage, the
committee's vote on reading a document that arrives, and late publication."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import documents, outcome, votes
from politburo.engine.bodies import COMMITTEE
from politburo.engine.common import controls
from politburo.engine.ladder import READ_DOCUMENT
from politburo.engine.log import Log
from politburo.engine.rng import Streams
from politburo.engine.run import initial_state


def test_a_release_damages_by_the_rise_in_force_and_a_strong_bloc_shrugs_it_off() -> None:
    sp = spec("tutorial")
    st_ = initial_state(sp, 3)
    st_.month = 20
    doc = st_.documents
    doc.force[:, 0] = [0.0, 0.4, 0.8]
    before = st_.leaders.prestige.copy()
    share = outcome.committee_share(sp, st_)
    documents.release(sp, st_, 0, np.array([True, True, True]), 0.6)
    rise = np.array([0.6, 0.2, 0.0])
    expected = np.clip(before - rise[:, None] * sp.doc_damage[0][None, :] * (1 - share), 0.0, 1.5)
    assert st_.leaders.prestige == pytest.approx(expected, abs=1e-12)
    assert doc.force[:, 0].tolist() == [0.6, 0.6, 0.8]  # the larger of the old and the new
    assert doc.public[:, 0].all() and (doc.released[:, 0] == 20).all()  # force 0.5 or more
    st2 = initial_state(sp, 1)
    documents.release(sp, st2, 0, np.array([True]), 0.25)
    assert not st2.documents.public[0, 0] and st2.documents.force[0, 0] == 0.25


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), force=st.floats(0.0, 1.0))
def test_a_release_keeps_prestige_and_force_in_range_and_never_helps_the_damaged(seed: int, force: float) -> None:
    """Any release on the tutorial: prestige stays within [0, 1.5] and never rises for a leader
    the document damages; force stays within [0, 1] and never falls; a run outside the mask is
    untouched."""
    sp = spec("tutorial")
    rng = np.random.default_rng(seed)
    B = 4
    s = initial_state(sp, B)
    s.month = 20
    s.leaders.prestige[:] = rng.choice([0.0, 0.01, 0.7, 1.49, 1.5], s.leaders.prestige.shape)
    s.documents.force[:, 0] = rng.uniform(0, 1, B)
    mask = rng.random(B) < 0.7
    before = s.copy()
    documents.release(sp, s, 0, mask, force)
    p, p0 = s.leaders.prestige, before.leaders.prestige
    assert ((p >= 0) & (p <= 1.5)).all()
    damaged = (sp.doc_damage[0] >= 0)[None, :]
    assert (p <= p0)[np.broadcast_to(damaged, p.shape)].all()
    assert (s.documents.force >= before.documents.force).all() and (s.documents.force <= 1).all()
    for k in ("released", "force", "public"):
        assert np.array_equal(getattr(s.documents, k)[~mask], getattr(before.documents, k)[~mask]), k
    assert np.array_equal(p[~mask], p0[~mask])


def test_the_committees_vote_on_a_document_decides_its_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """In the month a document arrives the committee votes on reading it to the congress with
    the uncommitted lean fixed at 0.3 − severity and each principal's side his own benefit
    (clipped ten times it); a motion that passes reads it in full (force 1, public), otherwise
    it is read to the delegations only (force 0.25, not public)."""
    sp = spec("tutorial")
    B, d = 4, 0
    st_ = initial_state(sp, B)
    st_.month = int(sp.doc_arrival[d])
    th = np.random.default_rng(1).uniform(0.1, 1.0, (B, sp.L, sp.L))
    calls: list[dict[str, Any]] = []

    def fake_tally(spec_, st__, rng, sub, body, proposer, target, motion, office, mask, delegates=None,
                   lean_x=None, needed=0.5, stance_x=None):  # type: ignore[no-untyped-def]
        calls.append({"sub": sub, "body": body, "proposer": proposer.copy(), "target": target.copy(),
                      "motion": motion.copy(), "mask": mask.copy(), "lean": lean_x, "stance": stance_x,
                      "needed": needed})
        z = np.zeros(B, dtype=np.int64)
        return z, z, z, (np.array([True, False, True, False]) & mask) if body == 1 else np.zeros(B, dtype=bool)

    monkeypatch.setattr(votes, "tally", fake_tally)
    b = documents.benefit(sp, st_, d, th)
    documents.arrivals(sp, st_, Streams(1, np.arange(B)), Log(), np.ones(B, dtype=bool), th)
    vote = calls[0]
    assert vote["sub"] == 1000 + d and vote["body"] == COMMITTEE and vote["needed"] == 0.5
    assert (vote["motion"] == READ_DOCUMENT).all() and (vote["target"] == int(sp.doc_damage[d].argmax())).all()
    assert vote["lean"] == pytest.approx(np.full(B, 0.3 - sp.params.severity))
    assert vote["stance"] == pytest.approx(np.clip(10 * b, -1, 1))
    lead = st_.leaders
    gain = np.where(lead.in_committee & ~lead.expelled, b, -np.inf)
    assert vote["proposer"].tolist() == gain.argmax(axis=1).tolist()
    assert vote["mask"].tolist() == (gain.max(axis=1) > 0).tolist()
    passed = np.array([True, False, True, False]) & vote["mask"]
    doc = st_.documents
    assert doc.force[:, d].tolist() == [1.0 if p else 0.25 for p in passed]
    assert doc.public[:, d].tolist() == passed.tolist()
    assert (doc.released[:, d] == st_.month).all()


def test_a_document_is_published_once_with_a_decayed_force() -> None:
    """Late publication: force (1 − decay)^(months since arrival), halved where the leader it
    damages most controls the police; the publisher gains 1.5 grounds; a document already
    public cannot be published again; every document's force then decays by (1 − decay)."""
    sp = spec("tutorial")
    B, d = 3, 0
    st_ = initial_state(sp, B)
    st_.month = int(sp.doc_arrival[d]) + 5
    doc = st_.documents
    doc.public[0, d] = True  # read in full already
    doc.force[0, d] = 0.9
    decay = sp.params.document_decay
    worst = int(sp.doc_damage[d].argmax())
    police = controls(sp, st_, "police")[:, worst]
    publishers = np.zeros((B, sp.L), dtype=bool)
    publishers[:, 1] = True
    grounds = st_.leaders.grounds.copy()
    documents.publish(sp, st_, publishers, Log(), np.ones(B, dtype=bool))
    force = (1 - decay) ** 5 * np.where(police, 0.5, 1.0)
    assert doc.force[0, d] == pytest.approx(0.9 * (1 - decay))  # not published again
    assert doc.force[1:, d] == pytest.approx(force[1:] * (1 - decay))
    assert doc.public[:, d].all() and (doc.released[1:, d] == st_.month).all()
    assert st_.leaders.grounds[:, 1].tolist() == pytest.approx(
        [grounds[0, 1], grounds[1, 1] + 1.5, grounds[2, 1] + 1.5])
    again = doc.force[:, d].copy()
    documents.publish(sp, st_, publishers, Log(), np.ones(B, dtype=bool))
    assert doc.force[:, d] == pytest.approx(again * (1 - decay))  # only the monthly decay
