"""Shared fixtures and helpers: built-in scenarios, loaded and compiled once per session."""

from __future__ import annotations

import copy
import functools
import tomllib
from dataclasses import fields
from importlib import resources
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as hst

from politburo import load_scenario
from politburo.compile import compile_scenario
from politburo.engine.parameters import Params
from politburo.engine.sanctions import SANCTIONS
from politburo.engine.spec import ANY_TOP, POWER_LIST, Facts, Spec
from politburo.engine.state import RECORDS, Leaders, Offices, Regions, State
from politburo.schema import Scenario

SCENARIOS = ("soviet-1924", "tutorial")


@functools.cache
def scenario(name: str) -> Scenario:
    """A built-in scenario at its defaults (cached: treat as read-only)."""
    return load_scenario(name)


@functools.cache
def spec(name: str) -> Spec:
    """The compiled default spec of a built-in scenario (cached: treat as read-only)."""
    return compile_scenario(scenario(name))


@functools.cache
def _raw(name: str) -> dict[str, Any]:
    text = (resources.files("politburo") / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def raw(name: str) -> dict[str, Any]:
    """A fresh, mutable copy of a built-in scenario's TOML as a dict."""
    return copy.deepcopy(_raw(name))


def state_arrays(st: State) -> dict[str, Any]:
    """The comparable content of a State: every array and plain scalar, records flattened to
    "record.field" (dict caches are skipped: they hold derived arrays, keyed by the engine's
    own bookkeeping)."""
    out: dict[str, Any] = {}
    for f in fields(st):
        v = getattr(st, f.name)
        if f.name in RECORDS:
            out.update({f"{f.name}.{k}": x for k, x in v._asdict().items()})
        elif isinstance(v, (np.ndarray, int, float, bool, np.integer, np.floating, np.bool_)):
            out[f.name] = v
    return out


@pytest.fixture(scope="session", params=SCENARIOS)
def scenario_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def soviet_raw() -> dict[str, Any]:
    """A fresh copy of soviet-1924's raw TOML dict, free to break."""
    return raw("soviet-1924")


# ---------------------------------------------------------------- tiny hand-built engine states
# The engine's compiled kernels take typed records; a record built here has the engine's own
# dtypes and C-contiguous, writable arrays, so that a test calling a kernel reuses the kernel
# compiled for the engine instead of compiling another specialisation.

# field: (shape, in the letters B runs, L leaders, A axes, O offices, R regions; dtype; default)
_LEADERS = {
    "prestige": ("BL", np.float64, 0.0),
    "heir": ("BL", np.float64, 0.0),
    "ideology": ("BLA", np.float64, 0.0),
    "in_bureau": ("BL", np.bool_, False),
    "in_committee": ("BL", np.bool_, False),
    "expelled": ("BL", np.bool_, False),
    "exiled": ("BL", np.bool_, False),
    "submitted": ("BL", np.bool_, False),
    "faction": ("BL", np.bool_, False),
    "grounds": ("BL", np.float64, 0.0),
    "last_sanction": ("BL", np.int64, -99),
    "removed": ("BL", np.bool_, False),
    "had_office": ("BL", np.bool_, False),
    "insight": ("BLL", np.float64, 1.0),
    "target": ("BL", np.int64, -1),
    "allied": ("BLL", np.bool_, False),
    "enmity": ("BLL", np.float64, 0.0),
    "camps": ("BL", np.int64, 0),
}
_OFFICES = {
    "holder": ("BO", np.int64, -1),
    "patron": ("BO", np.int64, -1),
    "lost": ("BO", np.int64, -1),
}
_REGIONS = {
    "members": ("BR", np.float64, 1000.0),
    "steered": ("BR", np.float64, 0.0),
    "patron": ("BR", np.int64, -1),
    "loyalty": ("BR", np.float64, 0.5),
    "sentiment": ("BRA", np.float64, 0.0),
}


def _record(cls: Any, table: dict[str, tuple[str, Any, Any]], dims: dict[str, int], values: dict[str, Any]) -> Any:
    unknown = set(values) - set(table)
    assert not unknown, f"{cls.__name__} has no field {sorted(unknown)}"
    out = {}
    for name, (letters, dtype, default) in table.items():
        shape = tuple(dims[c] for c in letters)
        v = values.get(name, default)
        out[name] = np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=dtype), shape)).copy()
    return cls(**out)


def leaders(B: int, L: int, A: int = 2, **values: Any) -> Leaders:
    """A `Leaders` record of B runs and L leaders: nobody seated, sanctioned or allied, no target,
    full insight, prestige 0 (a field given by keyword is broadcast to its shape)."""
    return _record(Leaders, _LEADERS, {"B": B, "L": L, "A": A}, values)


def offices(B: int, O: int, **values: Any) -> Offices:
    """An `Offices` record: every office vacant, never lost (fields given by keyword broadcast)."""
    return _record(Offices, _OFFICES, {"B": B, "O": O}, values)


def regions(B: int, R: int, A: int = 2, **values: Any) -> Regions:
    """A `Regions` record: 1000 members each, no patron (fields given by keyword broadcast)."""
    return _record(Regions, _REGIONS, {"B": B, "R": R, "A": A}, values)


def sanctions(B: int, L: int) -> np.ndarray:
    """(B, L, 7) `Records.sanctions`: nothing happened yet."""
    return np.full((B, L, len(SANCTIONS)), -1, dtype=np.int64)


def params(name: str = "tutorial", **values: float) -> Params:
    """A scenario's default `Params` with some values replaced (as floats)."""
    return spec(name).params._replace(**{k: float(v) for k, v in values.items()})


def facts(name: str = "tutorial", **values: Any) -> Facts:
    """A scenario's `Facts` with some arrays replaced (dtypes and layout as the engine's)."""
    base = spec(name).facts
    return base._replace(**{k: np.ascontiguousarray(np.asarray(v, dtype=getattr(base, k).dtype)).copy()
                            for k, v in values.items()})


def powers(top: list[bool]) -> np.ndarray:
    """(O, P) office powers: office o has the top party office's power where `top[o]`, none else."""
    out = np.zeros((len(top), len(POWER_LIST)), dtype=bool)
    out[:, ANY_TOP] = top
    return out


@functools.cache
def _advanced(name: str, months: int, B: int, seed: int) -> State:
    # (the engine's compiled modules are imported when first needed, not with this file)
    from politburo.engine.log import Log
    from politburo.engine.rng import Streams
    from politburo.engine.run import initial_state
    from politburo.engine.step import step

    sp = spec(name)
    s = initial_state(sp, B)
    rng = Streams(seed, np.arange(B))
    log = Log()
    for _ in range(months):
        step(sp, s, rng, log)
    return s


def advanced(name: str, months: int, B: int = 4, seed: int = 1) -> State:
    """A fresh copy of the state of B runs of a built-in scenario after `months` months (the
    state at the start of month `months`), simulated once per session."""
    return _advanced(name, months, B, seed).copy()


# ---------------------------------------------------------------- one month, mechanism by mechanism

# The public mechanism entries `engine.step.step` calls, in its order (a test checks the order
# against step's source).
MECHANISMS = (
    "world.update", "ceremonies.founder_death", "membership.recruit", "appointments.circular_flow",
    "perception.perceive", "coalitions.threat", "coalitions.form", "ceremonies.funeral", "policy.choose",
    "polemics.attack", "factions.organise", "world.change_line", "motions.recant", "documents.publish",
    "documents.arrivals", "motions.meeting", "motions.readmit_and_relapse", "outcome.record_defeats",
    "outcome.check_victory", "outcome.record_series",
)


def month_stages(sp: Spec, st: State, rng: Any, log: Any, everyone: bool = False,
                 got: dict[str, Any] | None = None) -> Any:
    """One month of `engine.step.step`, a mechanism at a time: yields (name, call) in step's
    order, where call() runs that one mechanism on `st`, with the inputs step would give it
    (threat from the perceived power, the policy's actions...); the caller runs each call before
    asking for the next stage (and may look at the state around it). The month advances after
    the last stage. Ceremonies and meetings appear only in their scheduled months.

    With `everyone`, every active leader polemicises, organises, shifts and publishes, one
    leader a run recants, and every leader with a target moves against him at a meeting
    (actions the policy would not combine, to exercise every mechanism). `got` (if given)
    receives the month's intermediate values as they are computed: running, meeting,
    perceived, actual, th, action, motion_target."""
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

    t = st.month
    running = st.running.copy()
    got = {} if got is None else got
    got.update(running=running, meeting=bool(sp.meeting[t]))
    yield "world.update", lambda: world.update(sp, st, rng, log, running)
    if t == sp.founder_death:
        yield "ceremonies.founder_death", lambda: ceremonies.founder_death(sp, st, log, running)
    yield "membership.recruit", lambda: membership.recruit(sp, st)
    yield "appointments.circular_flow", lambda: appointments.circular_flow(sp, st, rng, log, running)

    def perceive() -> None:
        got["perceived"], got["actual"] = perception.perceive(sp, st)

    yield "perception.perceive", perceive

    def threat() -> None:
        got["th"] = coalitions.threat(sp, st, got["perceived"])

    yield "coalitions.threat", threat
    yield "coalitions.form", lambda: coalitions.form(sp, st, got["th"], log, running)
    if t == sp.funeral:
        yield "ceremonies.funeral", lambda: ceremonies.funeral(sp, st, rng, log, running)
    meeting = bool(sp.meeting[t])

    def choose() -> None:
        got["action"], got["motion_target"] = policy.choose(sp, st, rng, got["th"], running, meeting)

    yield "policy.choose", choose
    action = got["action"]
    masks = {a: action == a for a in (policy.POLEMIC, policy.FACTION, policy.SHIFT, policy.RECANT, policy.PUBLISH)}
    motion_target = got["motion_target"]
    if everyone:
        lead = st.leaders
        active = running[:, None] & ~lead.submitted & ~lead.expelled
        for a in (policy.POLEMIC, policy.FACTION, policy.SHIFT, policy.PUBLISH):
            masks[a] = active.copy()
        masks[policy.RECANT] = active & (np.arange(sp.L)[None, :] == (t + np.arange(st.B)[:, None]) % sp.L)
        motion_target = np.where(active, lead.target, -1)
    line = party_line(st)
    yield "polemics.attack", lambda: polemics.attack(sp, st, masks[policy.POLEMIC], line, log, running)
    yield "factions.organise", lambda: factions.organise(st, masks[policy.FACTION], log, running)
    yield "world.change_line", lambda: world.change_line(sp, st, masks[policy.SHIFT], line, log, running)
    yield "motions.recant", lambda: motions.recant(st, masks[policy.RECANT], log, running)
    yield "documents.publish", lambda: documents.publish(sp, st, masks[policy.PUBLISH], log, running)
    yield "documents.arrivals", lambda: documents.arrivals(sp, st, rng, log, running, got["th"])
    if meeting:
        yield "motions.meeting", lambda: motions.meeting(sp, st, rng, log, running, motion_target)
    yield "motions.readmit_and_relapse", lambda: motions.readmit_and_relapse(sp, st, rng, log, running)
    yield "outcome.record_defeats", lambda: outcome.record_defeats(st)
    yield "outcome.check_victory", lambda: outcome.check_victory(sp, st, log)
    yield "outcome.record_series", lambda: outcome.record_series(sp, st, {}, got["perceived"], got["actual"])
    st.month = t + 1



# ---------------------------------------------------------------- varied scenarios, and bodies recounted


@hst.composite
def configs(draw: hst.DrawFn, name: str) -> tuple[int, dict[str, float]]:
    """A seed and up to four parameters set to values inside their priors (ends included)."""
    sc = scenario(name)
    names = sorted(sc.parameters)
    chosen = draw(hst.lists(hst.sampled_from(names), max_size=4, unique=True))
    overrides: dict[str, float] = {}
    for p in chosen:
        lo, hi = sc.parameters[p].prior
        overrides[f"parameters.{p}"] = draw(hst.one_of(
            hst.sampled_from([float(lo), float(hi)]),
            hst.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False)))
    seed = draw(hst.integers(0, 2**40))
    return seed, overrides


# (scenario, seed, overrides): both built-in scenarios, a seed and up to four parameters.
CONFIGS = hst.sampled_from(SCENARIOS).flatmap(lambda name: configs(name).map(lambda c: (name, *c)))


def compiled(name: str, overrides: dict[str, float]) -> Spec:
    """A built-in scenario compiled with some values overridden ("parameters.x": value)."""
    return compile_scenario(load_scenario(name, overrides=overrides or None))


def body_size(st_: State, body: int, delegates: np.ndarray | None) -> np.ndarray:
    """(B,) members of a body, recounted from the state: client blocs plus principals sitting
    (an expelled principal sits nowhere). The founder, who sits in the bureau while alive, is
    not a voter: in both scenarios he dies before any meeting."""
    from politburo.engine.bodies import BUREAU, COMMITTEE

    lead = st_.leaders
    if body == BUREAU:
        return st_.bodies.bureau.sum(axis=1) + (lead.in_bureau & ~lead.expelled).sum(axis=1)
    if body == COMMITTEE:
        return st_.bodies.committee.sum(axis=1) + (lead.in_committee & ~lead.expelled).sum(axis=1)
    assert delegates is not None
    return delegates.sum(axis=1)
