"""Load, override and validate scenarios; every problem becomes one line with its key path."""

from __future__ import annotations

import copy
import sys
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from politburo.schema import Scenario, cross_check


class ScenarioError(ValueError):
    """A problem with a scenario, an override or a factor; `where` names the file or option."""

    def __init__(self, where: str, problems: list[str]):
        self.where = where
        self.problems = problems
        super().__init__(f"{where}: " + "; ".join(problems))


def builtin_names() -> list[str]:
    folder = resources.files("politburo") / "scenarios"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _is_file(name_or_path: str) -> bool:
    """Whether a scenario named on the command line is a file (else a built-in name)."""
    return name_or_path.endswith(".toml") or Path(name_or_path).exists()


def scenario_folder(name_or_path: str) -> Traversable:
    """The folder a scenario's own files (its plausible worlds) are read from: the folder of its
    TOML file, or the package's scenarios folder for a built-in name."""
    if _is_file(name_or_path):
        return Path(name_or_path).parent
    return resources.files("politburo") / "scenarios"


def _read(name_or_path: str) -> tuple[str, dict[str, Any]]:
    path = Path(name_or_path)
    if _is_file(name_or_path):
        if not path.is_file():
            raise ScenarioError(name_or_path, ["no such file"])
        text, where = path.read_text(encoding="utf-8"), str(path)
    else:
        if name_or_path not in builtin_names():
            known = ", ".join(builtin_names())
            raise ScenarioError("--scenario", [f"unknown scenario {name_or_path!r} (built-in: {known})"])
        res = resources.files("politburo") / "scenarios" / f"{name_or_path}.toml"
        text, where = res.read_text(encoding="utf-8"), name_or_path
    return where, read_toml(text, where)


_TOO_MANY_DIGITS = f"integer has more than {sys.get_int_max_str_digits()} digits"


def _oversized(value: Any, path: str = "") -> str | None:
    """The key path (list items by id, as in messages) of the first integer in `value` too long
    to be written in decimal (over Python's int-string conversion limit), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            str(value)
        except ValueError:
            return path
    elif isinstance(value, dict):
        for k, v in value.items():
            found = _oversized(v, f"{path}.{k}" if path else str(k))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            label = v.get("id") if isinstance(v, dict) and isinstance(v.get("id"), str) else i
            found = _oversized(v, f"{path}[{label}]")
            if found is not None:
                return found
    return None


def _shown(value: Any) -> str:
    """A value for a message: an integer too long to print whole by its number of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and not -10**30 < value < 10**30:
        try:
            return f"an integer of {len(str(abs(value)))} digits"
        except ValueError:
            return f"an integer of more than {sys.get_int_max_str_digits()} digits"
    return str(value)


def _message(err: Any, unknown_key: bool = True) -> str:
    """A pydantic error's message, in the loader's words ("unknown key" for an extra key, unless
    `unknown_key` is false)."""
    value = err.get("input")
    if err["type"] == "finite_number" or (err["type"] == "float_type" and isinstance(value, int)
                                          and not isinstance(value, bool)):
        return f"must be a finite number, not {_shown(value)}"
    if err["type"] == "bool_type":
        return f"needs true or false, not {_shown(value)}"
    msg = err["msg"].removeprefix("Value error, ")
    return msg.replace("Extra inputs are not permitted", "unknown key") if unknown_key else msg


def _toml_problem(exc: BaseException) -> str:
    """What an exception of tomllib other than TOMLDecodeError means, with the value's kind."""
    if isinstance(exc, RecursionError):
        return "value nested too deeply"
    if "integer string conversion" in str(exc):  # a plain ValueError, from int()
        return _TOO_MANY_DIGITS
    return f"value not readable ({exc})"


def read_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML text; anything the parser raises becomes a ScenarioError "not valid TOML: ..."
    for `where` (a file name or option), naming the line where the parser stopped.

    Besides TOMLDecodeError, tomllib raises a plain ValueError for an integer literal longer
    than Python's int-string conversion limit (4300 digits by default) and RecursionError for
    arrays or tables nested too deeply; neither says where. The line is found by bisection on
    the number of lines parsed: a prefix of the text fails the same way exactly when it holds
    the offending value (the parser reads in order and stops at the first problem)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(where, [f"not valid TOML: {exc}"]) from None
    except (ValueError, RecursionError) as exc:
        first: BaseException = exc
    else:
        path = _oversized(data)
        if path is not None:  # a hexadecimal, octal or binary literal is read whatever its length
            raise ScenarioError(where, [f"{path or '(top level)'}: {_TOO_MANY_DIGITS}"])
        return data
    lines = text.splitlines(keepends=True)
    lo, hi = 0, len(lines)  # the first `hi` lines fail this way, the first `lo` do not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            tomllib.loads("".join(lines[:mid]))
            failed = False
        except tomllib.TOMLDecodeError:
            failed = False
        except (ValueError, RecursionError) as exc:
            failed = type(exc) is type(first)
        lo, hi = (lo, mid) if failed else (mid, hi)
    what, _, problem = _toml_problem(first).partition(" ")
    raise ScenarioError(where, [f"not valid TOML: {what} at line {hi} {problem}"])


def _loc(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into a key path, naming list items by their id."""
    parts: list[str] = []
    node: Any = raw
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            label = item.get("id") if isinstance(item, dict) else None
            parts[-1] += f"[{label if label is not None else key}]"
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def validate(raw: dict[str, Any], where: str) -> Scenario:
    """Validate raw scenario data; every problem found is reported at once, with its key path."""
    problems: list[str] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            msg = _message(err)
            problems.append(f"{_loc(raw, tuple(err['loc']))}: {msg}" if err["loc"] else msg)
    problems += cross_check(raw)
    problems += _factor_problems(raw, check_values=scenario is not None)
    if problems or scenario is None:
        raise ScenarioError(where, list(dict.fromkeys(problems)))
    return scenario


def _resolve(raw: dict[str, Any], path: str) -> tuple[Any, Any]:
    """Find the container and key that `path` (dots; list items by id) names in `raw`."""
    keys = path.split(".")
    node: Any = raw
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, dict):
            if key not in node and not (last and "id" in node):
                raise KeyError(f"unknown key {key!r} in {'.'.join(keys[:i]) or 'the scenario'}")
            if last:
                return node, key
            node = node[key]
        elif isinstance(node, list):
            match = [x for x in node if isinstance(x, dict) and x.get("id") == key]
            if not match:
                raise KeyError(f"no item with id {key!r} in {'.'.join(keys[:i])}")
            if last:
                raise KeyError("names a whole item; name one of its fields")
            node = match[0]
        else:
            raise KeyError(f"{'.'.join(keys[:i])} has no field {key!r}")
    raise KeyError(path)


def _location(raw: dict[str, Any], path: str) -> str:
    """A key path that `_resolve` accepted, as messages spell it (list items by id in brackets):
    `regions.leningrad.members` is `regions[leningrad].members`."""
    parts: list[str] = []
    node: Any = raw
    for key in path.split("."):
        if isinstance(node, list):
            parts[-1] += f"[{key}]"
            node = next((x for x in node if isinstance(x, dict) and x.get("id") == key), None)
        else:
            parts.append(key)
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)


def _set(raw: dict[str, Any], path: str, value: Any) -> str:
    """Set a value; a bare parameter value may be written as `parameters.NAME`. Returns the
    location set, as messages spell it (`parameters.NAME.value` for the shorthand)."""
    container, key = _resolve(raw, path)
    where = _location(raw, path)
    if key not in container:  # an optional field of an item; the schema checks the name
        container[key] = value
        return where
    old = container[key]
    if isinstance(old, dict) and "value" in old and not isinstance(value, dict):
        container, key, old = old, "value", old["value"]
        where += ".value"
    if isinstance(old, bool) and not isinstance(value, bool):
        raise KeyError(f"needs true or false, not {value!r}")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(old, (int, float)) and not isinstance(old, bool) and not number:
        raise KeyError(f"needs a number, not {value!r}")
    container[key] = value
    return where


def _factor_problems(raw: dict[str, Any], check_values: bool) -> list[str]:
    """Each factor's overrides must name existing keys, and the scenario with the factor
    switched off must still be valid."""
    problems: list[str] = []
    factors = raw.get("factors")
    if not isinstance(factors, dict):
        return problems
    for name, factor in factors.items():
        sets = factor.get("set") if isinstance(factor, dict) else None
        if not isinstance(sets, dict):
            continue
        probe = copy.deepcopy(raw)
        ok = True
        for path, value in sets.items():
            try:
                _set(probe, path, value)
            except KeyError as exc:
                problems.append(f"factors.{name}.set.{path}: {exc.args[0]}")
                ok = False
        if ok and check_values:
            try:
                Scenario.model_validate(probe)
            except ValidationError as exc:
                for err in exc.errors():
                    if err["loc"]:
                        where = _loc(probe, tuple(err["loc"]))
                        problems.append(f"factors.{name}: switching it off makes {where} invalid: "
                                        f"{_message(err, False)}")
    return problems


def parse_value(text: str) -> Any:
    """Parse the VALUE of --set PATH=VALUE as a TOML value (bare words are strings).

    Raises ValueError (one line, saying why) for a value TOML cannot hold: an integer of more
    digits than Python converts (4300), or arrays nested too deeply."""
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    except (ValueError, RecursionError) as exc:
        raise ValueError(_toml_problem(exc)) from None
    if _oversized(value) is not None:
        raise ValueError(_TOO_MANY_DIGITS)
    return value


def parse_overrides(items: list[str], option: str = "--set") -> dict[str, Any]:
    """``PATH=VALUE`` strings as given on the command line, as a mapping.

    Raises ScenarioError naming `option` and the path for an item that is not PATH=VALUE or
    whose value cannot be read (see `parse_value`)."""
    pairs: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(option, [f"{item!r} is not PATH=VALUE"])
        path, text = item.split("=", 1)
        try:
            pairs[path.strip()] = parse_value(text.strip())
        except ValueError as exc:
            raise ScenarioError(option, [f"{path.strip()}: {exc}"]) from None
    return pairs


def load_scenario(
    name_or_path: str = "soviet-1924",
    overrides: dict[str, Any] | list[str] | None = None,
    factors_off: list[str] | tuple[str, ...] = (),
) -> Scenario:
    """Load a built-in scenario by name or a TOML file, apply factors switched off, then overrides.

    `overrides` maps key paths (``parameters.insight``, ``leaders.stalin.rigidity``) to values,
    or is a list of ``PATH=VALUE`` strings as given on the command line.
    """
    where, raw = _read(name_or_path)
    return load_raw(where, raw, overrides, factors_off)


def read_scenario(name_or_path: str) -> tuple[str, dict[str, Any]]:
    """The scenario's name (or file path) and its raw TOML data, validated."""
    where, raw = _read(name_or_path)
    validate(raw, where)
    return where, raw


def load_raw(
    where: str,
    raw: dict[str, Any],
    overrides: dict[str, Any] | list[str] | None = None,
    factors_off: list[str] | tuple[str, ...] = (),
) -> Scenario:
    """`load_scenario` for scenario data already read (`where` names it in messages)."""
    base = validate(raw, where)
    raw = copy.deepcopy(raw)
    if isinstance(overrides, list):
        overrides = parse_overrides(overrides)
    # Overrides define the world; factors switched off are interventions on it, applied last.
    spelt: dict[str, str] = {}  # where an override's value is checked -> its path as given
    for path, value in (overrides or {}).items():
        if _oversized(value) is not None:
            raise ScenarioError("--set", [f"{path}: {_TOO_MANY_DIGITS}"])
        try:
            spelt[_set(raw, path, value)] = path
        except KeyError as exc:
            raise ScenarioError("--set", [f"{path}: {exc.args[0]}"]) from None
    if overrides:
        try:
            validate(raw, where)
        except ScenarioError as exc:
            raise ScenarioError("--set", [_as_given(p, spelt) for p in exc.problems]) from None
    for name in factors_off:
        if name not in base.factors:
            known = ", ".join(base.factors) or "none"
            raise ScenarioError("--factor", [f"unknown factor {name!r} (known: {known})"])
        for path, value in base.factors[name].set.items():
            _set(raw, path, value)
    if factors_off:
        try:
            return validate(raw, where)
        except ScenarioError as exc:
            raise ScenarioError("--factor", exc.problems) from None
    return validate(raw, where) if overrides else base


def _as_given(problem: str, spelt: dict[str, str]) -> str:
    """A problem with an overridden value, named by the key path the override was given as."""
    loc, sep, rest = problem.partition(": ")
    return f"{spelt[loc]}{sep}{rest}" if sep and loc in spelt else problem


def _swap_refs(node: Any, a: str, b: str) -> Any:
    """`node` (any TOML value) with every string equal to leader id `a` or `b`, as a value or a
    key, made the other; a key path that names one of them (`leaders.a.network`) names the
    other."""
    def sub(s: str) -> str:
        if s in (a, b):
            return b if s == a else a
        parts = s.split(".")
        if len(parts) >= 3 and parts[0] == "leaders" and parts[1] in (a, b):
            parts[1] = b if parts[1] == a else a
            return ".".join(parts)
        return s

    if isinstance(node, dict):
        return {sub(k) if isinstance(k, str) else k: _swap_refs(v, a, b) for k, v in node.items()}
    if isinstance(node, list):
        return [_swap_refs(v, a, b) for v in node]
    return sub(node) if isinstance(node, str) else node


def swap_leaders(raw: dict[str, Any], a: str, b: str,
                 overrides: dict[str, Any] | list[str] | None = None,
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scenario data in which leaders `a` and `b` exchange everything but their id and name, with
    `overrides` changed the same way: (the data, the overrides as a mapping).

    In the list of leaders each keeps his id, name and place, and takes every other field of the
    other (offices, traits, network, prestige, positions, seats, whereabouts, source; a field one
    of them leaves out takes its default). Everywhere else (the patrons of offices and regions,
    home bases, a document's damage and removal entries, the key paths of factors and of
    overrides, patterns) a reference to one becomes a reference to the other, so that each
    leader's clients and base follow his data. A model that knows traits and positions, never
    names, gives each leader's data the same chances after the swap (docs/model.md, section 11).

    Raises ScenarioError unless `a` and `b` are two different leaders of the scenario."""
    ids = [x.get("id") for x in raw.get("leaders", []) if isinstance(x, dict)]
    for who in (a, b):
        if who not in ids:
            raise ScenarioError("swap", [f"unknown leader {who!r} (known: {', '.join(map(str, ids))})"])
    if a == b:
        raise ScenarioError("swap", [f"needs two different leaders, not {a!r} twice"])
    if isinstance(overrides, list):
        overrides = parse_overrides(overrides)
    out = {k: _swap_refs(v, a, b) if k != "leaders" else v for k, v in raw.items()}
    keep = ("id", "name")
    leaders = copy.deepcopy(raw["leaders"])
    ia, ib = ids.index(a), ids.index(b)
    la, lb = leaders[ia], leaders[ib]
    leaders[ia] = {k: la[k] for k in keep if k in la} | {k: v for k, v in lb.items() if k not in keep}
    leaders[ib] = {k: lb[k] for k in keep if k in lb} | {k: v for k, v in la.items() if k not in keep}
    out["leaders"] = leaders
    return out, _swap_refs(dict(overrides or {}), a, b)


def load_checked(raw: dict[str, Any], overrides: dict[str, Any], factors_off: tuple[str, ...] | list[str]) -> Scenario:
    """`load_raw` for changes `load_raw` has already accepted (an experiment's arms, re-built in a
    worker): applies them and builds the model without repeating the scenario's cross-checks,
    which cost ten times more than the simulation set-up they guard."""
    factors = raw.get("factors") or {}
    out = copy.deepcopy(raw)
    for path, value in overrides.items():
        _set(out, path, value)
    for name in factors_off:
        for path, value in factors[name]["set"].items():
            _set(out, path, value)
    return Scenario.model_validate(out)
