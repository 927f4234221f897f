"""Turn the engine's event and vote columns into dated plain-English sentences."""

from __future__ import annotations

import numpy as np

from politburo.engine import ladder
from politburo.engine import log as lg
from politburo.engine.spec import CONFERENCE, CONGRESS, Spec


def _names(spec: Spec, mask: int) -> list[str]:
    return [spec.leader_names[i] for i in range(spec.L) if mask >> i & 1]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def body_label(spec: Spec, body: int, month: int) -> str:
    b = spec.body_names
    if body == 0:
        return f"the {b.get('bureau', 'bureau')}"
    if body == 1:
        return f"{b.get('committee', 'committee')} plenum"
    if body == 2:
        return spec.meeting_names.get(month * 8 + CONGRESS) or f"the {b.get('congress', 'congress')}"
    return spec.meeting_names.get(month * 8 + CONFERENCE) or f"the {b.get('conference', 'conference')}"


def event_text(spec: Spec, kind: int, a0: int, a1: int, a2: int) -> str | None:
    n = spec.leader_names
    b = spec.body_names
    if kind == lg.FOUNDER_DEATH:
        return f"{spec.founder} dies."
    if kind == lg.FUNERAL:
        if a1 == 1:
            return f"{n[a0]} carries the coffin and speaks at {spec.founder}'s funeral."
        if a2 == 1:
            return f"{n[a0]}, away from the capital and told the wrong date, misses {spec.founder}'s funeral."
        return f"{n[a0]} misses {spec.founder}'s funeral."
    if kind == lg.COALITION:
        members = _names(spec, a1)
        return f"{_join(members)} join forces against {n[a0]}."
    if kind == lg.POLEMIC:
        return f"{n[a0]} opens a public polemic against {n[a1]}."
    if kind == lg.FACTION:
        against = f" against {n[a1]}" if a1 >= 0 else ""
        return f"{n[a0]} organises a faction{against}, defying the ban on factions."
    if kind == lg.RECANT:
        return f"{n[a0]} recants and submits to the party line."
    if kind == lg.READMIT:
        return f"{n[a0]} is readmitted to the party after recanting."
    if kind == lg.RELAPSE:
        return f"{n[a0]} returns to opposition."
    if kind == lg.PUBLISH:
        doc = spec.document_names[a1]
        if a0 < 0 and a2 == 100:
            return f"{doc} is read in full to the {b.get('congress', 'congress')}."
        if a0 < 0:
            return f"{doc} is made public in full."
        if a2 >= 100:
            return f"On {n[a0]}'s motion, {doc} is read to the {b.get('congress', 'congress')}."
        return f"{n[a0]} has {doc} published; it carries {a2}% of its first force."
    if kind == lg.SUPPRESS:
        doc = spec.document_names[a1]
        return f"{doc} is kept from the {b.get('congress', 'congress')} and read to the delegations only."
    if kind == lg.APPOINT:
        return f"{n[a0]}'s apparatus installs its own man at the head of the {spec.region_names[a1]} organisation."
    if kind == lg.SHIFT:
        axis = spec.axis_names[a1]
        side = spec.axis_labels[a1][1 if a2 else 0]
        return f"{n[a0]} changes line on {axis}, now leaning towards {side}."
    if kind == lg.CONGRESS_ELECTS:
        return (f"The congress elects a {b.get('committee', 'committee')} of {a2}; "
                f"the largest bloc, {n[a0]}'s, holds {a1} seats.")
    if kind == lg.BUREAU_SEAT:
        return f"{n[a0]} becomes a full member of the {b.get('bureau', 'bureau')}."
    if kind == lg.VICTORY:
        return f"{n[a0]} has won: he holds the top office, his bloc commands the {b.get('committee', 'committee')}, and no rival is left standing."
    if kind == lg.ECONOMY:
        return "The economy takes a sharp turn for the worse." if a0 < 0 else "The economy improves."
    return None


def vote_text(spec: Spec, month: int, body: int, motion: int, proposer: int, target: int, yes: int,
              no: int, passed: bool, office: int) -> str:
    n = spec.leader_names
    b = spec.body_names
    who = body_label(spec, body, month)
    Who = who[0].upper() + who[1:]
    t = n[target] if target >= 0 else "?"
    what = {
        ladder.REPRIMAND: (f"condemns the platform of {t}", f"refuses to condemn {t}"),
        ladder.REMOVE_OFFICE: (f"removes {t} as {spec.office_names[office] if office >= 0 else 'office-holder'}",
                           (f"rejects {n[proposer]}'s motion to remove {t} as "
                            f"{spec.office_names[office] if office >= 0 else 'office-holder'}")),
        ladder.REMOVE_BUREAU: (f"removes {t} from the {b.get('bureau', 'bureau')}",
                           f"rejects {n[proposer]}'s motion to remove {t} from the {b.get('bureau', 'bureau')}"),
        ladder.REMOVE_COMMITTEE: (f"expels {t} from the {b.get('committee', 'committee')}",
                              f"refuses to expel {t} from the {b.get('committee', 'committee')}"),
        ladder.EXPEL: (f"expels {t} from the party for factionalism",
                   f"refuses to expel {t} from the party"),
        ladder.EXILE: (f"sends {t} into exile", f"refuses to send {t} into exile"),
        ladder.READ_DOCUMENT: ("votes to read the founder's document to the congress",
                           "votes against reading the founder's document to the congress"),
    }[motion][0 if passed else 1]
    if motion == ladder.READ_DOCUMENT and spec.document_names:
        what = what.replace("the founder's document", spec.document_names[0])
    a, c = (yes, no) if passed else (no, yes)
    return f"{Who} {what}, {a} to {c}."


def chronicle(spec: Spec, events: dict[str, np.ndarray], votes: dict[str, np.ndarray],
              run: int) -> list[tuple[int, str, str]]:
    """Dated sentences for one run (index within the batch), in order."""
    rows: list[tuple[int, int, int, str]] = []
    sel = np.flatnonzero(events["run"] == run)
    for k in sel:
        text = event_text(spec, *(int(events[c][k]) for c in ("kind", "a0", "a1", "a2")))
        if text:
            rows.append((int(events["month"][k]), int(events["seq"][k]), int(k), text))
    sel = np.flatnonzero(votes["run"] == run)
    for k in sel:
        text = vote_text(spec, int(votes["month"][k]), int(votes["body"][k]), int(votes["motion"][k]),
                         int(votes["proposer"][k]), int(votes["target"][k]), int(votes["yes"][k]),
                         int(votes["no"][k]), bool(votes["passed"][k]), int(votes["office"][k]))
        rows.append((int(votes["month"][k]), int(votes["seq"][k]), int(k), text))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [(m, spec.date(m), text) for m, _, _, text in rows]
