"""The state of a batch of runs, grouped into typed records that mirror the entities of
docs/model.md §2. Every array has the run as its leading axis (length B).

Each record is a `typing.NamedTuple` of arrays, so a compiled kernel takes a handful of
records instead of fifty arrays; mechanisms change the arrays in place and never replace
them (a kernel's caller may hold a record across calls). The classes live in this importable
module because numba's on-disk cache cannot key types defined in `__main__`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np

# The sanction codes (the columns of `Records.sanctions`) are in engine.sanctions.


class Leaders(NamedTuple):
    """The principals (L of them), per run."""

    prestige: np.ndarray  # (B, L) standing with the rank and file, in [0, 1.5]
    heir: np.ndarray  # (B, L) heir legitimacy (the founder's mantle)
    ideology: np.ndarray  # (B, L, A) position on each axis, in [-1, 1]
    in_bureau: np.ndarray  # (B, L) bool, seated in the Politburo
    in_committee: np.ndarray  # (B, L) bool, seated in the Central Committee
    expelled: np.ndarray  # (B, L) bool
    exiled: np.ndarray  # (B, L) bool
    submitted: np.ndarray  # (B, L) bool, recanted and not relapsed
    faction: np.ndarray  # (B, L) bool, has organised a faction
    grounds: np.ndarray  # (B, L) pretext for sanctions given by his own attacks, factions, deviations
    last_sanction: np.ndarray  # (B, L) int, month of the last rung suffered (-99 none)
    removed: np.ndarray  # (B, L) bool, voted out of the Politburo (barred from returning)
    had_office: np.ndarray  # (B, L) bool, held an office at the start
    insight: np.ndarray  # (B, L, L) share of observed j's hidden power observer i sees, in [0, 1]
    target: np.ndarray  # (B, L) int, the rival each balances against (-1 none)
    allied: np.ndarray  # (B, L, L) bool, alliances this month
    enmity: np.ndarray  # (B, L, L) accumulated hostility of i toward j
    camps: np.ndarray  # (B, L) int, bitmask of the coalition against each leader (last formed)


class Offices(NamedTuple):
    """The offices (O of them), per run."""

    holder: np.ndarray  # (B, O) int, leader holding it in person (-1 none)
    patron: np.ndarray  # (B, O) int, leader whose client holds it (-1 none)
    lost: np.ndarray  # (B, O) int, month first taken from its holder (-1 never)


class Regions(NamedTuple):
    """The regional party organisations (R of them), per run."""

    members: np.ndarray  # (B, R) members and candidates
    steered: np.ndarray  # (B, R) members recruited by steered drives
    patron: np.ndarray  # (B, R) int, leader whose client the secretary is (-1 none)
    loyalty: np.ndarray  # (B, R) the secretary's loyalty to his patron, in [0.05, 1]
    sentiment: np.ndarray  # (B, R, A) the members' position on each axis, in [-1, 1]


class Bodies(NamedTuple):
    """Seats held by clients ("blocs"): column k the clients of leader k, the last column the
    unaligned. Principals with `in_committee` / `in_bureau` (and the founder) sit on top."""

    committee: np.ndarray  # (B, L + 1) int, Central Committee
    bureau: np.ndarray  # (B, L + 1) int, Politburo


class World(NamedTuple):
    """The economy and the party's mood."""

    economy: np.ndarray  # (B,) economy index (0 normal, negative bad)
    vindication: np.ndarray  # (B, A) cumulative pull of events on sentiment
    line: np.ndarray  # (B, A) the party's line: members' mean sentiment (see common.party_line)


class Documents(NamedTuple):
    """Documents (D of them) such as a testament, per run."""

    released: np.ndarray  # (B, D) int, month (last) released (-1 never)
    force: np.ndarray  # (B, D) force of a released document, decaying monthly
    public: np.ndarray  # (B, D) bool, read in full or published (cannot be published again)


class Records(NamedTuple):
    """What happened, for the outcome and the reports."""

    sanctions: np.ndarray  # (B, L, 7) int, first month of each rung (sanctions.SANCTIONS), -1 never
    defeated: np.ndarray  # (B, L) int, month of defeat, -1
    winner: np.ndarray  # (B,) int, -1 none
    victory: np.ndarray  # (B,) int, month of victory, -1
    coalition_first: np.ndarray  # (B, L, L) int, first month i and k were allied, -1


RECORDS = ("leaders", "offices", "regions", "bodies", "world", "documents", "records")


@dataclass
class State:
    month: int
    running: np.ndarray  # (B,) bool, no winner yet
    founder_alive: bool
    line_month: int  # the month `world.line` was computed for (common.party_line)
    leaders: Leaders
    offices: Offices
    regions: Regions
    bodies: Bodies
    world: World
    documents: Documents
    records: Records
    cache: dict = field(default_factory=dict)  # office-derived arrays; cleared when offices change

    @property
    def B(self) -> int:
        return self.running.shape[0]

    def copy(self) -> State:
        return copy.deepcopy(self)

    def take(self, idx: np.ndarray) -> State:
        """The sub-batch of runs `idx` (used to snapshot or branch runs)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in RECORDS:
                out[f.name] = type(v)(*(a[idx].copy() for a in v))
            else:
                out[f.name] = v[idx].copy() if isinstance(v, np.ndarray) else v
        out["cache"] = {}
        return State(**out)
