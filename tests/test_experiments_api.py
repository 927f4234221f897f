"""The experiments as library functions (`politburo.explain`, `whatif`, `inevitability`,
`claims`): typed results whose `to_dict()` is what the command prints with `--json`, bad input
refused with one ScenarioError before anything runs, and the notice while the engine compiles.

Sizes are tiny (the tutorial scenario, tens of replicates, one worker): these check the plumbing,
not the statistics (tests/test_experiments.py and tests/test_verdicts.py do that).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import politburo
from politburo import ScenarioError
from politburo.cli import app
from politburo.experiments import library as lib
from politburo.loader import read_scenario

runner = CliRunner()
SMALL = {"replicates": 24, "workers": 1}
CLAIMS = """title = "Tutorial claims"
scenario = "tutorial"

[[claims]]
id = "appointments"
text = "Without appointments the main contender would not have won."
factors_off = ["appointments"]
expect = "lower"

[[claims]]
id = "position"
text = "Position was the main reason."
kind = "main_reason"
player = "position"
"""


def cli_json(*args: str) -> Any:
    res = runner.invoke(app, list(args), env={"COLUMNS": "160"})
    assert res.exit_code == 0, (res.stdout, res.stderr)
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def in_unit(x: float | None) -> bool:
    return x is not None and -1e-9 <= x <= 1 + 1e-9


# ------------------------------------------------------------------ the four functions


def test_the_package_exports_the_functions_lazily() -> None:
    assert politburo.explain is lib.explain and politburo.whatif is lib.whatif
    assert politburo.inevitability is lib.inevitability and politburo.claims is lib.claims
    assert politburo.ExplainResult is lib.ExplainResult
    code = ("import sys, politburo\n"
            "politburo.explain, politburo.claims, politburo.WhatifResult\n"
            "print('numba' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "False", proc.stderr


def test_explain(store: Path) -> None:
    stages: list[lib.Stage] = []
    seen: list[int] = []

    @contextmanager
    def watch(stage: lib.Stage) -> Iterator[Callable[[int], None]]:
        stages.append(stage)
        yield seen.append

    done: list[int] = []
    res = politburo.explain("tutorial", store=store, progress=done.append, watch=watch, **SMALL)
    assert isinstance(res, lib.ExplainResult)
    assert (res.kind, res.scenario, res.level, res.seed, res.replicates) == ("explain", "tutorial", "groups", 0, 24)
    assert (res.outcome, res.world, res.uncertainty) == ("win", {}, None)
    _, raw = read_scenario("tutorial")
    groups = {f["group"] for f in raw["factors"].values()}
    assert res.runs == 2 ** len(groups) * 24 and len(res.players) == len(groups)
    assert sorted(res.ranking) == sorted(p.id for p in res.players) and res.top == res.ranking[0]
    assert res.exact and all(in_unit(x) for x in (res.all_on.mean, res.all_off.mean))
    assert sum(p.shapley.mean for p in res.players) == pytest.approx(res.advantage.mean, abs=1e-5)
    for p in res.players:
        assert p.shapley.low <= p.shapley.mean <= p.shapley.high
        assert p.shapley.half == pytest.approx((p.shapley.high - p.shapley.low) / 2, abs=1e-5)
    assert res.player(res.top).label in res.verdict or "no factor can be credited" in res.verdict
    assert res.coalitions is not None and len(res.coalitions) == 2 ** len(groups)
    # progress: every run once, through the plain callback and the stage's
    assert [(s.label, s.experiment.id, s.runs, s.reused) for s in stages] == [("Explain", res.experiment, res.runs, 0)]
    assert sum(done) == sum(seen) == res.runs
    # the command prints the same result (from the store), and the dict reads back
    assert cli_json("explain", "-s", "tutorial", "-n", "24", "--workers", "1", "--store", str(store), "--json") \
        == res.to_dict()
    assert lib.result_from_dict(res.to_dict()) == res
    # a second call reuses every run
    again = politburo.explain("tutorial", store=str(store), watch=watch, **SMALL)
    assert again == res and stages[-1].reused == res.runs


def test_explain_with_uncertainty_and_a_scenario_given_as_data(store: Path) -> None:
    _, raw = read_scenario("tutorial")
    res = politburo.explain(raw, uncertainty=2, draws_from="prior", set={"parameters.insight": 0.5}, store=store,
                            **SMALL)
    assert res.world == {"parameters.insight": 0.5}
    unc = res.uncertainty
    assert isinstance(unc, lib.UncertaintyResult) and unc.draws == 2 and unc.replicates == 6
    assert unc.draws_from == lib.DrawSource("prior", "uniform priors")
    assert all(0 <= p.main_reason_in <= 1 for p in unc.players) and unc.sensitivity == ()  # under 10 draws
    assert res.to_dict()["uncertainty"] == unc.to_dict()
    same = cli_json("explain", "-s", "tutorial", "-n", "24", "--workers", "1", "--store", str(store),
                    "--uncertainty", "2", "--prior", "--set", "parameters.insight=0.5", "--json")
    assert same == res.to_dict()


def test_whatif(store: Path) -> None:
    res = politburo.whatif(["appointments"], scenario="tutorial", store=store, **SMALL)
    assert isinstance(res, lib.WhatifResult) and res.runs == 2 * 24
    assert res.counterfactual == lib.Counterfactual("appointments=off", ("appointments",), {})
    _, raw = read_scenario("tutorial")
    assert [x.id for x in res.leaders] == [x["id"] for x in raw["leaders"]] + [None]
    assert sum(x.chance.baseline.mean for x in res.leaders) == pytest.approx(1.0, abs=1e-5)
    eff = res.effect
    assert eff.difference.mean == pytest.approx(eff.counterfactual.mean - eff.baseline.mean, abs=1e-5)
    assert sum(y.baseline for y in res.victory_years) <= 1 + 1e-9
    assert cli_json("whatif", "--factor", "appointments=off", "-s", "tutorial", "-n", "24", "--workers", "1",
                    "--store", str(store), "--json") == res.to_dict()
    # the counterfactual as values, the world as PATH=VALUE strings
    sets = politburo.whatif(set={"parameters.insight": 1.0}, world=["parameters.insight=0.5"], scenario="tutorial",
                            store=store, **SMALL)
    assert sets.counterfactual.set == {"parameters.insight": 1.0} and sets.world == {"parameters.insight": 0.5}


def test_inevitability(store: Path) -> None:
    res = politburo.inevitability("tutorial", replicates=8, futures=2, every=6, threshold=0.8, workers=1,
                                  store=store)
    assert isinstance(res, lib.InevitabilityResult)
    assert (res.futures, res.every, res.threshold) == (2, 6, 0.8)
    months = [c.month for c in res.curve]
    assert months == sorted(months) and all(m % 6 == 0 for m in months)
    assert all(in_unit(c.probability.mean) for c in res.curve) and in_unit(res.final.mean)
    assert cli_json("inevitability", "-s", "tutorial", "-n", "8", "--futures", "2", "--every", "6",
                    "--threshold", "0.8", "--workers", "1", "--store", str(store), "--json") == res.to_dict()


def test_claims(store: Path, tmp_path: Path) -> None:
    file = tmp_path / "claims.toml"
    file.write_text(CLAIMS, encoding="utf-8")
    res = politburo.claims(file, store=store, **SMALL)
    assert isinstance(res, lib.ClaimsResult) and res.scenario == "tutorial" and res.title == "Tutorial claims"
    assert [c.id for c in res.claims] == ["appointments", "position"]
    effect, main = res.claims
    assert effect.kind == "effect" and effect.difference is not None and effect.attribution is None
    assert main.kind == "main_reason" and main.attribution is not None and main.difference is None
    verdicts = ("supported", "contradicted", "not distinguishable from chance")
    assert all(c.verdict in verdicts for c in res.claims)
    assert res.supported + res.contradicted + res.unclear == 2
    assert cli_json("claims", str(file), "-n", "24", "--workers", "1", "--store", str(store), "--json") \
        == res.to_dict()


def test_report_extras_and_a_report_of_a_typed_result(store: Path) -> None:
    res = politburo.whatif(["appointments"], scenario="tutorial", store=store, **SMALL)
    extra = lib.report_extras(res, store=store, workers=1, ensemble_runs=20, replicates=10)
    assert set(extra) == {"sample_run", "ensemble", "explain", "inevitability"}
    assert extra["ensemble"]["runs"] == 20 and extra["explain"]["replicates"] == 10
    from politburo import report

    assert report.render_report(res, extra) == report.render_report(res.to_dict(), extra)  # reports only render
    with pytest.raises(ScenarioError, match="inputs"):
        lib.report_extras(lib.result_from_dict(res.to_dict()), store=store)


# ------------------------------------------------------------------ bad input


BAD: list[tuple[Callable[..., Any], dict[str, Any], str, str]] = [
    (politburo.explain, {"replicates": 0}, "--replicates", "positive integer"),
    (politburo.explain, {"replicates": 2.5}, "--replicates", "positive integer"),
    (politburo.explain, {"level": "players"}, "--level", "unknown level"),
    (politburo.explain, {"seed": -1}, "--seed", "between 0 and 2**63-1"),
    (politburo.explain, {"seed": "1"}, "--seed", "between 0 and 2**63-1"),
    (politburo.explain, {"outcome": "lose"}, "--outcome", "unknown outcome"),
    (politburo.explain, {"target": "nobody"}, "--target", "unknown leader"),
    (politburo.explain, {"uncertainty": -2}, "--uncertainty", "positive integer"),
    (politburo.explain, {"uncertainty": 2}, "--uncertainty", "no plausible worlds to draw from"),
    (politburo.explain, {"uncertainty": 2, "draws_from": "posterior"}, "--prior", "'worlds' or 'prior'"),
    (politburo.explain, {"draws_from": "prior"}, "--prior", "only with --uncertainty"),
    (politburo.explain, {"set": ["parameters.nope=1"]}, "--set", "parameters.nope"),
    (politburo.explain, {"set": "parameters.insight=1"}, "--set", "PATH=VALUE strings"),
    (politburo.explain, {"scenario": "no-such-scenario"}, "--scenario", "unknown scenario"),
    (politburo.explain, {"scenario": 42}, "--scenario", "not int"),
    (politburo.explain, {"backend": "cloud"}, "--backend", "unknown backend"),
    (politburo.explain, {"workers": 0}, "--workers", "positive integer"),
    (politburo.explain, {"backend": "dask"}, "--scheduler", "needs --scheduler"),
    (politburo.whatif, {}, "whatif", "give a counterfactual"),
    (politburo.whatif, {"factors_off": ["nope"]}, "--factor", "unknown factor"),
    (politburo.whatif, {"factors_off": "appointments"}, "--factor", "as a list"),
    (politburo.whatif, {"factors_off": ["appointments"], "world": {"parameters.insight": "x"}}, "--world", ""),
    (politburo.inevitability, {"threshold": 1.0}, "--threshold", "between 0 and 1"),
    (politburo.inevitability, {"futures": 0}, "--futures", "positive integer"),
    (politburo.inevitability, {"every": True}, "--every", "positive integer"),
    (politburo.claims, {"file": "no/such/claims.toml"}, "no/such/claims.toml", "no such claims file"),
]


@pytest.mark.parametrize(("function", "kwargs", "where", "problem"), BAD,
                         ids=[f"{f.__name__}-{'-'.join(k)}-{i}" for i, (f, k, _, _) in enumerate(BAD)])
def test_bad_input_is_one_error_before_anything_runs(function: Callable[..., Any], kwargs: dict[str, Any],
                                                      where: str, problem: str, tmp_path: Path) -> None:
    args = {"scenario": "tutorial", "store": tmp_path / "store", **kwargs}
    if function is politburo.claims:
        args.pop("scenario")
    with pytest.raises(ScenarioError) as info:
        function(**args)
    assert info.value.where == where, info.value
    assert problem in "; ".join(info.value.problems), info.value
    assert not (tmp_path / "store").exists()  # nothing stored


def test_an_unwritable_store_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ScenarioError) as info:
        politburo.explain("tutorial", store=blocker / "store", **SMALL)
    assert info.value.where == "--store"


# ------------------------------------------------------------------ the engine's first compile


def test_the_compile_notice_on_a_terminal_is_a_spinner_on_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from politburo import api, cli_app
    from politburo.engine import jit

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    monkeypatch.setattr(jit, "cache_dir", lambda: tmp_path)  # an empty kernel folder: compile needed
    monkeypatch.setattr(api._Engine, "compiled", False)
    monkeypatch.setattr(sys, "stderr", tty)
    monkeypatch.setattr(cli_app.err, "is_interactive", True)  # as it is when started on a terminal
    with cli_app.compiling():
        time.sleep(0.3)
    assert cli_app.COMPILING in tty.getvalue()
    assert capsys.readouterr().out == ""
    # compiled now: no notice a second time
    tty.seek(0)
    tty.truncate()
    with cli_app.compiling():
        pass
    assert tty.getvalue() == ""


@pytest.mark.slow
def test_the_compile_notice_in_a_log_is_one_plain_line(tmp_path: Path) -> None:
    """A fresh kernel cache, stderr a pipe: one plain line while the engine compiles, then the
    run's JSON alone on stdout; the second run finds the kernels compiled and says nothing."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("POLITBURO_", "_POLITBURO_", "NUMBA_"))},
           "POLITBURO_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(Path(politburo.__file__).parents[1])}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "politburo", "run", "-s", "tutorial", "--seed", "1", "--json"],
                              check=False, capture_output=True, text=True, env=env, timeout=900, cwd=tmp_path)

    first = run()
    assert first.returncode == 0, first.stderr
    assert first.stderr == "politburo: compiling the simulation engine, first run only (a minute or two)…\n"
    assert json.loads(first.stdout)["seed"] == 1
    second = run()
    assert (second.returncode, second.stderr, second.stdout) == (0, "", first.stdout)
