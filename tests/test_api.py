"""The library's entry points for one run: `simulate`, with and without policies playing
leaders (the policy interface of `politburo.engine.players`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import politburo
from politburo.api import Action, IllegalAction, Observation, Policy, UtilityPolicy
from politburo.engine.policy import ACTIONS


def _same_run(a: Any, b: Any) -> None:
    assert a.winner == b.winner and a.victory_month == b.victory_month
    assert a.chronicle == b.chronicle and a.votes == b.votes and a.fates == b.fates
    for k, v in a.series.items():
        assert np.array_equal(v, b.series[k]), k


@pytest.mark.parametrize("scenario, seed", [("soviet-1924", 11), ("tutorial", 2)])
def test_the_built_in_policy_as_a_player_reproduces_the_model_bit_for_bit(scenario: str, seed: int) -> None:
    alone = politburo.simulate(scenario, seed=seed)
    ids = politburo.load_scenario(scenario).leaders
    played = politburo.simulate(scenario, seed=seed, policies={ld.id: UtilityPolicy() for ld in ids})
    _same_run(alone, played)
    assert isinstance(UtilityPolicy(), Policy)


class Script:
    """Lie low whenever he can; bring a motion against his target when one is open."""

    def __init__(self) -> None:
        self.seen: list[Observation] = []

    def act(self, obs: Observation) -> Action:
        self.seen.append(obs)
        if obs.target and Action("motion", obs.target) in obs.legal:
            return Action("motion", obs.target)
        return Action("lie_low")


def test_a_scripted_policy_plays_a_whole_run() -> None:
    script = Script()
    res = politburo.simulate("soviet-1924", seed=3, policies={"trotsky": script})
    months = [o.month for o in script.seen]
    assert months == list(range(len(months))) and len(months) >= 24  # every month until the run is decided
    last = res.victory_month if res.victory_month is not None else res.spec.months - 1
    assert months[-1] == last
    # he never attacks in public, organises, shifts, recants or publishes: only lies low or moves
    trotsky = res.spec.leader_names[[ld.id for ld in politburo.load_scenario().leaders].index("trotsky")]
    own = [text for _, _, text in res.chronicle if text.startswith(trotsky + " ")]
    words = ("opens a public polemic", "recants", "organises a faction", " published;", "moves")
    assert not [text for text in own if any(w in text for w in words)]
    # (a document is moved by whoever gains most from it: not a choice of his policy)
    moved = {v["month"] for v in res.votes if v["proposer"] == trotsky and v["motion"] != "read_document"}
    wanted = {o.month for o in script.seen if o.target and Action("motion", o.target) in o.legal}
    assert moved and moved <= wanted
    # his choices changed the run: it is not the model's own
    assert res.chronicle != politburo.simulate("soviet-1924", seed=3).chronicle


def test_an_observation_shows_perceived_not_actual_power() -> None:
    script = Script()
    res = politburo.simulate("soviet-1924", seed=5, policies={"zinoviev": script})
    actual = res.series["actual_power"]  # (T, L)
    ids = [ld.id for ld in politburo.load_scenario().leaders]
    me = ids.index("zinoviev")
    gaps = []
    for o in script.seen:
        for k, who in enumerate(ids):
            seen, true = o.perceived_power[who], actual[o.month, k]
            assert seen <= true + 1e-12, (o.month, who)  # insight only hides apparatus power
            if k == me:
                assert seen == pytest.approx(true)
            gaps.append(true - seen)
        assert set(o.prestige) == set(ids) and o.leader == "zinoviev"
        assert Action("lie_low") in o.legal and o.model_choice in o.legal
        assert all(a.kind in ACTIONS for a in o.legal)
    assert max(gaps) > 0.01  # he underrates someone's apparatus at some point
    assert any(o.votes for o in script.seen[-12:])  # the recorded votes are public


def test_an_illegal_action_is_a_clear_error() -> None:
    with pytest.raises(IllegalAction, match=r"^stalin cannot publish in January 1924; open to him: lie_low"):
        politburo.simulate("soviet-1924", seed=1, policies={"stalin": lambda obs: Action("publish")})


def test_a_policy_for_an_unknown_leader_is_a_scenario_error() -> None:
    with pytest.raises(politburo.ScenarioError, match="no leader 'lenin' in the scenario; leaders are stalin"):
        politburo.simulate("soviet-1924", policies={"lenin": UtilityPolicy()})


def test_a_policy_must_return_an_action() -> None:
    with pytest.raises(IllegalAction, match=r"^the policy of trotsky returned 'polemic' in January 1924, not an Action$"):
        politburo.simulate("soviet-1924", seed=1, policies={"trotsky": lambda obs: "polemic"})


def test_policies_must_be_a_mapping() -> None:
    with pytest.raises(politburo.ScenarioError, match="must map leader ids to policies"):
        politburo.simulate("soviet-1924", policies=[("trotsky", UtilityPolicy())])  # type: ignore[arg-type]


def test_a_library_call_says_once_when_it_must_compile_the_engine(tmp_path: Any, monkeypatch: Any) -> None:
    """With no compiled kernel in the cache folder, the first library call warns that it compiles
    (a CompileNotice); later calls in the same process, or a warm cache, say nothing."""
    from politburo import api
    from politburo.engine import jit

    monkeypatch.setattr(api._Engine, "compiled", False)
    monkeypatch.setattr(jit, "cache_dir", lambda: tmp_path)
    assert api.engine_needs_compiling() == (True, True)
    with pytest.warns(api.CompileNotice, match="compiling the simulation engine, first run only"):
        api._notice_compile()
    assert api.engine_needs_compiling() == (False, True)
    monkeypatch.setattr(api._Engine, "compiled", False)
    (tmp_path / "common.pw_sum-1.py311.nbi").write_bytes(b"")
    assert api.engine_needs_compiling() == (False, True)
