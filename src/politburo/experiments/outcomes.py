"""Outcomes an experiment measures for a target leader, computed from the stored runs:

    win                 the target wins by the end date
    win_by:YYYY-MM      the target has won by that month
    defeated            the target is defeated (loses the struggle) by the end date
    defeated_by:YYYY-MM the target is defeated by that month
    no_winner           nobody wins (the target is ignored)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from politburo.loader import ScenarioError
from politburo.schema import month_index

KINDS = ("win", "win_by", "defeated", "defeated_by", "no_winner")


@dataclass(frozen=True)
class Outcome:
    kind: str
    target: int  # leader index
    target_id: str
    target_name: str
    month: int | None = None  # last month counted (for *_by)
    date: str | None = None

    @property
    def text(self) -> str:
        by = f" by {self.date}" if self.date else ""
        if self.kind.startswith("win"):
            return f"{self.target_name} wins{by}"
        if self.kind.startswith("defeated"):
            return f"{self.target_name} is defeated{by}"
        return "nobody wins"

    @property
    def spec(self) -> str:
        return f"{self.kind}:{self.date}" if self.date else self.kind

    def columns(self) -> list[str]:
        return ["winner", "victory", f"defeated_{self.target}"]

    def evaluate(self, rows: dict[str, np.ndarray]) -> np.ndarray:
        """1.0 where the outcome happened in a run, else 0.0."""
        w, v = rows["winner"], rows["victory"]
        if self.kind == "no_winner":
            hit = w < 0
        elif self.kind.startswith("win"):
            hit = w == self.target
            if self.month is not None:
                hit &= (v >= 0) & (v <= self.month)
        else:
            d = rows[f"defeated_{self.target}"]
            hit = d >= 0
            if self.month is not None:
                hit &= d <= self.month
        return hit.astype(np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.spec, "target": self.target_id, "text": self.text}


def leader_ids(raw: dict[str, Any]) -> list[str]:
    return [str(x["id"]) for x in raw["leaders"]]


def leader_names(raw: dict[str, Any]) -> list[str]:
    return [str(x["name"]) for x in raw["leaders"]]


def target_index(raw: dict[str, Any], target: str, option: str = "--target") -> int:
    ids = leader_ids(raw)
    if target not in ids:
        raise ScenarioError(option, [f"unknown leader {target!r} (known: {', '.join(ids)})"])
    return ids.index(target)


def default_target(raw: dict[str, Any]) -> str:
    """The first leader named in the scenario's win-rate pattern, else the first leader."""
    for p in raw.get("patterns", []):
        if p.get("kind") == "win_rate" and p.get("leader"):
            return str(p["leader"])
    return leader_ids(raw)[0]


def parse_outcome(text: str, raw: dict[str, Any], target: str, option: str = "--outcome",
                  target_option: str = "--target") -> Outcome:
    kind, sep, date = text.strip().partition(":")
    if kind not in KINDS or bool(sep) != kind.endswith("_by"):
        raise ScenarioError(option, [(f"unknown outcome {text!r} (use win, win_by:YYYY-MM, defeated, "
                                     "defeated_by:YYYY-MM or no_winner)")])
    idx = target_index(raw, target, target_option)
    meta = raw["scenario"]
    month = None
    if sep:
        try:
            y, m = (int(x) for x in date.split("-"))
            if not 1 <= m <= 12:
                raise ValueError
            date = f"{y:04d}-{m:02d}"
            month = month_index(date, meta["start"])
        except ValueError:
            raise ScenarioError(option, [f"{date!r} is not a date YYYY-MM"]) from None
        last = month_index(meta["end"], meta["start"])
        if not 0 <= month <= last:
            raise ScenarioError(option, [f"{date} lies outside the scenario ({meta['start']} to {meta['end']})"])
    return Outcome(kind, idx, target, leader_names(raw)[idx], month, date if sep else None)
