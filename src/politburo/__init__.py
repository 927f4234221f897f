"""politburo: simulate, play and explain the struggle for power in a one-party state.

    import politburo
    run = politburo.simulate("soviet-1924", seed=1)            # one run, with its story
    ens = politburo.ensemble("soviet-1924", runs=2000)         # who wins, how often
    why = politburo.explain("soviet-1924", replicates=500)     # Shapley attribution to the factors
    cf = politburo.whatif(["testament"], replicates=1000)      # history against a counterfactual

The names below are imported on first use (PEP 562), so that `import politburo` and the
commands that need no engine (`--version`, `check`, `scenarios`) never compile or load it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
           "Action",
           "ClaimsResult",
           "EnsembleResult",
           "ExplainResult",
           "IllegalAction",
           "InevitabilityResult",
           "Observation",
           "Policy",
           "RunResult",
           "ScenarioError",
           "UncertaintyResult",
           "UtilityPolicy",
           "WhatifResult",
           "__version__",
           "builtin_names",
           "claims",
           "ensemble",
           "explain",
           "inevitability",
           "load_scenario",
           "simulate",
           "whatif",
]

_EXPERIMENTS = "politburo.experiments.library"
_WHERE = {"EnsembleResult": "politburo.api", "RunResult": "politburo.api", "ensemble": "politburo.api",
          "simulate": "politburo.api", "ScenarioError": "politburo.loader",
          "builtin_names": "politburo.loader", "load_scenario": "politburo.loader",
          "explain": _EXPERIMENTS, "whatif": _EXPERIMENTS, "inevitability": _EXPERIMENTS, "claims": _EXPERIMENTS,
          "ExplainResult": _EXPERIMENTS, "UncertaintyResult": _EXPERIMENTS, "WhatifResult": _EXPERIMENTS,
          "InevitabilityResult": _EXPERIMENTS, "ClaimsResult": _EXPERIMENTS,
          "Action": "politburo.api", "Observation": "politburo.api", "Policy": "politburo.api",
          "UtilityPolicy": "politburo.api", "IllegalAction": "politburo.api"}

if TYPE_CHECKING:
    from politburo.api import (
        Action,
        EnsembleResult,
        IllegalAction,
        Observation,
        Policy,
        RunResult,
        UtilityPolicy,
        ensemble,
        simulate,
    )
    from politburo.experiments.library import (
        ClaimsResult,
        ExplainResult,
        InevitabilityResult,
        UncertaintyResult,
        WhatifResult,
        claims,
        explain,
        inevitability,
        whatif,
    )
    from politburo.loader import ScenarioError, builtin_names, load_scenario


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'politburo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
