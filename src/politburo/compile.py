"""Compile a validated scenario into the engine's arrays."""

from __future__ import annotations

import numpy as np

from politburo.engine.parameters import make_params
from politburo.engine.spec import CONFERENCE, CONGRESS, PLENUM, POWER_INDEX, Spec
from politburo.schema import Scenario


def compile_scenario(sc: Scenario) -> Spec:
    T = sc.months
    leaders = [x.id for x in sc.leaders]
    offices = [x.id for x in sc.offices]
    axes = [x.id for x in sc.axes]
    li = {x: i for i, x in enumerate(leaders)}
    oi = {x: i for i, x in enumerate(offices)}
    L, O, A = len(leaders), len(offices), len(axes)

    holder0 = np.full(O, -1)
    for i, ld in enumerate(sc.leaders):
        for o in ld.offices:
            holder0[oi[o]] = i
    powers = np.zeros((O, len(POWER_INDEX)), dtype=bool)
    for k, off in enumerate(sc.offices):
        for p in off.powers:
            powers[k, POWER_INDEX[p]] = True
    docs = sc.documents
    D = len(docs)
    doc_damage = np.zeros((D, L))
    doc_removal = np.full((D, L), -1)
    doc_forced = np.full(D, -1)
    doc_arrival = np.full(D, -1)
    for d, doc in enumerate(docs):
        for who, v in doc.damage.items():
            doc_damage[d, li[who]] = v
        for who, o in doc.removal.items():
            doc_removal[d, li[who]] = oi[o]
        if doc.forced_release:
            doc_forced[d] = sc.month(doc.forced_release)

    meeting = np.zeros(T, dtype=np.int64)
    delegates = np.zeros(T)
    conf_delegates = np.zeros(T)
    committee_size = np.zeros(T, dtype=np.int64)
    bureau_size = np.zeros(T, dtype=np.int64)
    drive = np.zeros(T)
    econ_mean = np.zeros(T)
    econ_sd = np.zeros(T)
    f_mean = np.zeros((T, A))
    f_sd = np.zeros((T, A))
    names: dict[int, str] = {}
    founder_death = funeral = -1
    cs, bs = np.zeros(T, dtype=np.int64), np.zeros(T, dtype=np.int64)
    for ev in sc.events:
        t = sc.month(ev.date)
        if ev.kind == "plenum":
            meeting[t] |= PLENUM
        elif ev.kind == "conference":
            meeting[t] |= CONFERENCE
            conf_delegates[t] = ev.delegates or 0
            names[t * 8 + CONFERENCE] = ev.name
        elif ev.kind == "congress":
            meeting[t] |= CONGRESS
            delegates[t] = ev.delegates or 0
            cs[t] = ev.committee_size or 0
            names[t * 8 + CONGRESS] = ev.name
        elif ev.kind == "bureau_size":
            bs[t] = ev.size or 0
        elif ev.kind == "membership_drive":
            end = min(T, t + ev.months)
            drive[t:end] += (ev.members or 0) / ev.months
        elif ev.kind == "economic_shock":
            econ_mean[t] += ev.mean
            econ_sd[t] = np.hypot(econ_sd[t], ev.sd)
        elif ev.kind == "foreign_shock":
            a = axes.index(ev.axis or "")
            f_mean[t, a] += ev.mean
            f_sd[t, a] = np.hypot(f_sd[t, a], ev.sd)
        elif ev.kind == "founder_death":
            founder_death = t
        elif ev.kind == "funeral":
            funeral = t
        elif ev.kind == "document":
            doc_arrival[[d.id for d in docs].index(ev.document or "")] = t
    size_c, size_b = sc.scenario.committee_size, sc.scenario.bureau_size
    for t in range(T):
        # a congress elects the new committee at its end: the new size holds from that month on
        size_c = cs[t] or size_c
        size_b = bs[t] or size_b
        committee_size[t], bureau_size[t] = size_c, size_b

    return Spec(
        months=T,
        leader_names=[x.name for x in sc.leaders],
        leader_ids=list(leaders),
        office_names=[x.name for x in sc.offices],
        region_names=[x.name for x in sc.regions],
        axis_names=[x.name for x in sc.axes],
        document_names=[x.name for x in docs],
        axis_labels=[(x.low_label, x.high_label) for x in sc.axes],
        body_names={str(k): v for k, v in sc.scenario.bodies.items()},
        founder=sc.scenario.founder,
        start_year=int(sc.scenario.start[:4]),
        start_month=int(sc.scenario.start[5:]),
        oratory=np.array([x.oratory for x in sc.leaders]),
        organisation=np.array([x.organisation for x in sc.leaders]),
        ambition=np.array([x.ambition for x in sc.leaders]),
        caution=np.array([x.caution for x in sc.leaders]),
        rigidity=np.array([x.rigidity for x in sc.leaders]),
        network=np.array([x.network for x in sc.leaders]),
        prestige0=np.array([x.prestige for x in sc.leaders]),
        ideology0=np.array([[x.ideology[a] for a in axes] for x in sc.leaders]),
        in_bureau0=np.array([x.bureau for x in sc.leaders]),
        in_committee0=np.array([x.committee for x in sc.leaders]),
        away=np.array([x.away for x in sc.leaders]),
        powers=powers,
        holder0=holder0,
        office_patron0=np.array([li[o.patron] if o.patron else -1 for o in sc.offices]),
        members0=np.array([float(r.members) for r in sc.regions]),
        region_patron0=np.array([li[r.patron] if r.patron else -1 for r in sc.regions]),
        loyalty0=np.array([r.loyalty for r in sc.regions]),
        home_of=np.array([li[r.home_of] if r.home_of else -1 for r in sc.regions]),
        national=np.array([r.national for r in sc.regions]),
        sentiment0=np.array([[r.sentiment[a] for a in axes] for r in sc.regions]),
        high_appeal=np.array([x.high_appeal for x in sc.axes]),
        doc_damage=doc_damage,
        doc_removal=doc_removal,
        doc_forced=doc_forced,
        doc_arrival=doc_arrival,
        meeting=meeting,
        delegates=delegates,
        conference_delegates=conf_delegates,
        committee_size=committee_size,
        bureau_size=bureau_size,
        drive=drive,
        econ_mean=econ_mean,
        econ_sd=econ_sd,
        foreign_mean=f_mean,
        foreign_sd=f_sd,
        founder_death=founder_death,
        funeral=funeral,
        meeting_names=names,
        params=make_params({k: v.value for k, v in sc.parameters.items()}),
    )
