"""The state of a batch of runs: a structure of arrays whose leading axis is the run."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

import numpy as np

from politburo.engine.spec import Spec

# Sanction ladder rungs; also the columns of `sanctions` (month each happened, -1 never).
LOST_OFFICE, LEFT_BUREAU, LEFT_COMMITTEE, EXPELLED, EXILED, RECANTED, READMITTED = range(7)
SANCTIONS = ("lost_office", "left_bureau", "left_committee", "expelled", "exiled", "recanted", "readmitted")


@dataclass
class State:
    month: int
    running: np.ndarray  # (B,) no winner yet
    founder_alive: bool
    # leaders
    prestige: np.ndarray  # (B, L)
    heir: np.ndarray
    ideology: np.ndarray  # (B, L, A)
    in_bureau: np.ndarray  # (B, L) bool
    in_committee: np.ndarray
    expelled: np.ndarray
    exiled: np.ndarray
    submitted: np.ndarray  # recanted and not relapsed
    faction: np.ndarray
    grounds: np.ndarray  # (B, L) pretext for sanctions given by a leader's own attacks
    last_sanction: np.ndarray  # (B, L) month of the last rung suffered, -99 none
    removed: np.ndarray  # removed from the bureau by a vote (not a mere candidate)
    had_office: np.ndarray
    insight: np.ndarray  # (B, L, L) observer, observed
    target: np.ndarray  # (B, L) -1 none
    allied: np.ndarray  # (B, L, L) bool
    enmity: np.ndarray  # (B, L, L)
    # offices
    holder: np.ndarray  # (B, O) leader holding it in person, -1 none
    office_patron: np.ndarray  # (B, O) leader whose client holds it, -1 none
    # regions
    members: np.ndarray  # (B, R)
    steered: np.ndarray  # (B, R) members recruited by steered drives
    patron: np.ndarray  # (B, R) the secretary's patron, -1 none
    loyalty: np.ndarray
    sentiment: np.ndarray  # (B, R, A)
    # bodies: clients by patron, last column unaligned; principals sit on top of these
    committee: np.ndarray  # (B, L + 1) int
    bureau: np.ndarray  # (B, L + 1) int
    # world and documents
    economy: np.ndarray  # (B,)
    vindication: np.ndarray  # (B, A) cumulative pull of events on sentiment
    doc_released: np.ndarray  # (B, D) month published, -1 not
    doc_force: np.ndarray  # (B, D) force of a published document
    doc_public: np.ndarray  # (B, D) read to a congress or published in full (no second publication)
    # records
    sanctions: np.ndarray  # (B, L, 7) month, -1
    defeated: np.ndarray  # (B, L) month, -1
    winner: np.ndarray  # (B,) -1
    victory: np.ndarray  # (B,) month, -1
    coalition_first: np.ndarray  # (B, L, L) first month i and k were allied, -1
    line: np.ndarray  # (B, A) the party's mood this month (a cache; see common.party_line)
    line_month: int
    office_lost: np.ndarray  # (B, O) month the office was first taken from its holder, -1
    camps: np.ndarray  # (B, L) last month's bitmask of the coalition against each leader
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
            out[f.name] = v[idx].copy() if isinstance(v, np.ndarray) else v
        out["cache"] = {}
        return State(**out)


def initial_state(spec: Spec, B: int) -> State:
    L, R, O = spec.L, spec.R, spec.O
    D = len(spec.document_names)
    p = spec.params

    def rep(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, (B,) + a.shape).copy()

    insight = np.full((L, L), p["insight"]) + (1 - p["insight"]) * 0.6 * spec.organisation[:, None] ** 4
    np.fill_diagonal(insight, 1.0)
    in_committee = rep(spec.in_committee0.astype(bool))
    committee = np.zeros((B, L + 1), dtype=np.int64)
    st = State(
        month=0,
        running=np.ones(B, dtype=bool),
        founder_alive=True,
        prestige=rep(spec.prestige0.astype(float)),
        heir=np.zeros((B, L)),
        ideology=rep(spec.ideology0.astype(float)),
        in_bureau=rep(spec.in_bureau0.astype(bool)),
        in_committee=in_committee,
        expelled=np.zeros((B, L), dtype=bool),
        exiled=np.zeros((B, L), dtype=bool),
        submitted=np.zeros((B, L), dtype=bool),
        faction=np.zeros((B, L), dtype=bool),
        grounds=np.zeros((B, L)),
        last_sanction=np.full((B, L), -99, dtype=np.int64),
        removed=np.zeros((B, L), dtype=bool),
        had_office=rep(np.isin(np.arange(L), spec.holder0)),
        insight=rep(np.minimum(insight, 1.0)),
        target=np.full((B, L), -1),
        allied=np.zeros((B, L, L), dtype=bool),
        enmity=np.zeros((B, L, L)),
        holder=rep(spec.holder0.copy()),
        office_patron=rep(spec.office_patron0.copy()),
        members=rep(spec.members0.astype(float)),
        steered=np.zeros((B, R)),
        patron=rep(spec.region_patron0.copy()),
        loyalty=rep(spec.loyalty0.astype(float)),
        sentiment=rep(spec.sentiment0.astype(float)),
        committee=committee,
        bureau=np.zeros((B, L + 1), dtype=np.int64),
        economy=np.zeros(B),
        vindication=np.zeros((B, len(spec.axis_names))),
        doc_released=np.full((B, D), -1),
        doc_force=np.zeros((B, D)),
        doc_public=np.zeros((B, D), dtype=bool),
        sanctions=np.full((B, L, 7), -1, dtype=np.int64),
        defeated=np.full((B, L), -1, dtype=np.int64),
        winner=np.full(B, -1),
        victory=np.full(B, -1),
        coalition_first=np.full((B, L, L), -1, dtype=np.int64),
        office_lost=np.full((B, O), -1, dtype=np.int64),
        camps=np.zeros((B, L), dtype=np.int64),
        line=np.zeros((B, len(spec.axis_names))),
        line_month=-1,
    )
    from politburo.engine.bodies import seed_bodies

    seed_bodies(spec, st)
    return st
