"""The engine's golden file: digests of every final state array, the event and vote logs, the
monthly records and the series of both built-in scenarios, at several seeds and batch sizes.

A restructuring of the engine must leave every digest unchanged (bit-identical results). A
change that is meant to change results regenerates the file, and its commit says why:

    python tests/test_golden.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

GOLDEN = Path(__file__).parent / "data" / "golden.json"
# (scenario, seed, batch size, first replicate, with series)
CASES = [
    ("soviet-1924", 1, 1, 0, True),
    ("soviet-1924", 1, 37, 0, True),
    ("soviet-1924", 8, 200, 100, False),
    ("tutorial", 1, 1, 0, True),
    ("tutorial", 3, 64, 0, True),
]


def _digest(a: Any) -> str:
    a = np.ascontiguousarray(np.asarray(a))
    if a.dtype.kind in "iub":
        a = a.astype(np.int64)
    elif a.dtype.kind == "f":
        a = a.astype("<f8")
    h = hashlib.sha256(str(a.shape).encode())
    h.update(a.tobytes())
    return h.hexdigest()[:24]


def state_fields(st: Any) -> dict[str, Any]:
    """Every array and scalar of a state, by name (records flattened)."""
    from dataclasses import fields, is_dataclass

    out: dict[str, Any] = {}
    items = ([(f.name, getattr(st, f.name)) for f in fields(st)] if is_dataclass(st)
             else list(st._asdict().items()))
    for name, v in items:
        if hasattr(v, "_fields"):
            out.update({f"{name}.{k}": x for k, x in v._asdict().items()})
        elif isinstance(v, (np.ndarray, int, float, bool, np.integer, np.floating, np.bool_)):
            out[name] = v
    return out


def digests() -> dict[str, dict[str, str]]:
    from politburo.compile import compile_scenario
    from politburo.engine.run import run_batch
    from politburo.loader import load_scenario

    out: dict[str, dict[str, str]] = {}
    for name, seed, B, first, series in CASES:
        spec = compile_scenario(load_scenario(name))
        res = run_batch(spec, seed, np.arange(first, first + B), series=series)
        d = {f"state.{k}": _digest(v) for k, v in state_fields(res.state).items()}
        d.update({f"event.{k}": _digest(v) for k, v in res.log.event_columns(seq=True).items()})
        d.update({f"vote.{k}": _digest(v) for k, v in res.log.vote_columns(seq=True).items()})
        for k in ("coalitions", "committee_share", "members"):
            d[k] = _digest(getattr(res, k))
        for k, v in (res.series or {}).items():
            d[f"series.{k}"] = _digest(v)
        out[f"{name} seed {seed} runs {first}..{first + B - 1}"] = dict(sorted(d.items()))
    return out


@pytest.mark.parametrize("case", [f"{n} seed {s} runs {f}..{f + b - 1}" for n, s, b, f, _ in CASES])
def test_results_match_the_golden_file(case: str) -> None:
    want = json.loads(GOLDEN.read_text())[case]
    got = _golden_cache()[case]
    changed = sorted(k for k in want if got.get(k) != want[k])
    assert not changed, f"results differ from the golden file: {', '.join(changed)}"
    assert sorted(got) == sorted(want), "the state has variables the golden file does not know (regenerate it)"


_CACHE: dict[str, dict[str, str]] = {}


def _golden_cache() -> dict[str, dict[str, str]]:
    if not _CACHE:
        _CACHE.update(digests())
    return _CACHE


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        GOLDEN.write_text(json.dumps(digests(), indent=1) + "\n")
        print(f"wrote {GOLDEN}")
    else:
        sys.exit("usage: python tests/test_golden.py --write")
