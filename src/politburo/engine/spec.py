"""The compiled scenario: plain arrays the engine reads (L leaders, O offices, R regions, A axes, T months)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from politburo.engine.parameters import Params
from politburo.engine.powers import POWERS, VISIBLE_WEIGHT

POWER_LIST = sorted(POWERS)
POWER_INDEX = {p: i for i, p in enumerate(POWER_LIST)}
VISIBLE = np.array([VISIBLE_WEIGHT[p] for p in POWER_LIST])
# Columns of `Facts.powers` that compiled code reads (as constants).
ANY_APPOINT, ANY_CITY, ANY_PRESS, ANY_RECRUIT, ANY_TOP = (
    POWER_INDEX[p] for p in ("appoint", "city_machine", "press", "recruit", "top_party_office"))

# Kinds of scheduled meetings, per month.
PLENUM, CONFERENCE, CONGRESS = 1, 2, 4


class Facts(NamedTuple):
    """The fixed facts of a scenario that compiled mechanisms read: leaders' traits, offices'
    powers, regions and documents (one argument instead of a dozen)."""

    oratory: np.ndarray  # (L,) in [0, 1]
    organisation: np.ndarray  # (L,)
    ambition: np.ndarray  # (L,)
    caution: np.ndarray  # (L,)
    rigidity: np.ndarray  # (L,)
    network: np.ndarray  # (L,)
    prestige0: np.ndarray  # (L,) starting prestige
    powers: np.ndarray  # (O, P) bool, column POWER_INDEX[name]
    visible: np.ndarray  # (O,) each office's weight in visible power
    home: np.ndarray  # (R,) int, the leader whose home base the region is (-1 none)
    national: np.ndarray  # (R,) national republic weight of the region, in [0, 1]
    sentiment0: np.ndarray  # (R, A) starting sentiment
    high_appeal: np.ndarray  # (A,) steady monthly appeal of the high end of each axis
    doc_damage: np.ndarray  # (D, L) damage each document does to each leader
    doc_removal: np.ndarray  # (D, L) int, office a document asks the leader to leave (-1 none)


@dataclass
class Spec:
    months: int
    leader_names: list[str]
    office_names: list[str]
    region_names: list[str]
    axis_names: list[str]
    document_names: list[str]
    axis_labels: list[tuple[str, str]]
    body_names: dict[str, str]
    founder: str
    start_year: int
    start_month: int
    # leaders
    oratory: np.ndarray
    organisation: np.ndarray
    ambition: np.ndarray
    caution: np.ndarray
    rigidity: np.ndarray
    network: np.ndarray
    prestige0: np.ndarray
    ideology0: np.ndarray  # (L, A)
    in_bureau0: np.ndarray
    in_committee0: np.ndarray
    away: np.ndarray
    # offices
    powers: np.ndarray  # (O, P) bool
    holder0: np.ndarray  # (O,) leader or -1
    office_patron0: np.ndarray  # (O,) leader whose client holds it, or -1
    # regions
    members0: np.ndarray
    region_patron0: np.ndarray
    loyalty0: np.ndarray
    home_of: np.ndarray
    national: np.ndarray
    sentiment0: np.ndarray  # (R, A)
    high_appeal: np.ndarray  # (A,)
    # documents
    doc_damage: np.ndarray  # (D, L)
    doc_removal: np.ndarray  # (D, L) office index or -1
    doc_forced: np.ndarray  # (D,) month or -1
    doc_arrival: np.ndarray  # (D,) month or -1
    # schedule, per month
    meeting: np.ndarray  # (T,) bit flags
    delegates: np.ndarray  # (T,) congress delegates
    conference_delegates: np.ndarray
    committee_size: np.ndarray  # (T,) size in force that month
    bureau_size: np.ndarray
    drive: np.ndarray  # (T,) members recruited by drives
    econ_mean: np.ndarray
    econ_sd: np.ndarray
    foreign_mean: np.ndarray  # (T, A)
    foreign_sd: np.ndarray
    founder_death: int
    funeral: int
    params: Params
    meeting_names: dict[int, str] = field(default_factory=dict)
    leader_ids: list[str] = field(default_factory=list)  # the scenario's ids (e.g. for policies)

    @cached_property
    def facts(self) -> Facts:
        """The `Facts` record of this scenario (the same arrays, computed once)."""
        powers = np.ascontiguousarray(self.powers)
        visible = (powers * VISIBLE[None, :]).sum(axis=1)
        return Facts(self.oratory, self.organisation, self.ambition, self.caution, self.rigidity, self.network,
                     self.prestige0, powers, visible, np.asarray(self.home_of, dtype=np.int64), self.national,
                     self.sentiment0, self.high_appeal, self.doc_damage,
                     np.asarray(self.doc_removal, dtype=np.int64))

    @property
    def L(self) -> int:
        return len(self.leader_names)

    @property
    def R(self) -> int:
        return len(self.region_names)

    @property
    def O(self) -> int:
        return len(self.office_names)

    def power(self, name: str) -> np.ndarray:
        return self.powers[:, POWER_INDEX[name]]

    def date(self, month: int) -> str:
        m0 = self.start_month - 1 + month
        return f"{calendar.month_name[m0 % 12 + 1]} {self.start_year + m0 // 12}"
