"""The package is layered as docs/architecture.md draws it: each module imports only modules of
its own layer or of the layers below it; an engine module imports no module of the package
outside the engine, and only engine modules earlier than it in the engine's order.

Modules are classified by their path, so a new module of a layer (a new `cli_*.py`, a new
module of `experiments/`) needs no change here; a new engine module must be given its place in
`ENGINE_ORDER` (and in docs/architecture.md). Imports are read with `ast` (inside functions and
under `if TYPE_CHECKING:` too); nothing is imported.
"""

from __future__ import annotations

import ast
from functools import cache

import pytest
from test_architecture import MODULES, PACKAGE, cycles
from test_architecture import imports as package_imports

# The layers, lowest first (docs/architecture.md). Modules are matched by their path in the
# package; the first pattern that matches wins.
LAYERS = ["engine", "scenario", "compile", "api", "experiments", "interfaces"]
PATHS = [
    ("engine/", "engine"),
    ("experiments/", "experiments"),
    ("web/", "interfaces"),
    ("schema.py", "scenario"),
    ("loader.py", "scenario"),
    ("sizes.py", "scenario"),
    ("compile.py", "compile"),
    ("api.py", "api"),
    ("chronicle.py", "api"),
    ("fidelity.py", "api"),
    ("cli", "interfaces"),  # cli.py and every cli_*.py
    ("report.py", "interfaces"),
    ("terminal.py", "interfaces"),
    ("__main__.py", "interfaces"),
    ("__init__.py", "interfaces"),  # the package root: `politburo.simulate`, ...
]

# The engine's modules in the order they may import each other: a module imports only modules
# of earlier groups. The mechanisms that nothing else in the engine imports share one group.
ENGINE_ORDER = [
    {"parameters", "powers", "sanctions", "jit"},
    {"spec", "rng", "log"},
    {"state"},
    {"common"},
    {"bodies", "ladder", "offices"},
    {"votes"},
    {"motions", "outcome"},
    {"documents"},
    {"policy"},
    {"players"},
    {"world", "ceremonies", "membership", "appointments", "perception", "coalitions", "polemics", "factions"},
    {"step"},
    {"run"},
]
ENGINE_RANK = {name: rank for rank, group in enumerate(ENGINE_ORDER) for name in group}


def layer(name: str) -> str:
    """The layer of a module (`politburo.engine.step` -> "engine")."""
    path = MODULES[name].relative_to(PACKAGE).as_posix()
    for prefix, found in PATHS:
        if path.startswith(prefix):
            return found
    raise AssertionError(f"{name}: which layer? Add its path to PATHS in tests/test_layers.py "
                         "and to docs/architecture.md")


@cache
def imports(name: str) -> frozenset[str]:
    """The modules of the package that module `name` imports, anywhere in it (under `if
    TYPE_CHECKING:` too). Reading the package's version (`from politburo import __version__`,
    `import politburo`) is no import of a layer; any other name taken from the package root
    (`from politburo import simulate`) is an import of the root, which belongs to the interfaces."""
    return frozenset(module for module, imported in package_imports(name, type_checking=True)
                     if not (module == "politburo" and imported in (None, "__version__"))) - {name}


def layer_problems() -> list[str]:
    bad = []
    for name in MODULES:
        rank = LAYERS.index(layer(name))
        for target in sorted(imports(name)):
            if target not in MODULES:
                bad.append(f"{name} imports {target}, which is no module of the package")
            elif LAYERS.index(layer(target)) > rank:
                bad.append(f"{name} ({layer(name)}) imports {target} ({layer(target)}), a layer above it")
    return bad


def engine_problems() -> list[str]:
    bad = []
    for name in MODULES:
        if layer(name) != "engine" or name == "politburo.engine":
            continue
        short = name.rsplit(".", 1)[1]
        if short not in ENGINE_RANK:
            bad.append(f"{name}: where in the engine's order? Add it to ENGINE_ORDER in tests/test_layers.py "
                       "and to docs/architecture.md")
            continue
        for target in sorted(imports(name)):
            if not target.startswith("politburo.engine."):
                bad.append(f"{name} imports {target}, outside the engine")
            elif ENGINE_RANK.get(target.rsplit(".", 1)[1], len(ENGINE_ORDER)) >= ENGINE_RANK[short]:
                bad.append(f"{name} imports {target}, which is not earlier in the engine's order")
    return bad


def test_every_module_has_a_layer_and_the_reader_sees_the_imports() -> None:
    assert len(MODULES) > 30
    assert {layer(m) for m in MODULES} == set(LAYERS)
    assert "politburo.engine.state" in imports("politburo.engine.step")
    assert "politburo.schema" in imports("politburo.compile")
    assert layer("politburo.cli") == "interfaces" and layer("politburo.experiments.plan") == "experiments"


def test_each_layer_imports_only_layers_below_it() -> None:
    bad = layer_problems()
    assert not bad, "\n".join(bad)


def test_the_engine_imports_only_itself_in_its_order() -> None:
    bad = engine_problems()
    assert not bad, "\n".join(bad)


def test_the_engine_has_no_import_cycles() -> None:
    engine = {m: {t for t in imports(m) if layer(t) == "engine"} for m in MODULES if layer(m) == "engine"}
    assert not cycles(engine), cycles(engine)


def test_the_engine_imports_the_package_only_at_the_top_of_a_module() -> None:
    """No engine module imports another module of the package inside a function (a compiled
    kernel cannot, and a hidden import would hide a cycle); third-party imports may wait until
    needed (the kernel cache's)."""
    bad = []
    for name, path in MODULES.items():
        if layer(name) != "engine":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top:
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                if any(n.split(".")[0] == "politburo" or (isinstance(node, ast.ImportFrom) and node.level)
                       for n in names):
                    bad.append(f"{name}, line {node.lineno}")
    assert not bad, "imports of the package inside a function: " + ", ".join(bad)


@pytest.mark.parametrize(("edges", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_cycles(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(edges) == expected
