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

from politburo import load_scenario
from politburo.compile import compile_scenario
from politburo.engine.spec import Spec
from politburo.engine.state import RECORDS, State
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
