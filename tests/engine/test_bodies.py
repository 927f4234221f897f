"""The circular flow's last links (engine/bodies.py, docs/model.md section 7.4): delegates
delivered through the regions, the committee a congress elects and the bureau it fills."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import leaders, regions, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import bodies
from politburo.engine.common import largest_remainder
from politburo.engine.run import initial_state
from politburo.engine.state import Bodies


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
    st_ = initial_state(sp, B)
    lead = st_.leaders
    lead.prestige[:] = np.random.default_rng(11).uniform(0.2, 1.4, lead.prestige.shape)
    lead.allied[:] = False
    shares = bodies.delegate_shares(sp, st_)  # (alliances do not change delegate shares)
    outweigh = 0
    for r in range(B):
        first, a, b = np.argsort(-shares[r, : sp.L], kind="stable")[:3]
        lead.allied[r, a, b] = lead.allied[r, b, a] = True
        outweigh += shares[r, a] + shares[r, b] > shares[r, first]
    assert outweigh >= 2
    assert np.array_equal(bodies.delegate_shares(sp, st_), shares)
    size = 50
    sitting = (lead.in_committee & ~lead.expelled).sum(axis=1)
    expected = []
    for r in range(B):
        own = shares[r, : sp.L]
        group = [-1.0 if lead.expelled[r, i] else own[i] + sum(own[k] for k in range(sp.L) if lead.allied[r, i, k])
                 for i in range(sp.L)]
        head = int(np.argmax(group))
        members = {head} | {k for k in range(sp.L) if lead.allied[r, head, k]}
        w = [shares[r, i] * (1 + sp.params.slate_bonus * (i in members)) for i in range(sp.L)] + [shares[r, sp.L]]
        expected.append(_hamilton(w, size - int(sitting[r])))
    bodies.elect_committee(sp, st_, size, None, st_.running)
    assert st_.bodies.committee.tolist() == expected


def test_the_bureau_is_filled_by_standing_then_by_the_largest_bloc() -> None:
    """A bureau of 8 with the founder alive, one principal seated and 1 filler: 5 vacancies. The
    candidates are principals in the committee, never voted out, not expelled, not submitted,
    by prestige + heir legitimacy: 6 (2.0), 5 (0.6 + 0.7) and 3 (1.0 + 0.2) take seats, three at
    most, so 1 (1.1) does not (2 was voted out, 4 has submitted, 7 is not in the committee); the
    two seats left go to clients of the largest committee bloc (1's)."""
    L = 8
    lead = leaders(1, L, in_committee=[[True, True, True, True, True, True, True, False]],
                   prestige=[[1.0, 1.1, 2.0, 1.0, 2.0, 0.6, 2.0, 3.0]],
                   heir=[[0.0, 0.0, 0.0, 0.2, 0.0, 0.7, 0.0, 0.0]])
    lead.in_bureau[0, 0] = True
    lead.removed[0, 2] = True
    lead.submitted[0, 4] = True
    bureau = np.zeros((1, L + 1), dtype=np.int64)
    bureau[0, L] = 1
    seats = Bodies(committee=np.array([[3, 9, 2, 0, 0, 0, 0, 0, 20]]), bureau=bureau)
    ev = np.empty((3, 6), dtype=np.int64)
    seated = bodies._fill_bureau(8, 1, lead, seats, np.array([True]), ev)
    assert lead.in_bureau[0].tolist() == [True, False, False, True, False, True, True, False]
    assert seated == 3 and ev[:3, 3].tolist() == [6, 5, 3]  # the seating events, best first
    assert seats.bureau[0].tolist() == [0, 2, 0, 0, 0, 0, 0, 0, 1]


def test_a_shrinking_bureau_sheds_unaligned_fillers_first() -> None:
    L = 3
    lead = leaders(1, L, in_bureau=[[True, False, False]])
    seats = Bodies(committee=np.array([[0, 5, 0, 1]]), bureau=np.array([[0, 3, 1, 2]]))
    ev = np.empty((3, 6), dtype=np.int64)
    bodies._fill_bureau(4, 0, lead, seats, np.array([True]), ev)
    # seated: 1 + 6 fillers = 7 for 4 seats: shed 2 unaligned, then 1 of the largest bloc
    assert seats.bureau[0].tolist() == [0, 2, 1, 0]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), B=st.integers(1, 5), L=st.integers(1, 6), size=st.integers(0, 12),
       founder=st.booleans())
def test_the_bureau_filled_has_the_size_asked_for(seed: int, B: int, L: int, size: int, founder: bool) -> None:
    """Whatever its state before, when its seated principals (and the founder) do not already
    exceed `size`, the bureau filled holds exactly `size` seats (principals, client fillers and
    the founder) and no filler count is negative; no seated principal loses his seat, and at
    most three are seated."""
    rng = np.random.default_rng(seed)
    expelled = rng.random((B, L)) < 0.2
    lead = leaders(B, L, in_bureau=(rng.random((B, L)) < 0.3) & ~expelled,
                   in_committee=(rng.random((B, L)) < 0.7) & ~expelled, expelled=expelled,
                   removed=rng.random((B, L)) < 0.2, submitted=rng.random((B, L)) < 0.2,
                   prestige=rng.uniform(0, 1.5, (B, L)), heir=rng.uniform(0, 1, (B, L)))
    seats = Bodies(committee=rng.integers(0, 20, (B, L + 1)), bureau=rng.integers(0, 4, (B, L + 1)))
    was = lead.in_bureau.copy()
    fits = was.sum(axis=1) + int(founder) <= size
    ev = np.empty((3 * B, 6), dtype=np.int64)
    bodies._fill_bureau(size, int(founder), lead, seats, np.ones(B, dtype=bool), ev)
    assert (seats.bureau[fits] >= 0).all()
    assert (lead.in_bureau | ~was).all()
    total = seats.bureau.sum(axis=1) + lead.in_bureau.sum(axis=1) + int(founder)
    assert np.array_equal(total[fits], np.full(fits.sum(), size))
    assert (lead.in_bureau.sum(axis=1) - was.sum(axis=1) <= 3).all()


def test_a_bureau_smaller_than_its_seated_principals_keeps_no_negative_seats() -> None:
    """Two principals seated, no client fillers, a bureau of one: there is nothing to shed."""
    lead = leaders(1, 2, in_bureau=True)
    seats = Bodies(committee=np.array([[3, 1, 5]]), bureau=np.zeros((1, 3), dtype=np.int64))
    bodies._fill_bureau(1, 0, lead, seats, np.array([True]), np.empty((3, 6), dtype=np.int64))
    assert (seats.bureau >= 0).all(), seats.bureau.tolist()


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
    reg = regions(B, R, A, patron=patron, sentiment=sentiment, members=members, steered=steered, loyalty=loyalty)
    served = (patron >= 0) & ~expelled[np.arange(B)[:, None], np.maximum(patron, 0)]
    clipped = [0, 0]
    for strength in (0.2, 1.0):
        got = bodies._delivery(reg, expelled, ideology, strength)
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
    reg = regions(B, R, A, members=members, patron=patron, sentiment=sentiment)
    got = bodies._delegate_shares(reg, dlv, home, expelled, defeated, standing, ideology, eligible, home_base)
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


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(["tutorial", "soviet-1924"]),
       size=st.integers(10, 120), delegates=st.integers(1, 2000))
def test_shares_sum_to_one_and_seats_to_the_size(seed: int, name: str, size: int, delegates: int) -> None:
    """On a built-in scenario with prestige, patrons, loyalty and alliances shuffled: delegate
    shares are non-negative and sum to 1; the congress's delegates and the committee's client
    seats are whole, non-negative and add up to the number asked for (the size less the sitting
    principals); the election never lowers anyone's insight, which stays within [0, 1]."""
    sp = spec(name)
    rng = np.random.default_rng(seed)
    B = 3
    s = initial_state(sp, B)
    lead, reg = s.leaders, s.regions
    lead.prestige[:] = rng.uniform(0, 1.5, lead.prestige.shape)
    reg.patron[:] = rng.integers(-1, sp.L, reg.patron.shape)
    reg.loyalty[:] = rng.uniform(0.05, 1, reg.loyalty.shape)
    lead.expelled[:] = rng.random(lead.expelled.shape) < 0.15
    lead.in_committee[lead.expelled] = False
    allied = rng.random(lead.allied.shape) < 0.3
    lead.allied[:] = (allied | allied.transpose(0, 2, 1)) & ~np.eye(sp.L, dtype=bool)
    shares = bodies.delegate_shares(sp, s)
    assert (shares >= 0).all() and shares.sum(axis=1) == pytest.approx(np.ones(B))
    dl = bodies.congress_delegates(sp, s, delegates)
    assert (dl >= 0).all() and (dl.sum(axis=1) == delegates).all()
    insight = lead.insight.copy()
    bodies.elect_committee(sp, s, size, None, s.running)
    sitting = (lead.in_committee & ~lead.expelled).sum(axis=1)
    assert (s.bodies.committee >= 0).all()
    assert np.array_equal(s.bodies.committee.sum(axis=1), np.maximum(size - sitting, 0))
    from politburo.engine.log import Log

    bodies.elect_committee(sp, s, size, Log(), s.running)
    assert (lead.insight >= insight).all() and ((lead.insight >= 0) & (lead.insight <= 1)).all()
