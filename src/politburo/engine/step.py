"""One month of the struggle, in the order of docs/model.md §3. `step` advances every run of
the batch together; each line calls one mechanism, which says in its docstring what it reads
and what it writes."""

from __future__ import annotations

import numpy as np

from politburo.engine import (
    appointments,
    ceremonies,
    coalitions,
    documents,
    factions,
    membership,
    motions,
    outcome,
    perception,
    polemics,
    policy,
    world,
)
from politburo.engine.common import party_line
from politburo.engine.log import Log
from politburo.engine.players import Players
from politburo.engine.rng import Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State


def step(spec: Spec, st: State, rng: Streams, log: Log, series: dict | None = None,
         players: Players | None = None) -> np.ndarray:
    """Advance every run of the batch by one month. `players` lets other policies choose for
    some leaders (a batch of one run); `series` collects monthly series.
    Returns the (B, L) bitmasks of the coalition against each leader this month."""
    t = st.month
    running = st.running.copy()  # runs still being fought at the start of the month
    world.update(spec, st, rng, log, running)                                         # 1 world
    if t == spec.founder_death:
        ceremonies.founder_death(spec, st, log, running)                              # 2 founder's death
    membership.recruit(spec, st)                                                      # 3 membership
    appointments.circular_flow(spec, st, rng, log, running)                           # 4 circular flow
    perceived, actual = perception.perceive(spec, st)                                 # 5 perception
    th = coalitions.threat(spec, st, perceived)                                       # 6 threat
    coalitions.form(spec, st, th, log, running)                                       # 7 coalitions
    if t == spec.funeral:
        ceremonies.funeral(spec, st, rng, log, running)                               # 8 funeral
    meeting = bool(spec.meeting[t])
    action, motion_target = policy.choose(spec, st, rng, th, running, meeting)        # 9 choice
    if players is not None:
        action, motion_target = players.override(spec, st, perceived, th, running, meeting, action, motion_target)
    line = party_line(st)
    polemics.attack(spec, st, action == policy.POLEMIC, line, log, running)           # 10 polemics
    factions.organise(st, action == policy.FACTION, log, running)                     # 11 factions
    world.change_line(spec, st, action == policy.SHIFT, line, log, running)           # 12 change of line
    motions.recant(st, action == policy.RECANT, log, running)                         # 13 recantation
    documents.publish(spec, st, action == policy.PUBLISH, log, running)               # 14 late publication
    documents.arrivals(spec, st, rng, log, running, th)                               # 15 documents
    if meeting:
        motions.meeting(spec, st, rng, log, running, motion_target)                   # 16 meeting
    motions.readmit_and_relapse(spec, st, rng, log, running)                          # 17 readmission and relapse
    outcome.record_defeats(st)                                                        # 18 defeats
    outcome.check_victory(spec, st, log)                                              # 19 victory
    if series is not None:
        outcome.record_series(spec, st, series, perceived, actual)                    # 20 record
    st.month = t + 1
    return st.leaders.camps
