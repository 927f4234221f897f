"""politburo: simulate, play and explain the struggle for power in a one-party state."""

from politburo.api import EnsembleResult, RunResult, ensemble, simulate
from politburo.loader import ScenarioError, builtin_names, load_scenario

__version__ = "0.1.0"
__all__ = [
           "EnsembleResult",
           "RunResult",
           "ScenarioError",
           "__version__",
           "builtin_names",
           "ensemble",
           "load_scenario",
           "simulate",
]
