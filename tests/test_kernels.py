"""The engine's compiled kernels read like the model: each takes a handful of records, not
dozens of arrays (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import politburo.engine

ENGINE = Path(politburo.engine.__file__).parent
MAX_ARGS = 10


def _kernels() -> list[tuple[str, str, int]]:
    out = []
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Name) and d.id == "kernel" for d in node.decorator_list):
                out.append((path.stem, node.name, len(node.args.args)))
    return out


def test_no_kernel_takes_more_than_ten_arguments() -> None:
    kernels = _kernels()
    assert len(kernels) > 40
    wide = [f"{m}.{f} ({n})" for m, f, n in kernels if n > MAX_ARGS]
    assert not wide, f"kernels with more than {MAX_ARGS} arguments: {', '.join(wide)}"


def test_no_parameter_is_read_by_position() -> None:
    """Parameters reach compiled code as the `Params` record, read by name (`params.severity`),
    never as anonymous weights `w[0]`."""
    offenders = []
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                    and node.value.id in ("w", "w_", "params", "p") and isinstance(node.slice, ast.Constant)):
                offenders.append(f"{path.stem}: {ast.unparse(node)}")
    assert not offenders, ", ".join(offenders)


def test_the_params_record_is_the_parameter_table() -> None:
    """`Params` is written out for type checkers; it must stay the table of PARAMETERS, field for
    field and in order (what `python -m politburo.engine.parameters` prints)."""
    import inspect

    from politburo.engine import parameters

    assert parameters.Params._fields == tuple(parameters.PARAMETERS)
    source = inspect.getsource(parameters.Params)
    fields = [line for line in source.splitlines() if line.startswith("    ") and ": float" in line]
    assert "\n".join(fields) + "\n" == parameters._class_source().split("\n", 1)[1]
