"""docs/model.md names only what exists: every backquoted code name in it is defined in the code.

What counts as a code name (a backquoted span of docs/model.md):

- `module.name` (and `module.Class.name`) whose module is one of the engine's or the package's:
  `name` must be defined at the top level of that module (imported names do not count) or be a
  field or method of the class; `politburo.` in front is dropped;
- `record.field`, the path of a state variable (`leaders.prestige`, `offices.lost`,
  `world.line`), and `facts.field` / `params.field`: a field of that record (`Leaders._fields`,
  ...; `State` for `state.`); where a record shares its name with a module (`world`,
  `documents`, `bodies`) either reading will do;
- `parameters.name`, a key path of a scenario's parameter table: a key of `PARAMETERS`;
- a private `_kernel`: defined at the top level of some engine module;
- `Class`, `Class.name` and `CONSTANT`: defined in the package;
- `function(arg, ...)`: a function the package defines, called with its own parameter names;
- a bare `snake_case_name`: some name of the code (a module's, a class's field, a parameter, a
  power, a string the code uses), a key of a built-in scenario, or a value of the schema;
- the first column of the state variable tables: the path of a field of a record;
- the lists after **Parameters:** and **Powers:**: keys of `PARAMETERS` and `POWERS`.

Names are read from the source with `ast` where possible, so the test compiles nothing.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import tomllib
import typing
from functools import cache
from pathlib import Path

import pytest

from politburo import schema
from politburo.engine import spec as spec_module
from politburo.engine import state as state_module
from politburo.engine.parameters import PARAMETERS, Params
from politburo.engine.powers import POWERS

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "politburo"
DOC = REPO / "docs" / "model.md"

# Single-token symbols of the document's formulas that are not names in the code.
FORMULA_SYMBOLS = {"rung_weight"}
# First words of scenario key paths (`leaders.stalin.network`), never checked as code.
KEY_TABLES = {"scenario", "axes", "leaders", "offices", "regions", "documents", "events", "parameters",
              "factors", "patterns"}
FILE_TYPES = {"py", "toml", "md", "json", "parquet", "html", "png", "csv"}
IDENT = r"[A-Za-z_]\w*"


# ------------------------------------------------------------------ what the code defines


def _module_files() -> dict[str, Path]:
    """Module name (`step`, `api`, `analyses`) -> file; the engine's names win a clash."""
    out: dict[str, Path] = {}
    for folder in (PACKAGE / "experiments", PACKAGE, PACKAGE / "engine"):
        for path in sorted(folder.glob("*.py")):
            if path.stem not in {"__init__", "__main__"}:
                out[path.stem] = path
    return out


MODULES = _module_files()
ENGINE = {p.stem for p in (PACKAGE / "engine").glob("*.py")} - {"__init__"}


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [n for e in node.elts for n in _targets(e)]
    return []


def _body_names(body: list[ast.stmt]) -> dict[str, ast.AST]:
    """Names a module or class body defines: functions, classes, assignments, annotations."""
    out: dict[str, ast.AST] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out[node.name] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                out.update({n: node for n in _targets(t)})
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            out.update({n: node for n in _targets(node.target)})
        elif isinstance(node, ast.If | ast.Try | ast.With):  # names defined under a guard
            for part in ("body", "orelse", "finalbody"):
                out.update(_body_names(getattr(node, part, []) or []))
    return out


@cache
def defined(module: str) -> dict[str, ast.AST]:
    """Top-level names defined (not imported) in a module of the package."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    return _body_names(tree.body)


@cache
def classes() -> dict[str, list[ast.ClassDef]]:
    """Class name -> its definitions anywhere in the package."""
    out: dict[str, list[ast.ClassDef]] = {}
    for m in MODULES:
        for name, node in defined(m).items():
            if isinstance(node, ast.ClassDef):
                out.setdefault(name, []).append(node)
    return out


def class_names(node: ast.ClassDef) -> dict[str, ast.AST]:
    """A class's attributes, fields and methods, and what its methods set on `self`."""
    out = _body_names(node.body)
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assign | ast.AnnAssign):
            for t in sub.targets if isinstance(sub, ast.Assign) else [sub.target]:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                    out.setdefault(t.attr, sub)
    return out


def _records() -> dict[str, tuple[str, ...]]:
    """The first word of a variable's path -> the fields it may name."""
    hints = typing.get_type_hints(state_module.State)
    out = {name: tuple(hints[name]._fields) for name in state_module.RECORDS}
    out["state"] = tuple(f.name for f in dataclasses.fields(state_module.State))
    out["facts"] = spec_module.Facts._fields
    out["params"] = Params._fields
    return out


RECORDS = _records()


def _strings(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and re.fullmatch(IDENT, n.value)}


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@cache
def vocabulary() -> set[str]:
    """Every name a bare `snake_case` span may be: names of the code, strings the code uses,
    scenario keys, schema values, parameters and powers."""
    words = set(PARAMETERS) | set(POWERS)
    for m in MODULES:
        words |= set(defined(m))
        words |= _strings(MODULES[m])
        words |= {a for name, node in defined(m).items()
                  if isinstance(node, ast.FunctionDef) and not name.startswith("_") for a in _parameters(node)}
    for nodes in classes().values():
        for node in nodes:
            words |= set(class_names(node))
    for fields in RECORDS.values():
        words |= set(fields)
    for name in dir(schema):
        obj = getattr(schema, name)
        if typing.get_origin(obj) is typing.Literal:
            words |= {str(v) for v in typing.get_args(obj)}
    for path in (PACKAGE / "scenarios").glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        words |= _keys(data)
        words |= {str(e.get("kind")) for e in data.get("events", [])}
        words |= {str(p.get("kind")) for p in data.get("patterns", [])}
    return words


# ------------------------------------------------------------------ resolving one name


def _in_class(name: str, attr: str) -> bool:
    return any(attr in class_names(node) for node in classes().get(name, []))


def _function(node: ast.AST | None) -> ast.FunctionDef | None:
    return node if isinstance(node, ast.FunctionDef) else None


def _lookup(parts: list[str]) -> tuple[bool, ast.AST | None]:
    """Whether a dotted name exists, and its definition when it is one."""
    head, rest = parts[0], parts[1:]
    found: list[ast.AST | None] = []
    if head in MODULES and rest:
        node = defined(head).get(rest[0])
        if node is not None:
            if len(rest) == 1:
                return True, node
            if isinstance(node, ast.ClassDef) and len(rest) == 2 and rest[1] in class_names(node):
                return True, class_names(node)[rest[1]]
    if head in RECORDS and len(rest) == 1 and rest[0] in RECORDS[head]:
        found.append(None)
    if head == "parameters" and len(rest) == 1 and rest[0] in PARAMETERS:
        found.append(None)
    if head in classes() and len(rest) == 1 and _in_class(head, rest[0]):
        node = next(class_names(n)[rest[0]] for n in classes()[head] if rest[0] in class_names(n))
        return True, node
    if not rest:
        for m in sorted(MODULES, key=lambda m: (m not in ENGINE, m)):
            if head in defined(m):
                return True, defined(m)[head]
    return bool(found), None


def _parameters(fn: ast.FunctionDef) -> set[str]:
    a = fn.args
    return {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]}


def check(span: str) -> str | None:
    """"ok" if `span` is a code name that exists, None if it is no code name, else what is
    wrong with it."""
    name = span.removeprefix("politburo.")
    call = re.fullmatch(rf"({IDENT}(?:\.{IDENT})*)\((.*)\)", name)
    args = None
    if call:
        name, args = call.group(1), call.group(2)
    name = re.sub(r"\[[^\]]*\]$", "", name)  # `Streams.reps[run]`
    if not re.fullmatch(rf"{IDENT}(?:\.{IDENT})*", name) or len(name) == 1:
        return None
    parts = name.split(".")
    if len(parts) > 1:
        head = parts[0]
        if parts[-1] in FILE_TYPES:
            return None  # a file name (`votes.parquet`)
        if len(parts) > 2 and head in KEY_TABLES and (head not in MODULES or parts[1] not in defined(head)):
            return None  # a scenario key path (`leaders.stalin.network`, `documents.testament.forced_release`)
        if not (head in MODULES or head in RECORDS or head in classes() or head == "parameters"):
            return None  # not one of ours (`np.clip`)
    elif name.startswith("_"):
        return "ok" if any(name in defined(m) for m in ENGINE) else "no such kernel or function in the engine"
    elif not (name[0].isupper() or call):
        if "_" not in name or re.search(r"_[a-z]$", name) or name in FORMULA_SYMBOLS:
            return None  # a plain word, or a subscripted symbol of a formula (`drive_t`, `w_r`)
        return "ok" if name in vocabulary() else "no such name in the code"
    ok, node = _lookup(parts)
    if not ok and len(parts) == 1 and call:
        return None  # arithmetic (`clip(...)`, `max(...)`), not code
    if not ok:
        return "no such name in the code"
    fn = _function(node)
    if args is not None and fn is not None:
        wrong = []
        for arg in (a.strip() for a in args.split(",")):
            word = re.fullmatch(rf"({IDENT})\s*(?:=.*)?", arg)
            if word and word.group(1) not in _parameters(fn):
                wrong.append(word.group(1))
        if wrong:
            return f"{name} has no parameter {', '.join(wrong)}"
    return "ok"


# ------------------------------------------------------------------ reading the document


def spans(text: str) -> list[tuple[int, str]]:
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in re.finditer(r"`([^`\n]+)`", text)]


def _section(text: str, heading: str) -> str:
    start = text.find(heading)
    if start < 0:
        return ""
    end = text.find("\n### ", start + len(heading))
    return text[start:end if end >= 0 else len(text)]


def table_problems(text: str) -> list[tuple[str, str]]:
    """The first column of the state variable tables names fields of records."""
    bad = []
    for row in re.findall(r"^\| ([^|]+) \|", _section(text, "### State variables"), re.MULTILINE):
        for span in re.findall(r"`([^`]+)`", row):
            parts = span.split(".")
            if len(parts) == 2 and parts[0] in RECORDS:
                ok = parts[1] in RECORDS[parts[0]]
            else:
                ok = len(parts) == 1 and any(span in f for f in RECORDS.values())
            if not ok:
                bad.append((span, "no such field of a record"))
    return bad


def list_problems(text: str) -> list[tuple[str, str]]:
    """The names after **Parameters:** and **Powers:**, and in the table of powers, are
    parameters and powers."""
    bad = []
    for kind, known in (("Parameters", PARAMETERS), ("Powers", POWERS)):
        for m in re.finditer(rf"\*\*{kind}:\*\*(.*?)(?:\*\*|\n\n|\Z)", text, re.DOTALL):
            bad += [(name, f"no such {kind.lower()[:-1]}") for name in re.findall(r"`(\w+)`", m.group(1))
                    if name not in known]
    for row in re.findall(r"^\| ((?:`\w+`(?:, )?)+) \|", _section(text, "### 7.16"), re.MULTILINE):
        bad += [(name, "no such power") for name in re.findall(r"`(\w+)`", row) if name not in POWERS]
    return bad


def problems(text: str) -> list[str]:
    """Every stale name in a text of docs/model.md, one line each (each name once)."""
    found: dict[str, str] = {}
    for line, span in spans(text):
        why = check(span)
        if why not in (None, "ok"):
            found.setdefault(span, f"line {line}: `{span}`: {why}")
    for span, why in table_problems(text) + list_problems(text):
        found.setdefault(span, f"`{span}`: {why}")
    return list(found.values())


# ------------------------------------------------------------------ the tests


def test_every_code_name_in_the_model_document_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    checked = sum(1 for _, s in spans(text) if check(s) == "ok")
    assert checked > 150  # the document's names were read
    bad = problems(text)
    assert not bad, "docs/model.md names what the code does not have:\n" + "\n".join(bad)


def test_the_state_tables_give_each_variable_its_path() -> None:
    """Each state variable is written as its record path (`leaders.prestige`), and every field
    of every record is in the tables."""
    section = _section(DOC.read_text(encoding="utf-8"), "### State variables")
    written = set(re.findall(r"^\| `[^|]+", section, re.MULTILINE))
    paths = {p for row in written for p in re.findall(r"`([^`]+)`", row)}
    assert all("." in p for p in paths), sorted(p for p in paths if "." not in p)
    missing = [f"{record}.{f}" for record in state_module.RECORDS for f in RECORDS[record]
               if f"{record}.{f}" not in paths]
    assert not missing, f"not in the state tables of docs/model.md: {missing}"


@pytest.mark.parametrize("span", [
    "world._shift_month", "step._front_kernel", "_lean_fused", "policy.next_rung", "step.record",
    "state.initial_state", "doc_released", "office_patron", "step(spec, state, rng, log, series, override)",
    "leaders.office_lost", "world.world",
])
def test_the_check_finds_a_stale_name(span: str) -> None:
    """Names the document used before the engine's records and public entries."""
    assert check(span) not in (None, "ok")


@pytest.mark.parametrize("span", [
    "world.change_line", "offices.lost", "documents.force", "documents.publish", "bodies.committee",
    "players.Players.override", "Streams.reps[run]", "politburo.fidelity.fidelity", "parameters.insight",
    "leaders.stalin.network", "run_batch(spec, seed, replicates)", "clip(10 · benefit, −1, 1)",
    "votes.parquet", "win_rate", "drive_t", "State", "_noisy_argmax",
])
def test_the_check_accepts_a_name_that_exists(span: str) -> None:
    assert check(span) in (None, "ok")


def test_the_check_reads_the_tables_and_lists() -> None:
    text = ("### State variables\n\n| variable | shape | meaning |\n|---|---|---|\n"
            "| `office_lost` | (B, O) | x |\n| `leaders.prestige` | (B, L) | x |\n\n### Next\n\n"
            "**Parameters:** `shift_step`, `shift_month`. **Powers:** `army`, `navy`.\n")
    assert sorted(table_problems(text) + list_problems(text)) == [
        ("navy", "no such power"), ("office_lost", "no such field of a record"),
        ("shift_month", "no such parameter")]


def test_a_defined_name_is_not_an_imported_one() -> None:
    """`policy.py` imports `next_rung` from `ladder.py`; only the latter defines it."""
    assert "next_rung" in defined("ladder") and "next_rung" not in defined("policy")
