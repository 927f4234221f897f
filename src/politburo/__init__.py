"""politburo: simulate, play and explain the struggle for power in a one-party state.

The names below are imported on first use (PEP 562), so that `import politburo` and the
commands that need no engine (`--version`, `check`, `scenarios`) never compile or load it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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

_WHERE = {"EnsembleResult": "politburo.api", "RunResult": "politburo.api", "ensemble": "politburo.api",
          "simulate": "politburo.api", "ScenarioError": "politburo.loader",
          "builtin_names": "politburo.loader", "load_scenario": "politburo.loader"}

if TYPE_CHECKING:
    from politburo.api import EnsembleResult, RunResult, ensemble, simulate
    from politburo.loader import ScenarioError, builtin_names, load_scenario


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'politburo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
