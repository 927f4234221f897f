"""The package's import structure: no module imports another module's private (underscore)
names, and no modules import each other in a cycle (imports under `if TYPE_CHECKING:` excepted,
imports inside functions included). The command line is layered: `politburo.cli` (the entry
point) imports the command modules, which import `politburo.cli_app` and `politburo.cli_options`,
never each other or the entry point.

Every module of src/politburo is parsed with `ast`; nothing is imported. `tests/test_layers.py`
checks the layers with the same reader.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "politburo"

# Engine modules that still break one of the rules (private names imported across modules,
# import cycles) while the engine is being restructured. Empty this as they are fixed: the last
# test fails for a module listed here that no longer needs to be.
KNOWN_ENGINE_EXCEPTIONS: frozenset[str] = frozenset()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


@cache
def imports(name: str, type_checking: bool = False) -> tuple[tuple[str, str | None], ...]:
    """(module imported, name imported from it or None) for every import of a politburo module
    in module `name`, anywhere in it; those under `if TYPE_CHECKING:` only with `type_checking`."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if type_checking else {
        id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _type_checking(block)
        for stmt in block.body for n in ast.walk(stmt)}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            if source.split(".")[0] != "politburo":
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                found.append((sub, None) if sub in MODULES else (source, alias.name))
    return tuple(found)


def graph() -> dict[str, set[str]]:
    return {name: {target for target, _ in imports(name) if target in MODULES and target != name}
            for name in MODULES}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def private_imports() -> list[str]:
    return [f"{name} imports {imported} from {source}"
            for name in MODULES for source, imported in imports(name)
            if imported is not None and imported.startswith("_") and not imported.startswith("__")
            and source != name]


def test_the_reader_sees_the_imports() -> None:
    edges = graph()
    assert "politburo.cli_app" in edges["politburo.cli_explain"]
    assert "politburo.experiments.analyses" in edges["politburo.experiments.library"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert len(MODULES) > 30


def test_no_module_imports_another_modules_private_names() -> None:
    bad = [line for line in private_imports() if line.split()[0] not in KNOWN_ENGINE_EXCEPTIONS]
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    bad = [c for c in cycles(graph()) if not set(c) <= KNOWN_ENGINE_EXCEPTIONS]
    assert not bad, "\n".join(" -> ".join(c) for c in bad)


def test_the_command_line_is_layered() -> None:
    """The entry point imports the command modules; they import the app and the options, not
    each other; nothing but `python -m politburo` imports the command line."""
    edges = graph()
    commands = ("politburo.cli_run", "politburo.cli_explain")
    cli = {m for m in MODULES if m.startswith("politburo.cli")}
    for module in commands:
        assert not edges[module] & {"politburo.cli", *commands}, module
    for name, targets in edges.items():
        if name not in cli and name != "politburo.__main__":
            assert not targets & cli, f"{name} imports the command line: {sorted(targets & cli)}"
    entry = MODULES["politburo.cli"].read_text(encoding="utf-8")
    assert all(f'"{m}"' in entry for m in commands)  # COMMAND_MODULES registers them


def test_the_known_engine_exceptions_are_still_needed() -> None:
    """When a module listed in KNOWN_ENGINE_EXCEPTIONS breaks no rule any more, take it off."""
    breaking = {line.split()[0] for line in private_imports()}
    breaking |= {m for c in cycles(graph()) for m in c}
    stale = sorted(KNOWN_ENGINE_EXCEPTIONS - breaking)
    assert not stale, f"remove from KNOWN_ENGINE_EXCEPTIONS: {', '.join(stale)}"
