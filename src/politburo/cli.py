"""The `politburo` command line: a thin Typer + Rich layer over the library API.

Its commands parse options, call `politburo.api`, `politburo.fidelity`, `politburo.loader` and
the experiments' library functions (`politburo.explain` ...), and print what they return; they
add nothing to the model. Results and tables go to stdout (only JSON with `--json`); progress
bars, notices and errors go to stderr. Every bad input ends with one line
per problem on stderr and exit code 2, never a traceback.

Exit codes: 0 done; 1 a fidelity pattern fails; 2 a bad input, or an environment that refuses
what an option asks for, found up front or midway (a read-only or full disk under --store, --out,
--report or --plot, an unreachable or failing Dask cluster): one line naming the option, the path
and the system's reason, and for experiments how many tasks are stored (a rerun resumes);
128 + N stopped by signal N (130 Ctrl-C, 129 SIGHUP, 143 SIGTERM), worker processes stopped,
nothing half-written. See `politburo.cli_errors`.

Modules: `politburo.cli_app` (the Typer app and what the commands share), `politburo.cli_options`
(the shared options and their parsers), `politburo.cli_run` (run, ensemble, fidelity, scenarios,
check), `politburo.cli_explain` (explain, whatif, inevitability, claims, results) and this one, the
entry point, which registers the commands by importing their modules.
"""

import sys
import warnings
from importlib import import_module
from typing import Any

from politburo.cli_app import app
from politburo.terminal import protect

__all__ = ["COMMAND_MODULES", "app", "main"]

# The modules whose commands register themselves on `app`, imported in the order `politburo
# --help` lists their commands.
COMMAND_MODULES = ("politburo.cli_run", "politburo.cli_explain")
for _module in COMMAND_MODULES:
    import_module(_module)


def _warn_in_one_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      file: Any = None, line: str | None = None) -> None:
    """Warnings reach the user as one line on stderr, like errors."""
    text = str(message).replace("\n", " ")
    try:
        (file or sys.stderr).write(f"politburo: warning: {text}\n")
    except (OSError, ValueError):  # a closed or broken stderr
        pass


def main() -> None:
    """Entry point of the `politburo` script."""
    # the library's notice of a first compile: the commands show their own (a spinner)
    warnings.filterwarnings("ignore", message="politburo: compiling the simulation engine")
    warnings.showwarning = _warn_in_one_line
    protect(sys.stdout)  # what the terminal cannot show is written in ASCII, never a traceback
    protect(sys.stderr)
    app(prog_name="politburo")


if __name__ == "__main__":
    main()
