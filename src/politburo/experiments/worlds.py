"""A scenario's plausible worlds: the parameter sets a calibration accepted, which
`explain --uncertainty N` draws from.

A calibration by Approximate Bayesian Computation (ABC; Beaumont, Zhang and Balding 2002) runs
the scenario under many parameter sets drawn from the priors and keeps those whose runs
reproduce the scenario's patterns: its accepted draws are a sample of the posterior, the worlds
that the evidence leaves plausible. They are shipped beside the scenario as a CSV file that the
scenario names, relative to its own file:

    [scenario]
    worlds = "soviet-1924.worlds.csv"

    insight,appointment_strength,bandwagon,weight,distance
    0.31,0.62,1.9,1.0,0.042
    0.27,0.58,2.3,0.5,0.051
    ...

The header names the calibrated parameters (any of the scenario's `[parameters]`; those not
named keep the scenario's value); one row per accepted draw, each value inside its parameter's
prior. Two columns are not parameters: `weight`, the draw's importance weight (ABC-SMC, Beaumont
et al. 2009; non-negative, not all zero; equal weights when the column is absent), and
`distance`, its distance to the patterns (reported, not used in drawing). A parameter that a
factor of the scenario sets may be calibrated: a world gives its value with the factor on, and
switching the factor off still sets it (factors are applied after the world's values), so every
factor stays switchable in every world.

`read_worlds` reads and checks a file (the standard library's `csv`); `Worlds.rows` draws N
worlds, weighted and with replacement, from a seeded NumPy generator: the same seed gives the
same draws on any machine and with any number of workers (they are drawn where the experiment is
planned, before any task runs). A bad file is one ScenarioError
naming the file and its first problem (with the line it is on).

References:
    Beaumont, M. A., Zhang, W. and Balding, D. J. (2002). Approximate Bayesian computation in
        population genetics. Genetics 162(4), 2025–2035.
    Beaumont, M. A., Cornuet, J.-M., Marin, J.-M. and Robert, C. P. (2009). Adaptive
        approximate Bayesian computation. Biometrika 96(4), 983–990.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np

from politburo.loader import ScenarioError
from politburo.schema import Scenario

__all__ = ["DISTANCE", "PRIOR", "WEIGHT", "Worlds", "priors", "read_worlds", "worlds_file"]

WEIGHT, DISTANCE = "weight", "distance"  # the columns that are not parameters
# Mixed into the seed of the draws, so that they are independent of the engine's and the
# bootstrap's random numbers for the same seed.
WORLDS_STREAM = 0x3041D5
# The source of draws from the priors, as results and manifests record it.
PRIOR: dict[str, Any] = {"source": "prior", "text": "uniform priors"}


@dataclass(frozen=True)
class Worlds:
    """A scenario's plausible worlds, as read from its file and checked."""

    name: str  #: the file, as the scenario names it (`scenario.worlds`)
    file: str  #: the file, as messages name it (with the scenario's folder)
    names: tuple[str, ...]  #: the calibrated parameters, in the file's order
    values: np.ndarray  #: (worlds, parameters)
    weights: np.ndarray  #: (worlds,): as given, or 1.0 each
    distances: np.ndarray | None  #: (worlds,), or None without a distance column
    sha256: str  #: of the file's content

    @property
    def count(self) -> int:
        """The number of worlds (rows) in the file."""
        return int(self.values.shape[0])

    @property
    def text(self) -> str:
        """Where draws from these worlds come from, in words."""
        n = self.count
        return f"plausible worlds ({n:,} accepted draw{'s' if n != 1 else ''} of the calibration)"

    def rows(self, n: int, seed: int) -> np.ndarray:
        """The rows of n draws: weighted, with replacement. A generator seeded by (seed, a
        constant of its own) draws n uniform numbers in [0, 1), each mapped to the row whose
        interval of the cumulative weights (scaled to end at 1) holds it: a row is drawn with
        probability weight / total, a row of weight 0 never, and the first n draws of a seed
        are the same whatever n."""
        rng = np.random.default_rng([seed, WORLDS_STREAM])
        cdf = np.cumsum(self.weights / self.weights.max())  # (scaled first: no overflow)
        cdf /= cdf[-1]
        return np.searchsorted(cdf, rng.random(n), side="right")

    def at(self, rows: np.ndarray) -> list[dict[str, float]]:
        """The worlds of `rows` as overrides ("parameters.NAME": value)."""
        return [{f"parameters.{k}": float(self.values[r, j]) for j, k in enumerate(self.names)} for r in rows]

    def identity(self) -> dict[str, Any]:
        """What an experiment's id keeps of them: the source and the file's content."""
        return {"source": "worlds", "sha256": self.sha256}

    def summary(self, rows: np.ndarray) -> dict[str, Any]:
        """Where the draws of `rows` come from, as results and manifests record it."""
        out: dict[str, Any] = {"source": "worlds", "text": self.text, "file": self.name, "sha256": self.sha256,
                               "worlds": self.count, "parameters": list(self.names),
                               "distinct": int(np.unique(rows).size)}
        if self.distances is not None:
            out["distance"] = {"median": float(np.median(self.distances)), "max": float(self.distances.max())}
        return out


def worlds_file(name: str | None, folder: Traversable | None) -> tuple[Traversable, str, str] | None:
    """The worlds file a scenario names (`scenario.worlds`: `name`, relative to `folder`, the
    folder of the scenario's file; the current folder, for a scenario given as data (None)), the
    name messages give it and `name`; None when the scenario names none."""
    if not name:
        return None
    if folder is None:
        folder = Path(".")
    target = folder / name
    return target, str(target) if isinstance(folder, Path) else name, name


def priors(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Each parameter's prior range."""
    return {k: (float(p.prior[0]), float(p.prior[1])) for k, p in scenario.parameters.items()}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_worlds(target: Traversable, shown: str, name: str, ranges: Mapping[str, tuple[float, float]]) -> Worlds:
    """Read and check a worlds file (`worlds_file` gives the first three arguments) against the
    priors `ranges` (see `priors`).

    Raises ScenarioError(shown, [the first problem, with its line]): no such file, not UTF-8 or
    not CSV, no header, a column that is no parameter (or named twice), a row without a value for
    every column, a value that is not a finite number or lies outside its prior, a negative weight
    or every weight 0, a negative distance, no rows."""
    try:
        if not target.is_file():
            raise ScenarioError(shown, ["no such file (the scenario's plausible worlds)"])
        content = target.read_bytes()
    except OSError as exc:
        raise ScenarioError(shown, [exc.strerror or str(exc)]) from None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(shown, ["not a UTF-8 text file"]) from None
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((row for row in reader if any(c.strip() for c in row)), None)
        if header is None:
            raise ScenarioError(shown, ["empty: the first line should name the calibrated parameters"])
        columns = [c.strip() for c in header]
        for c in columns:
            if c not in ranges and c not in (WEIGHT, DISTANCE):
                unknown = f"column {c!r} is not a parameter of the scenario (nor {WEIGHT} or {DISTANCE})"
                raise ScenarioError(shown, [f"line {reader.line_num}: {unknown}"])
            if columns.count(c) > 1:
                raise ScenarioError(shown, [f"line {reader.line_num}: column {c!r} appears twice"])
        names = tuple(c for c in columns if c in ranges)
        if not names:
            raise ScenarioError(shown, [f"line {reader.line_num}: no parameter among the columns"])
        rows: list[list[float]] = []
        for row in reader:
            if not any(c.strip() for c in row):
                continue  # a blank line
            line = reader.line_num
            if len(row) != len(columns):
                problems.append(f"line {line}: {len(row)} values for {len(columns)} columns")
                continue
            values = []
            for c, cell in zip(columns, row, strict=True):
                x = _number(cell)
                if x is None or not math.isfinite(x):
                    problems.append(f"line {line}: {c} = {cell.strip()!r} is not a finite number")
                elif c in ranges and not ranges[c][0] <= x <= ranges[c][1]:
                    lo, hi = ranges[c]
                    problems.append(f"line {line}: {c} = {cell.strip()} lies outside its prior [{lo:g}, {hi:g}]")
                elif c in (WEIGHT, DISTANCE) and x < 0:
                    problems.append(f"line {line}: {c} = {cell.strip()} is negative")
                values.append(x if x is not None else math.nan)
            rows.append(values)
    except csv.Error as exc:
        raise ScenarioError(shown, [f"line {reader.line_num}: not valid CSV ({exc})"]) from None
    if problems:
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        raise ScenarioError(shown, [problems[0] + more])
    if not rows:
        raise ScenarioError(shown, ["no worlds: the file has a header but no rows"])
    table = np.array(rows, dtype=np.float64)
    col = {c: k for k, c in enumerate(columns)}
    weights = table[:, col[WEIGHT]] if WEIGHT in col else np.ones(len(rows))
    if not weights.sum() > 0:
        raise ScenarioError(shown, [f"every {WEIGHT} is 0: no world could be drawn"])
    return Worlds(name=name, file=shown, names=names, values=table[:, [col[n] for n in names]], weights=weights,
                  distances=table[:, col[DISTANCE]] if DISTANCE in col else None,
                  sha256=hashlib.sha256(content).hexdigest())
