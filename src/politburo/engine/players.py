"""Policies other than the built-in one: what a leader can know (`Observation`), what he may do
(`Action`), and the `Policy` protocol that maps the one to the other. A scripted strategy, a
learning agent or a human player is a `Policy`; `UtilityPolicy` is the model's own.

Modelled on the agent–environment cycle of PettingZoo's AEC API and Gymnasium's `step`
(Terry et al. 2021; Towers et al. 2024): each month, each leader played by a policy is shown his
observation and returns one action; the engine then carries out every leader's action in the
order of docs/model.md §3. Policies play in a batch of one run.

An observation holds only what the leader could know: his own offices and seats, everyone's
prestige and heir legitimacy (public), the recorded votes with their tallies (public), the
others' power *as he perceives it* (his insight into their apparatus, not the truth), the
threat he feels, his target and allies, and the actions open to him.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np

from politburo.engine import policy
from politburo.engine.bodies import BODIES
from politburo.engine.ladder import EXPEL, MOTIONS, next_rung
from politburo.engine.log import Log
from politburo.engine.spec import CONFERENCE, CONGRESS, PLENUM, Spec
from politburo.engine.state import State


class Action(NamedTuple):
    """One month's action: `kind` one of `policy.ACTIONS` ("lie_low", "polemic", "faction",
    "shift", "recant", "publish", "motion"); `target` the leader id a motion is brought
    against (motions only; a polemic always attacks the leader's current target)."""

    kind: str
    target: str | None = None

    def __str__(self) -> str:
        return f"{self.kind} against {self.target}" if self.target else self.kind


class Vote(NamedTuple):
    """A recorded vote, as the party saw it."""

    month: int
    date: str
    body: str  # "bureau", "committee", "congress" or "conference"
    motion: str  # engine.ladder.MOTIONS
    proposer: str  # leader id
    target: str  # leader id
    yes: int
    no: int
    abstain: int
    passed: bool


@dataclass(frozen=True)
class Observation:
    """What leader `leader` can know at the start of his decision in month `month`.

    Dicts are keyed by leader id. Power and threat are in the model's units of visible power
    (docs/model.md §7.5); `perceived_power` is *his* estimate, which understates a rival's
    apparatus when his insight into it is low."""

    month: int
    date: str
    leader: str
    meeting: str | None  # the meeting held this month ("plenum", "congress", ...), None if none
    offices: tuple[str, ...]  # offices he holds in person
    client_offices: tuple[str, ...]  # offices held by his clients
    in_bureau: bool
    in_committee: bool
    expelled: bool
    submitted: bool
    faction: bool
    prestige: dict[str, float]  # everyone's, public; in [0, 1.5]
    heir: dict[str, float]  # everyone's heir legitimacy, public
    perceived_power: dict[str, float]  # his estimate of each leader's power (himself exactly)
    threat: dict[str, float]  # how threatening he finds each rival (contenders only)
    target: str | None  # the rival he balances against
    allies: tuple[str, ...]
    committee_seen: dict[str, float]  # Central Committee seats he attributes to each leader's bloc
    votes: tuple[Vote, ...]  # every recorded vote so far, oldest first
    legal: tuple[Action, ...]  # the actions open to him this month
    utility: dict[str, float]  # the built-in policy's utility of each open kind (before noise)
    model_choice: Action  # what the built-in policy chooses for him this month (with its noise)


@runtime_checkable
class Policy(Protocol):
    """Chooses a leader's action from his observation. Must return one of `observation.legal`."""

    def act(self, observation: Observation) -> Action: ...


class UtilityPolicy:
    """The model's own policy (docs/model.md §7.7): utility plus Gumbel noise, a logit choice.
    The engine computes it for the whole batch at once; this returns that choice, so a run in
    which every leader plays `UtilityPolicy` is the run the model simulates by itself."""

    def act(self, observation: Observation) -> Action:
        return observation.model_choice


class IllegalAction(ValueError):
    """A policy returned an action that is not open to its leader this month."""


class Players:
    """The leaders played by policies in one run (a batch of one), by leader index."""

    def __init__(self, spec: Spec, policies: Mapping[str, Policy | Callable[[Observation], Action]], log: Log):
        self.spec = spec
        self.log = log
        ids = spec.leader_ids or spec.leader_names
        self.by_index: dict[int, Policy | Callable[[Observation], Action]] = {}
        for who, pol in policies.items():
            if who not in ids:
                raise KeyError(f"no leader {who!r} in the scenario; leaders are {', '.join(ids)}")
            if not (isinstance(pol, Policy) or callable(pol)):
                raise TypeError(f"the policy for {who} has no act(observation) method")
            self.by_index[ids.index(who)] = pol
        self.ids = list(ids)

    def override(self, spec: Spec, st: State, perceived: np.ndarray, th: np.ndarray, running: np.ndarray,
                 meeting: bool, action: np.ndarray, motion_target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Replace the built-in choices (B=1) of the leaders played by a policy; raises
        IllegalAction when a policy returns an action not open to its leader."""
        if st.B != 1:
            raise ValueError(f"policies play a batch of one run, not {st.B}")
        if not running[0]:
            return action, motion_target  # the run is decided: everyone lies low
        U, _ = policy.utilities(spec, st, th, running, meeting)
        action, motion_target = action.copy(), motion_target.copy()
        for i, pol in self.by_index.items():
            legal = self._legal(spec, st, U, meeting, i)
            model = Action(policy.ACTIONS[int(action[0, i])],
                           self.ids[int(motion_target[0, i])] if action[0, i] == policy.MOTION else None)
            obs = self._observe(spec, st, th, perceived, U, legal, model, meeting, i)
            chosen = pol.act(obs) if isinstance(pol, Policy) else pol(obs)
            if not isinstance(chosen, Action):
                raise IllegalAction(f"the policy of {self.ids[i]} returned {chosen!r} in {spec.date(st.month)}, "
                                    "not an Action")
            if chosen not in legal:
                open_ = ", ".join(str(a) for a in legal)
                raise IllegalAction(f"{self.ids[i]} cannot {chosen} in {spec.date(st.month)}; open to him: {open_}")
            action[0, i] = policy.ACTIONS.index(chosen.kind)
            motion_target[0, i] = self.ids.index(chosen.target) if chosen.target else -1
        return action, motion_target

    def _legal(self, spec: Spec, st: State, U: np.ndarray, meeting: bool, i: int) -> tuple[Action, ...]:
        """The actions open to leader i: every kind the built-in policy could choose, and a
        motion against any rival whose next rung can be voted this month."""
        out = [Action(k) for a, k in enumerate(policy.ACTIONS) if a != policy.MOTION and np.isfinite(U[0, i, a])]
        lead = st.leaders
        free = st.running[0] and not lead.submitted[0, i] and not lead.expelled[0, i]
        if meeting and free:
            rung, _ = next_rung(spec, st)
            ban = spec.params.faction_ban > 0
            for j in range(spec.L):
                m = rung[0, j]
                if (j != i and m >= 0 and st.month - lead.last_sanction[0, j] >= spec.params.ladder_pause
                        and (m != EXPEL or (lead.faction[0, j] and ban))):
                    out.append(Action("motion", self.ids[j]))
        return tuple(out)

    def _observe(self, spec: Spec, st: State, th: np.ndarray, perceived: np.ndarray, U: np.ndarray,
                 legal: tuple[Action, ...], model: Action, meeting: bool, i: int) -> Observation:
        lead, ids = st.leaders, self.ids
        t = st.month
        kind = int(spec.meeting[t])
        votes = self.log.vote_columns()
        seen = st.bodies.committee[0, :spec.L] * lead.insight[0, i]
        return Observation(
            month=t, date=spec.date(t), leader=ids[i],
            meeting=_meeting_name(spec, t, kind) if meeting else None,
            offices=tuple(spec.office_names[o] for o in range(spec.O) if st.offices.holder[0, o] == i),
            client_offices=tuple(spec.office_names[o] for o in range(spec.O) if st.offices.patron[0, o] == i),
            in_bureau=bool(lead.in_bureau[0, i]), in_committee=bool(lead.in_committee[0, i]),
            expelled=bool(lead.expelled[0, i]), submitted=bool(lead.submitted[0, i]),
            faction=bool(lead.faction[0, i]),
            prestige={ids[k]: float(lead.prestige[0, k]) for k in range(spec.L)},
            heir={ids[k]: float(lead.heir[0, k]) for k in range(spec.L)},
            perceived_power={ids[k]: float(perceived[0, i, k]) for k in range(spec.L)},
            threat={ids[k]: float(th[0, i, k]) for k in range(spec.L) if np.isfinite(th[0, i, k])},
            target=ids[int(lead.target[0, i])] if lead.target[0, i] >= 0 else None,
            allies=tuple(ids[k] for k in range(spec.L) if lead.allied[0, i, k]),
            committee_seen={ids[k]: float(seen[k]) for k in range(spec.L)},
            votes=tuple(_votes(spec, ids, votes)),
            legal=legal,
            utility={policy.ACTIONS[a]: float(U[0, i, a]) for a in range(len(policy.ACTIONS))
                     if np.isfinite(U[0, i, a])},
            model_choice=model,
        )


def _meeting_name(spec: Spec, t: int, kind: int) -> str:
    for bit, word in ((CONGRESS, "congress"), (CONFERENCE, "conference"), (PLENUM, "plenum")):
        if kind & bit:
            return spec.meeting_names.get(t * 8 + bit) or word
    return "meeting"


def _votes(spec: Spec, ids: list[str], v: dict[str, Any]) -> list[Vote]:
    return [Vote(int(v["month"][k]), spec.date(int(v["month"][k])), BODIES[int(v["body"][k])],
                 MOTIONS[int(v["motion"][k])], ids[int(v["proposer"][k])], ids[int(v["target"][k])],
                 int(v["yes"][k]), int(v["no"][k]), int(v["abstain"][k]), bool(v["passed"][k]))
            for k in range(v["run"].size)]
