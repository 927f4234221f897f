"""The options the `politburo` commands share, and the parsers of their values.

Each option is an `Annotated[..., typer.Option(...)]` alias, so that a command declares it in one
line and every command spells, documents and checks it the same way. Options that take a number
are read as text and parsed here, so that a bad value ends in one line naming the option
(`politburo: --seed: seed must be an integer, not 'abc'`) instead of Click's usage message.

Every parser raises `politburo.ScenarioError(option, [problem])` for a bad value.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from politburo.experiments.store import DEFAULT_STORE
from politburo.loader import ScenarioError

__all__ = [
    "DEFAULT_STORE",
    "MAX_DIGITS",
    "MAX_SEED",
    "BackendOpt",
    "FactorOpt",
    "JsonOpt",
    "OutcomeOpt",
    "PlotOpt",
    "ReplicatesOpt",
    "ReportOpt",
    "ScenarioOpt",
    "SchedulerOpt",
    "SeedOpt",
    "SetOpt",
    "StoreOpt",
    "TargetOpt",
    "WorkersOpt",
    "parse_factors_off",
    "parse_integer",
    "parse_positive",
    "parse_seed",
]

MAX_SEED = 2**63 - 1
MAX_DIGITS = 30  # no integer option takes more digits; longer ones are refused unread

# ------------------------------------------------------------------ options of every command

ScenarioOpt = Annotated[str, typer.Option(
    "--scenario", "-s", metavar="NAME|FILE", help="A built-in scenario name or a scenario TOML file.")]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", metavar="PATH=VALUE",
    help="Override one scenario value, e.g. parameters.insight=0.5 or leaders.stalin.rigidity=0.3 "
         "(repeatable).")]
FactorOpt = Annotated[list[str] | None, typer.Option(
    "--factor", metavar="NAME=off", help="Switch one of the scenario's factors off (repeatable).")]
SeedOpt = Annotated[str, typer.Option("--seed", metavar="N", help="Random seed.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout, nothing else.")]

# ------------------------------------------------------------------ options of the experiments

TargetOpt = Annotated[str | None, typer.Option(
    "--target", metavar="LEADER", help="The leader whose outcome is explained (default: the main contender).")]
OutcomeOpt = Annotated[str, typer.Option(
    "--outcome", metavar="OUTCOME", help="win, win_by:YYYY-MM, defeated, defeated_by:YYYY-MM or no_winner.")]
ReplicatesOpt = Annotated[str | None, typer.Option(
    "--replicates", "-n", metavar="N", help="Replicates per arm (common random numbers across arms).")]
StoreOpt = Annotated[str, typer.Option(
    "--store", metavar="DIR", help="The results store (finished tasks are reused).")]
BackendOpt = Annotated[str, typer.Option("--backend", metavar="local|dask", help="Where tasks run.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", metavar="tcp://HOST:PORT", help="The Dask scheduler (with --backend dask).")]
WorkersOpt = Annotated[str | None, typer.Option(
    "--workers", metavar="N", help="Local worker processes (default: all cores).")]
ReportOpt = Annotated[str | None, typer.Option(
    "--report", metavar="FILE.html", help="Write a self-contained HTML report (printable on A4).")]
PlotOpt = Annotated[str | None, typer.Option("--plot", metavar="FILE.png", help="Write the main chart as a PNG.")]


# ------------------------------------------------------------------ parsers


def parse_integer(option: str, text: str, what: str) -> int:
    """`text` as an int, or a ScenarioError for `option`. Integers of more than MAX_DIGITS digits
    are refused by their length (Python reads at most 4300 digits, and no option needs 30)."""
    digits = text.strip().lstrip("+-").replace("_", "")
    if digits.isdecimal() and len(digits) > MAX_DIGITS:
        too_long = f"{what} must be an integer of at most {MAX_DIGITS} digits, not one of {len(digits):,} digits"
        raise ScenarioError(option, [too_long])
    try:
        return int(text.strip())
    except ValueError:
        raise ScenarioError(option, [f"{what} must be an integer, not {text!r}"]) from None


def parse_seed(text: str | None) -> int:
    """The seed as given (0 to 2**63-1), or a fresh random one below 2**32 for None (printed with
    the run, so that it can be repeated)."""
    if text is None:
        return secrets.randbelow(2**32)
    seed = parse_integer("--seed", text, "seed")
    if not 0 <= seed <= MAX_SEED:
        raise ScenarioError("--seed", [f"seed must be between 0 and 2**63-1, not {seed}"])
    return seed


def parse_positive(option: str, text: str, what: str) -> int:
    """`text` as a positive int, or a ScenarioError for `option` naming `what` it counts."""
    value = parse_integer(option, text, what)
    if value <= 0:
        raise ScenarioError(option, [f"{what} must be a positive integer, not {value}"])
    return value


def parse_factors_off(items: list[str] | None) -> list[str]:
    """The factor names of `--factor NAME=off` items (a factor can only be switched off)."""
    names = []
    for item in items or []:
        name, sep, state = item.partition("=")
        if not sep or not name.strip() or state.strip() != "off":
            raise ScenarioError("--factor", [f"{item!r} is not NAME=off (a factor can only be switched off)"])
        names.append(name.strip())
    return names
