"""One month of the struggle, in a fixed order (documented in docs/model.md):
world, ceremonies, membership, circular flow, perception, coalitions, actions, meetings,
outcome. `step(spec, state, rng, log)` advances every run of the batch together."""

from __future__ import annotations

import numpy as np

from politburo.engine import (
    appointments,
    ceremonies,
    coalitions,
    documents,
    membership,
    motions,
    outcome,
    perception,
    polemics,
    policy,
    world,
)
from politburo.engine import log as lg
from politburo.engine.common import _cached, holds, party_line, put, visible_weight
from politburo.engine.jit import kernel
from politburo.engine.rng import PURPOSE_ID, Streams
from politburo.engine.spec import Spec
from politburo.engine.state import State


def step(spec: Spec, st: State, rng: Streams, log: lg.Log, series: dict | None = None,
         override: np.ndarray | None = None) -> np.ndarray:
    """Advance one month. `override` (B, L) replaces chosen actions where >= 0 (a human player).
    Returns the (B, L) coalition masks of the month."""
    t = st.month
    running = st.running.copy()
    world.world(spec, st, rng, log, running)
    if t == spec.founder_death:
        ceremonies.founder_death(spec, st, log, running)
    perceived, actual, th, masks = _front(spec, st, rng, log, running)
    if t == spec.funeral:
        ceremonies.funeral(spec, st, rng, log, running)
    meeting = bool(spec.meeting[t])
    action, motion_target = policy.choose(spec, st, rng, th, running, meeting)
    if override is not None:
        action = np.where(override >= 0, override, action)
    _actions(spec, st, action, log, running)
    documents.publish(spec, st, action == policy.PUBLISH, log, running)
    documents.arrivals(spec, st, rng, log, running, th)
    if meeting:
        motions.meeting(spec, st, rng, log, running, motion_target)
    _back(spec, st, rng, log, running)
    if series is not None:
        record(spec, st, series, perceived, actual)
    st.month = t + 1
    return masks


def _front(spec: Spec, st: State, rng: Streams, log: lg.Log,
           running: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Membership, circular flow, perception, threat and coalitions: the kernels
    `membership._membership`, `appointments._circular_flow`, `perception._perceive`,
    `coalitions._threat` and `coalitions._coalitions` one after the other (one compiled call).
    Returns perceived and actual power, the threat and the coalition masks."""
    p = spec.params
    B, L = st.target.shape
    t = st.month
    st.line = np.empty((B, st.sentiment.shape[2]))
    nmax = int(np.floor(p["appointment_capacity"] * (0.5 + spec.organisation.max()))) + 1
    ev_c = np.empty((B * L * nmax, 6), dtype=np.int64)
    ev_k = np.empty((B * L, 6), dtype=np.int64)
    contender = ~st.expelled & ~st.submitted  # (neither changes before coalitions form)
    perceived, actual, th, target, allied, masks, n_c, n_k = _front_kernel(
        float(spec.drive[t]), st.holder, st.office_patron, spec.power("recruit"), st.members, st.steered,
        p["recruit_steering"], 1.0 + p["organic_growth"], st.sentiment, st.line,
        t, spec.power("appoint"), spec.power("city_machine"), st.defeated, st.expelled, st.patron, st.loyalty,
        spec.home_of, spec.organisation, spec.network, spec.national, st.committee, st.bureau,
        np.array([p["loyalty_decay"], p["appointment_capacity"], p["network_rate"], p["defection"]]),
        rng.reps, rng.seed_key, PURPOSE_ID["appointments"], PURPOSE_ID["network"], running, ev_c,
        _cached(st, ("visible_weight",), lambda: visible_weight(spec)), spec.oratory, st.prestige, st.heir,
        st.ideology, float(spec.committee_size[min(t, spec.months - 1)]), st.insight,
        p["appointment_strength"], p["hidden_weight"],
        holds(spec, st, "army"), st.target, st.allied, contender, p["bonaparte_fear"], p["alliance_loyalty"],
        st.camps, st.enmity, st.coalition_first, p["target_hysteresis"], p["threat_floor"],
        p["alliance_distance"], p["opportunist_cost"], ev_k)
    st.line_month = t  # the party's line with the new members (common.party_line)
    log.event_block(t, ev_c, n_c)
    log.event_block(t, ev_k, n_k)  # a new coalition, under the head of its camp (one group per head)
    st.target = target
    st.allied = allied
    st.camps = masks
    return perceived, actual, th, masks


@kernel
def _front_kernel(drive, holder, office_patron, recruit, members, steered, recruit_rate, growth, sentiment, line,
                  t, appoint_power, city_power, defeated, expelled, patron, loyalty, home, organisation, network,
                  national, committee, bureau, w_flow, reps, seed_key, pid_appoint, pid_network, running, ev_c,
                  office_weight, oratory, prestige, heir, ideology, size, insight, strength, hw,
                  army, old_target, old_allied, contender, bonaparte, loyalty_, old_masks, enmity, first,
                  hysteresis, floor, max_distance, opportunist, ev_k):  # pragma: no cover - compiled
    weights = np.empty(members.shape)
    membership._membership(drive, holder, office_patron, recruit, members, steered, recruit_rate, growth,
                           sentiment, line, weights)
    n_c = appointments._circular_flow(t, holder, office_patron, appoint_power, city_power, defeated, expelled,
                                      patron, loyalty, weights, home, organisation, network, national, committee,
                                      bureau, w_flow, reps, seed_key, pid_appoint, pid_network, running, ev_c)
    perceived, actual = perception._perceive(holder, office_patron, office_weight, oratory, prestige, heir, weights,
                                             members, patron, expelled, ideology, steered, loyalty, sentiment,
                                             committee, size, insight, strength, hw)
    th = coalitions._threat(perceived, army, ideology, old_target, old_allied, contender, bonaparte, loyalty_)
    target, allied, masks, n_k = coalitions._coalitions(
        th, old_target, old_allied, old_masks, contender, ideology, enmity, prestige, first, t, hysteresis, floor,
        max_distance, opportunist, running, ev_k)
    return perceived, actual, th, target, allied, masks, n_c, n_k


def _back(spec: Spec, st: State, rng: Streams, log: lg.Log, running: np.ndarray) -> None:
    """Readmission and relapse, defeats and victory: the kernels `motions._readmit_and_relapse`,
    `outcome._defeats` and `outcome._check_victory` one after the other (one compiled call)."""
    p = spec.params
    B, L = st.target.shape
    t = st.month
    ev_r = np.empty((2 * B * L, 6), dtype=np.int64)
    ev_v = np.empty((B, 6), dtype=np.int64)
    n_r, n_v = _back_kernel(running, st.expelled, st.exiled, st.submitted, st.sanctions, spec.ambition,
                            p["readmission"], p["relapse"], rng.reps, rng.key("readmission", t), rng.key("relapse", t),
                            t, ev_r, st.defeated, st.had_office, st.holder, st.removed,
                            holds(spec, st, "top_party_office"), st.committee, st.in_committee, st.in_bureau,
                            st.running, st.winner, st.victory, ev_v)
    log.event_block(t, ev_r, n_r)
    log.event_block(t, ev_v, n_v)


@kernel
def _back_kernel(running, expelled, exiled, submitted, sanctions, ambition, readmission, relapse, reps, key_back,
                 key_relapse, month, ev_r, defeated, had_office, holder, removed, top, committee, in_committee,
                 in_bureau, st_running, winner, victory, ev_v):  # pragma: no cover - compiled
    n_r = motions._readmit_and_relapse(running, expelled, exiled, submitted, sanctions, ambition, readmission,
                                       relapse, reps, key_back, key_relapse, month, ev_r)
    outcome._defeats(defeated, had_office, holder, removed, expelled, month)
    n_v = outcome._check_victory(top, committee, in_committee, in_bureau, submitted, expelled, st_running, winner,
                                 victory, month, ev_v)
    return n_r, n_v


def _actions(spec: Spec, st: State, action: np.ndarray, log: lg.Log, running: np.ndarray) -> None:
    """Polemics, new factions, changes of line and recantations: the kernels `polemics._polemics`,
    `_factions`, `world._shift_month` and `motions._recant` one after the other (one compiled call)."""
    p = spec.params
    B, L = action.shape
    A = st.ideology.shape[2]
    line = party_line(st)
    ev_p = np.empty((B * L, 6), dtype=np.int64)
    ev_f = np.empty((B * L, 6), dtype=np.int64)
    ev_s = np.empty((B * L * A, 6), dtype=np.int64)
    ev_r = np.empty((B * L, 6), dtype=np.int64)
    n_p, n_f, n_s, n_r = _actions_kernel(
        action, st.target, st.prestige, st.grounds, st.enmity, st.allied, st.holder, spec.power("top_party_office"),
        spec.power("press"), st.expelled, spec.oratory, st.faction, st.ideology, line, p["polemics"] > 0,
        p["polemic_damage"] * p["polemics"], p["polemic_self_cost"] * p["polemics"], p["bystander_gain"],
        p["deviation"], running, spec.rigidity, p["shift_step"], p["shift_cost"], st.submitted, st.sanctions,
        st.month, ev_p, ev_f, ev_s, ev_r)
    log.event_block(st.month, ev_p, n_p)
    log.event_block(st.month, ev_f, n_f)
    log.event_block(st.month, ev_s, n_s)
    log.event_block(st.month, ev_r, n_r)


@kernel
def _actions_kernel(action, target, prestige, grounds, enmity, allied, holder, top_power, press_power, expelled,
                    oratory, faction, ideology, line, enabled, damage, self_cost, bystander, deviation, running,
                    rigidity, step_max, shift_cost, submitted, sanctions, month, ev_p, ev_f, ev_s,
                    ev_r):  # pragma: no cover - compiled
    n_p = polemics._polemics(action == policy.POLEMIC, target, prestige, grounds, enmity, allied, holder, top_power,
                             press_power, expelled, oratory, faction, ideology, line, enabled, damage, self_cost,
                             bystander, deviation, running, ev_p)
    n_f = _factions(action, faction, grounds, target, running, ev_f)
    n_s = world._shift_month(action == policy.SHIFT, line, target, ideology, prestige, rigidity, step_max, shift_cost,
                             running, ev_s)
    n_r = motions._recant(action == policy.RECANT, running, submitted, faction, target, allied, prestige, sanctions,
                          month, ev_r)
    return n_p, n_f, n_s, n_r


def record(spec: Spec, st: State, series: dict, perceived: np.ndarray, actual: np.ndarray) -> None:
    from politburo.engine.outcome import committee_share

    L = spec.L
    row = {
        "prestige": st.prestige.copy(),
        "heir": st.heir.copy(),
        "committee_share": committee_share(spec, st),
        "actual_power": actual,
        "perceived_power": np.nanmean(np.where(np.eye(L, dtype=bool)[None], np.nan, perceived), axis=1),
        "apparatus": np.stack([(st.patron == k).mean(axis=1) for k in range(L)], axis=1),
        "target": st.target.copy(),
        "economy": st.economy.copy(),
        "members": st.members.sum(axis=1),
    }
    for k, v in row.items():
        series.setdefault(k, []).append(v)


@kernel
def _factions(action, faction, grounds, target, running, ev):  # pragma: no cover - compiled
    """Leaders who chose to organise a faction form one (and give grounds for sanctions)."""
    B, L = action.shape
    n = 0
    for r in range(B):
        for i in range(L):
            new = action[r, i] == policy.FACTION and not faction[r, i]
            if new:
                faction[r, i] = True
            grounds[r, i] += 1.5 if new else 0.0
            if new and running[r]:
                n = put(ev, n, i, r, lg.FACTION, i, target[r, i], -1)
    return n
