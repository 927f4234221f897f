"""The circular flow's last links (docs/model.md §7.4): delegates chosen through the regions,
the committee they elect through the majority's slate, and the bureau the committee fills.
Also the bodies that vote on motions, by code."""

from __future__ import annotations

import numpy as np

from politburo.engine import log as lg
from politburo.engine.common import largest_remainder, put
from politburo.engine.jit import kernel
from politburo.engine.spec import Spec
from politburo.engine.state import State

# The bodies that decide motions, by code (the `body` column of the vote log).
BUREAU, COMMITTEE, CONGRESS_BODY, CONFERENCE_BODY = range(4)
BODIES = ("bureau", "committee", "congress", "conference")


def delivery(spec: Spec, st: State) -> np.ndarray:
    """(B, R) share of a region's delegates its secretary delivers to his patron:
    strength · (0.5 + 0.5·loyalty) · (1 + share of steered recruits) − 0.2 · distance between
    the members' sentiment and the patron's line, within [0, 0.95]; nothing for no patron or an
    expelled one."""
    return _delivery(st.regions, st.leaders.expelled, st.leaders.ideology, spec.params.appointment_strength)


@kernel
def _delivery(regions, expelled, ideology, strength):  # pragma: no cover
    B, R = regions.patron.shape
    out = np.zeros((B, R))
    for r in range(B):
        delivery_row(r, regions, expelled, ideology, strength, out[r])
    return out


@kernel
def delivery_row(r, regions, expelled, ideology, strength, out):  # pragma: no cover - compiled
    """delivery(spec, st)[r] into `out`."""
    patron, steered, members, loyalty, sentiment = (regions.patron, regions.steered, regions.members,
                                                    regions.loyalty, regions.sentiment)
    R = patron.shape[1]
    A = ideology.shape[2]
    for q in range(R):
        out[q] = 0.0
        k = patron[r, q]
        if k < 0 or expelled[r, k]:
            continue
        d2 = 0.0
        for a in range(A):
            x = sentiment[r, q, a] - ideology[r, k, a]
            d2 += x * x
        d = strength * (0.5 + 0.5 * loyalty[r, q]) * (1.0 + steered[r, q] / members[r, q]) - 0.2 * np.sqrt(d2)
        out[q] = min(max(d, 0.0), 0.95)


def delegate_shares(spec: Spec, st: State) -> np.ndarray:
    """(B, L + 1) share of congress delegates in each leader's bloc; last column unaligned.

    In each region the secretary delivers his share to his patron; a home-base leader still in
    the game takes `home_base` of the rest; of what remains, half follow the principals by
    prestige and ideological fit (a softmax) and half stay uncommitted."""
    lead, reg = st.leaders, st.regions
    return _delegate_shares(reg, delivery(spec, st), spec.facts.home, lead.expelled, st.records.defeated,
                            lead.prestige + 0.5 * lead.heir, lead.ideology, lead.in_committee & ~lead.expelled,
                            spec.params.home_base)


@kernel
def _delegate_shares(regions, dlv, home, expelled, defeated, standing, ideology, eligible,
                     home_base):  # pragma: no cover - compiled
    members, patron, sentiment = regions.members, regions.patron, regions.sentiment
    B, R = members.shape
    L = standing.shape[1]
    A = ideology.shape[2]
    shares = np.zeros((B, L + 1))
    appeal = np.empty(L)
    for r in range(B):
        total = 0.0
        for q in range(R):
            total += members[r, q]
        for q in range(R):
            w = members[r, q] / total
            k = patron[r, q]
            if k >= 0:
                shares[r, k] += w * dlv[r, q]
            free = 1.0 - dlv[r, q]
            h = home[q]
            if h >= 0 and not expelled[r, h] and defeated[r, h] < 0 and k != h:
                extra = home_base * free
                shares[r, h] += w * extra
                free -= extra
            top = -np.inf
            for i in range(L):
                if eligible[r, i]:
                    d2 = 0.0
                    for a in range(A):
                        x = sentiment[r, q, a] - ideology[r, i, a]
                        d2 += x * x
                    appeal[i] = 3.0 * standing[r, i] - 2.0 * np.sqrt(d2)
                    top = max(top, appeal[i])
            norm = 0.0
            for i in range(L):
                if eligible[r, i]:
                    appeal[i] = np.exp(appeal[i] - top)
                    norm += appeal[i]
            for i in range(L):
                if eligible[r, i]:
                    shares[r, i] += w * free * 0.5 * appeal[i] / norm
            shares[r, L] += w * free * (0.5 if norm > 0 else 1.0)
    return shares


def majority_group(st: State, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The leader whose coalition holds most delegates, and (B, L) membership of that coalition."""
    L = shares.shape[1] - 1
    allied = st.leaders.allied
    group = shares[:, :L] + np.einsum("bij,bj->bi", allied.astype(float), shares[:, :L])
    group = np.where(st.leaders.expelled, -1.0, group)
    lead = group.argmax(axis=1)
    rows = np.arange(st.B)
    member = allied[rows, lead, :].copy()
    member[rows, lead] = True
    return lead, member


def elect_committee(spec: Spec, st: State, size: int, log: lg.Log | None, running: np.ndarray) -> None:
    """A congress elects the Central Committee (docs/model.md §7.4): seats follow delegate
    blocs, the majority group's slate over-weighted by `slate_bonus`; the election reveals who
    controls which votes (every observer's insight grows by twice `insight_reveal`).

    Reads: regions, leaders (prestige, heir, ideology, in_committee, expelled, allied),
        records.defeated; params slate_bonus, home_base, appointment_strength, insight_reveal.
    Writes: bodies.committee (B, L + 1) seats; leaders.insight (B, L, L) unless `log` is None
        (the starting committee); a CONGRESS_ELECTS event."""
    p = spec.params
    L = spec.L
    lead = st.leaders
    shares = delegate_shares(spec, st)
    _, member = majority_group(st, shares)
    w = shares.copy()
    w[:, :L] *= 1.0 + p.slate_bonus * member
    principals = (lead.in_committee & ~lead.expelled).sum(axis=1)
    committee = st.bodies.committee
    committee[...] = largest_remainder(w, np.maximum(size - principals, 0))
    if log is not None:
        largest = committee[:, :L].argmax(axis=1)
        bloc = committee[np.arange(st.B), largest] + lead.in_committee[np.arange(st.B), largest]
        log.event(st.month, lg.CONGRESS_ELECTS, running, largest, bloc, size)
        reveal = p.insight_reveal * 2.0
        lead.insight[...] += reveal * (1.0 - lead.insight)


def congress_delegates(spec: Spec, st: State, n: float) -> np.ndarray:
    """(B, L + 1) integer delegates per bloc."""
    shares = delegate_shares(spec, st)
    return largest_remainder(shares, np.full(st.B, int(n)))


def fill_bureau(spec: Spec, st: State, size: int, log: lg.Log | None, running: np.ndarray) -> None:
    """The Central Committee fills Politburo vacancies (docs/model.md §7.4): first up to three
    principals who sit in the committee and are neither removed, expelled nor submitted (by
    prestige plus heir legitimacy), then clients of the largest committee bloc; a smaller
    Politburo sheds clients, unaligned ones before the largest bloc's, and never a seated
    principal (it stays larger than its size while they outnumber it).

    Reads: leaders (removed, in_committee, expelled, submitted, prestige, heir); bodies.committee;
        whether the founder is alive (his seat).
    Writes: leaders.in_bureau (B, L) bool, bodies.bureau (B, L + 1) seats; BUREAU_SEAT events."""
    ev = np.empty((3 * st.B, 6), dtype=np.int64)
    n = _fill_bureau(size, int(st.founder_alive), st.leaders, st.bodies, running, ev)
    if log is not None:
        log.event_block(st.month, ev, n)


@kernel
def _fill_bureau(size, founder, leaders, bodies, running, ev):  # pragma: no cover - compiled
    """fill_bureau run by run (up to three principals seated, each round one event group)."""
    in_bureau, removed, in_committee, expelled, submitted, prestige, heir = (
        leaders.in_bureau, leaders.removed, leaders.in_committee, leaders.expelled, leaders.submitted,
        leaders.prestige, leaders.heir)
    bureau, committee = bodies.bureau, bodies.committee
    B, L = in_bureau.shape
    n = 0
    for r in range(B):
        for rnd in range(3):
            seated = founder
            for i in range(L):
                seated += in_bureau[r, i]
            for k in range(L + 1):
                seated += bureau[r, k]
            best = -1
            bv = -np.inf
            for i in range(L):
                if (not in_bureau[r, i] and not removed[r, i] and in_committee[r, i] and not expelled[r, i]
                        and not submitted[r, i]):
                    v = prestige[r, i] + heir[r, i]
                    if best < 0 or v > bv:
                        best = i
                        bv = v
            if not (size - seated > 0 and best >= 0):
                break  # (nothing changes in this run: no later round seats anyone either)
            in_bureau[r, best] = True
            if running[r]:
                n = put(ev, n, rnd, r, lg.BUREAU_SEAT, best, -1, -1)
        seated = founder
        for i in range(L):
            seated += in_bureau[r, i]
        for k in range(L + 1):
            seated += bureau[r, k]
        vacant = size - seated
        largest = 0
        for k in range(1, L):
            if committee[r, k] > committee[r, largest]:
                largest = k
        bureau[r, largest] += max(vacant, 0)
        # Shed surplus clients, unaligned first, then the largest filler bloc.
        for _ in range(max(0, -vacant)):
            if bureau[r, L] > 0:
                col = L
            else:
                col = 0
                for k in range(1, L):
                    if bureau[r, k] > bureau[r, col]:
                        col = k
            if bureau[r, col] <= 0:
                break  # no client left to shed: the seated principals stay
            bureau[r, col] -= 1
    return n


def seed_bodies(spec: Spec, st: State) -> None:
    """The starting Central Committee and Politburo (docs/model.md §4)."""
    elect_committee(spec, st, int(spec.committee_size[0]), None, st.running)
    fill_bureau(spec, st, int(spec.bureau_size[0]), None, st.running)
