"""Measure the 17 calibration patterns of the model specification (§6: the end, the pace, who
stood with whom, fates, causes) at the default parameters of soviet-1924: the values before the
model is revised to meet them (a first, standalone measurement; `politburo fidelity` is to
report all of them).

Usage:  python calibration/measure_patterns.py [--runs 4000] [--seed 0] [--swap-runs 20000]
        [--out patterns.json]

Reads the installed package only; writes nothing but the JSON file named by --out.
One process, one core, about 80 s with compiled kernels. Month indices: 0 = January 1924 ...
83 = December 1930.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import time
from typing import Any

import numpy as np

import politburo
import politburo.engine.run as engine_run
from politburo.compile import compile_scenario
from politburo.engine import log as lg
from politburo.engine.run import run_batch
from politburo.engine.spec import POWER_INDEX
from politburo.engine.state import EXILED, RECANTED, SANCTIONS
from politburo.loader import load_raw, read_scenario

T0 = time.time()
SCEN = "soviet-1924"


def stamp(msg: str) -> None:
    print(f"[{time.time() - T0:7.1f} s] {msg}", flush=True)


def wilson(k: int, n: int) -> tuple[float, float]:
    from politburo.api import wilson as _w
    return _w(int(k), int(n))


def diff_ci(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float, float]:
    """p1 - p2, its unpaired standard error, and the 95% interval (normal approximation)."""
    p1, p2 = k1 / n1, k2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    d = p1 - p2
    return d, se, d - 1.96 * se, d + 1.96 * se


# ----------------------------------------------------------------------------- runs
def run_with_trace(spec, seed: int, runs: int, batch: int = 2000) -> dict[str, Any]:
    """run_batch over replicates 0..runs-1 (as `ensemble` does), wrapping the engine's `step` to
    record, for every month, the runs still being fought at its start and every leader's position
    on every axis before and after the month. Also keeps the event log and the state's records."""
    orig_step = engine_run.step
    out: dict[str, list] = {k: [] for k in ("winner", "victory", "defeated", "sanctions", "office_lost",
                                           "coalitions", "committee_share", "members", "live", "ideo_before",
                                           "ideo_after", "coalition_first")}
    events = []
    for start in range(0, runs, batch):
        reps = np.arange(start, min(runs, start + batch))
        live_t, before_t, after_t = [], [], []

        def traced(spec_, st, rng, log, ser=None, players=None, live_t=live_t, before_t=before_t, after_t=after_t):
            live_t.append(st.running.copy())
            before_t.append(st.leaders.ideology.copy())
            masks = orig_step(spec_, st, rng, log, ser, players)
            after_t.append(st.leaders.ideology.copy())
            return masks

        engine_run.step = traced
        try:
            res = run_batch(spec, seed, reps)
        finally:
            engine_run.step = orig_step
        rec = res.state.records
        out["winner"].append(rec.winner)
        out["victory"].append(rec.victory)
        out["defeated"].append(rec.defeated)
        out["sanctions"].append(rec.sanctions)
        out["coalition_first"].append(rec.coalition_first)
        out["office_lost"].append(res.state.offices.lost)
        out["coalitions"].append(res.coalitions)
        out["committee_share"].append(res.committee_share)
        out["members"].append(res.members)
        out["live"].append(np.stack(live_t, axis=1))  # (B, T)
        out["ideo_before"].append(np.stack(before_t, axis=1))  # (B, T, L, A)
        out["ideo_after"].append(np.stack(after_t, axis=1))
        ev = res.log.event_columns()
        ev["run"] = ev["run"] + start
        events.append(ev)
    cat = {k: np.concatenate(v) for k, v in out.items()}
    cat["events"] = {k: np.concatenate([e[k] for e in events]) for k in events[0]}
    return cat


def winners_only(spec, seed: int, runs: int, batch: int = 4000) -> np.ndarray:
    w = [run_batch(spec, seed, np.arange(s, min(runs, s + batch))).state.records.winner
         for s in range(0, runs, batch)]
    return np.concatenate(w)


# ----------------------------------------------------------------------------- swap
def swap_scenario(raw: dict[str, Any], a: str, b: str) -> tuple[dict[str, Any], list[str]]:
    """Raw scenario data in which leaders `a` and `b` exchange everything but their id and name:
    in the leaders list every other field (offices, traits, network, prestige, ideology, bureau,
    committee, away, source) is exchanged; everywhere else in the file (office patrons, regional
    patrons and home bases, the Testament's damage and removal entries, factor override paths,
    pattern fields) every reference to one id becomes a reference to the other."""
    notes: list[str] = []
    out = copy.deepcopy(raw)

    def sub(s: str) -> str:
        if s == a:
            return b
        if s == b:
            return a
        parts = s.split(".")
        if len(parts) >= 3 and parts[0] == "leaders" and parts[1] in (a, b):  # factor paths
            parts[1] = b if parts[1] == a else a
            return ".".join(parts)
        return s

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            new = {}
            for k, v in node.items():
                k2 = sub(k) if isinstance(k, str) else k
                if k2 != k:
                    notes.append(f"key {path}.{k} -> {k2}")
                new[k2] = walk(v, f"{path}.{k2}")
            return new
        if isinstance(node, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(node)]
        if isinstance(node, str):
            s2 = sub(node)
            if s2 != node:
                notes.append(f"value {path}: {node} -> {s2}")
            return s2
        return node

    leaders = out.pop("leaders")
    out = walk(out, "")
    ia = next(i for i, x in enumerate(leaders) if x["id"] == a)
    ib = next(i for i, x in enumerate(leaders) if x["id"] == b)
    la, lb = leaders[ia], leaders[ib]
    keep = ("id", "name")
    na = {k: la[k] for k in keep} | {k: v for k, v in lb.items() if k not in keep}
    nb = {k: lb[k] for k in keep} | {k: v for k, v in la.items() if k not in keep}
    leaders[ia], leaders[ib] = na, nb
    notes.append(f"leaders[{a}] fields {sorted(k for k in na if k not in keep)} now {b}'s; "
                 f"leaders[{b}] fields {sorted(k for k in nb if k not in keep)} now {a}'s")
    out["leaders"] = leaders
    # keep the original key order (leaders after scenario/axes) for readability only
    ordered = {k: out[k] for k in raw if k in out}
    return ordered, notes


# ----------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--swap-runs", type=int, default=20000, help="runs per arm of the larger swap check")
    ap.add_argument("--out", default="patterns.json")
    args = ap.parse_args()
    N, seed = args.runs, args.seed

    sc = politburo.load_scenario(SCEN)
    spec = compile_scenario(sc)
    ids = list(spec.leader_ids)
    li = {x: i for i, x in enumerate(ids)}
    S, TR, Z, K, BU, RY, TO = (li[x] for x in ("stalin", "trotsky", "zinoviev", "kamenev", "bukharin", "rykov", "tomsky"))
    m = sc.month
    T = spec.months
    stamp(f"leaders {ids}; {T} months; factors {list(sc.factors)}")

    # the library's ensemble (what `politburo fidelity` uses)
    ens = politburo.ensemble(SCEN, runs=N, seed=seed)
    stamp(f"ensemble of {N} runs done")
    # the same runs again through run_batch with a traced step (events, positions, live runs)
    tr = run_with_trace(spec, seed, N)
    stamp("traced runs done")
    for k in ("winner", "victory", "defeated", "sanctions", "office_lost", "coalitions", "committee_share", "members"):
        assert np.array_equal(getattr(ens, k), tr[k]), f"traced runs differ from ensemble in {k}"
    stamp("traced runs identical to the ensemble (winner, victory, defeated, sanctions, offices, coalitions, shares, members)")

    R: list[dict[str, Any]] = []

    def add(pid, stat, band, value, passed, detail=""):
        R.append({"id": pid, "statistic": stat, "band": band, "value": value, "passed": bool(passed), "detail": detail})

    w = ens.winner
    rate = {x: float((w == li[x]).mean()) for x in ids}
    nobody = float((w < 0).mean())
    decisive = m(sc.scenario.decisive_by)
    by1929 = {x: float(((w == li[x]) & (ens.victory <= decisive)).mean()) for x in ids}
    base_counts = {x: int((w == li[x]).sum()) for x in ids} | {"nobody": int((w < 0).sum())}

    # 1 ---------------------------------------------------------------------------------------
    lo, hi = wilson(base_counts["stalin"], N)
    add(1, "Stalin's win share by Dec 1930", "45-75%", rate["stalin"], 0.45 <= rate["stalin"] <= 0.75,
        f"95% CI {lo:.3f}-{hi:.3f}; by Dec 1929 {by1929['stalin']:.3f}; all rates "
        + ", ".join(f"{x} {rate[x]:.4f}" for x in ids) + f", nobody {nobody:.4f}")

    # 2 ---------------------------------------------------------------------------------------
    others = float(((w >= 0) & (w != S)).mean())
    n_ge1_all = sum(rate[x] >= 0.01 for x in ids)
    n_ge1_oth = sum(rate[x] >= 0.01 for x in ids if x != "stalin")
    ok2 = others >= 0.10 and n_ge1_all >= 3 and nobody <= 0.40
    add(2, "others' combined win share / principals winning >=1% / nobody won", ">=10% / >=3 / <=40%",
        {"others": others, "principals_ge_1pct": n_ge1_all, "principals_ge_1pct_excl_stalin": n_ge1_oth,
         "nobody": nobody}, ok2,
        f"parts: others {'pass' if others >= 0.10 else 'FAIL'}, >=3 principals at >=1% incl. Stalin "
        f"{'pass' if n_ge1_all >= 3 else 'FAIL'} (excl. Stalin: {n_ge1_oth}), nobody {'pass' if nobody <= 0.40 else 'FAIL'}")

    # 3 ---------------------------------------------------------------------------------------
    wins = np.flatnonzero(w == S)
    d = ens.defeated
    ok_le = ok_lt = all4 = 0
    for r in wins:
        dr = d[r]
        if min(dr[TR], dr[Z], dr[K], dr[BU]) < 0:
            continue
        all4 += 1
        ok_le += dr[TR] <= min(dr[Z], dr[K]) and max(dr[Z], dr[K]) <= dr[BU]
        ok_lt += dr[TR] < min(dr[Z], dr[K]) and max(dr[Z], dr[K]) < dr[BU]
    v3 = ok_le / len(wins) if len(wins) else 0.0
    add(3, "share of Stalin's wins with defeat order Trotsky <= Zinoviev&Kamenev <= Bukharin", ">=40%", v3,
        v3 >= 0.40, f"{ok_le} of {len(wins)} wins (ties allowed, as fidelity.py); strict order {ok_lt / max(len(wins), 1):.3f}; "
        f"all four defeated in {all4} wins; commonest orders {ens.elimination_orders(5)}")

    # 4 ---------------------------------------------------------------------------------------
    vm = ens.victory[wins]
    med = float(np.median(vm)) if len(vm) else float("nan")
    med_m = math.floor(med) if len(vm) else -1
    add(4, "median month of Stalin's victory", "Nov 1929 - Dec 1930 (70-83)", spec.date(med_m) + f" (index {med})",
        m("1929-11") <= med <= m("1930-12"),
        f"quartiles {spec.date(int(np.percentile(vm, 25)))} / {spec.date(int(np.percentile(vm, 75)))}; "
        f"library summary says {ens.median_victory()['Stalin']}")

    # 5 ---------------------------------------------------------------------------------------
    all_f = list(sc.factors)
    off = politburo.ensemble(politburo.load_scenario(SCEN, factors_off=all_f), runs=N, seed=seed)
    stamp("all-factors-off ensemble done")
    off_rates = {x: float((off.winner == li[x]).mean()) for x in ids} | {"nobody": float((off.winner < 0).mean())}
    mx = max(off_rates[x] for x in ids)
    arg = max(ids, key=lambda x: off_rates[x])
    add(5, "max win share of any leader with every factor off", "<=40%", mx, mx <= 0.40,
        f"highest {arg}; factors off {all_f}; rates " + ", ".join(f"{k} {v:.4f}" for k, v in off_rates.items()))

    # 6 ---------------------------------------------------------------------------------------
    army = [o for o in range(spec.O) if spec.powers[o, POWER_INDEX["army"]]]
    assert len(army) == 1 and spec.holder0[army[0]] == TR
    lost = ens.office_lost[:, army[0]]
    lost_any = ens.sanctions[:, TR, 0]
    L6 = lost[lost >= 0]
    if len(L6):
        med6 = float(np.median(L6))
        months, counts = np.unique(L6, return_counts=True)
        top = int(np.argmax(counts))
        maxshare = counts[top] / len(L6)
        ok6 = m("1924-10") <= med6 <= m("1925-06") and maxshare <= 0.40
        top5 = sorted(zip(counts, months), reverse=True)[:5]
        detail6 = (f"loses it in {len(L6)} of {N} runs ({len(L6) / N:.3f}); median {spec.date(math.floor(med6))}"
                   f" (index {med6}); busiest months " + ", ".join(f"{spec.date(int(mo))} {c / len(L6):.3f}" for c, mo in top5)
                   + f"; lost_office sanction (any office) median {spec.date(int(np.median(lost_any[lost_any >= 0])))}"
                   f" in {int((lost_any >= 0).sum())} runs; share lost by Dec 1925 of all runs "
                   f"{float(((lost >= 0) & (lost <= m('1925-12'))).mean()):.3f}")
        val6 = {"median": spec.date(math.floor(med6)), "median_index": med6,
                "max_single_month_share": float(maxshare), "max_month": spec.date(int(months[top]))}
    else:
        ok6, val6, detail6 = False, None, "Trotsky never loses the army office"
    add(6, "median month Trotsky loses the army office; largest single-month share",
        "Oct 1924 - Jun 1925 (9-17); <=40%", val6, ok6, detail6)

    # 7 ---------------------------------------------------------------------------------------
    db = d[:, BU]
    fell = db >= 0
    inside = fell & (db >= m("1928-01")) & (db <= m("1930-12"))
    v7 = float(inside.sum() / fell.sum()) if fell.any() else 0.0
    yrs = {y: int(((db >= m(f"{y}-01")) & (db <= m(f"{y}-12"))).sum()) for y in range(1924, 1931)}
    add(7, "share of Bukharin's falls (defeat month) in 1928-1930", ">=50%", v7, v7 >= 0.5,
        f"he falls in {int(fell.sum())} of {N} runs; by year {yrs}")

    # 8 ---------------------------------------------------------------------------------------
    t8 = m("1927-12")
    cs = ens.committee_share
    v8 = float((cs[wins, t8, S] > 0.5).mean()) if len(wins) else 0.0
    v8b = float((cs[wins, :t8 + 1, S] > 0.5).any(axis=1).mean()) if len(wins) else 0.0
    add(8, "share of Stalin's wins with his CC bloc share > 0.5 at Dec 1927", ">=50%", v8, v8 >= 0.5,
        f"{len(wins)} wins; in some month up to Dec 1927: {v8b:.3f}; median share at Dec 1927 among wins "
        f"{float(np.median(cs[wins, t8, S])):.3f}; among all runs {float((cs[:, t8, S] > 0.5).mean()):.3f}")

    # 9 ---------------------------------------------------------------------------------------
    congresses = sorted((m(e.date), e.name) for e in sc.events if e.kind == "congress")
    cong = {name: t for t, name in congresses}
    points = [("January 1924", 0, 446_089)]
    record = {m(p.date): p.members for p in sc.membership_record}
    for name, target in (("13th Party Congress", 735_881), ("14th Party Congress", 1_088_000),
                         ("15th Party Congress", 1_236_190)):
        t = cong[name]
        points.append((f"{name} ({spec.date(t)})", t, record.get(t, target)))
    errs, det9 = [], []
    mem = ens.members
    for label, t, target in points:
        sim = float(mem[:, t].mean())
        errs.append(sim / target - 1)
        det9.append(f"{label}: {sim:,.0f} vs {target:,} ({sim / target - 1:+.1%}; run range "
                    f"{mem[:, t].min():,.0f}-{mem[:, t].max():,.0f})")
    worst = max(abs(e) for e in errs)
    add(9, "membership vs record (mean over runs, end of month)", "each within ±25%",
        {"max_abs_error": worst, "errors": [round(e, 4) for e in errs]}, worst <= 0.25, "; ".join(det9))

    # 10 --------------------------------------------------------------------------------------
    c = ens.coalitions
    y24 = m("1924-12") + 1
    need10 = (1 << S) | (1 << Z) | (1 << K)
    hit10 = ((c[:, :y24, TR] & need10) == need10).any(axis=1)
    first10 = np.where(hit10, ((c[:, :y24, TR] & need10) == need10).argmax(axis=1), -1)
    fm = first10[first10 >= 0]
    add(10, "share of runs where the coalition against Trotsky contains Stalin, Zinoviev, Kamenev in some month of 1924",
        ">=60%", float(hit10.mean()), hit10.mean() >= 0.6,
        f"first month median {spec.date(int(np.median(fm))) if len(fm) else '-'}; "
        f"by any month (whole run) {float(((c[:, :, TR] & need10) == need10).any(axis=1).mean()):.3f}")

    # 11 --------------------------------------------------------------------------------------
    need11 = (1 << Z) | (1 << TR)
    together = ((c[:, :y24, :] & need11) == need11).any(axis=(1, 2))
    v11 = float((~together).mean())
    cf = tr["coalition_first"][:, Z, TR]
    allied_before = (cf >= 0) & (cf < y24)
    add(11, "share of runs where Zinoviev and Trotsky are never in one coalition mask (any target) before Jan 1925",
        ">=80%", v11, v11 >= 0.8,
        f"via the allied matrix (records.coalition_first[Z,T] < Jan 1925): never allied in "
        f"{float((~allied_before).mean()):.3f}")

    # 12 --------------------------------------------------------------------------------------
    need12 = (1 << Z) | (1 << K) | (1 << TR)
    hit12 = ((c & need12) == need12).any(axis=(1, 2))
    hit12s = ((c[:, :, S] & need12) == need12).any(axis=1)
    add(12, "share of runs where Zinoviev, Kamenev, Trotsky share one coalition mask in some month", ">=35%",
        float(hit12.mean()), hit12.mean() >= 0.35, f"against Stalin specifically: {float(hit12s.mean()):.3f}")

    # 13 --------------------------------------------------------------------------------------
    y28 = m("1928-01")
    right = [BU, RY, TO]
    left = [TR, Z, K]
    cs13 = c[:, :y28, S]
    mixed = np.zeros(N, dtype=bool)
    for a_ in right:
        for b_ in left:
            nb = (1 << a_) | (1 << b_)
            mixed |= ((cs13 & nb) == nb).any(axis=1)
    mixed_any = np.zeros(N, dtype=bool)  # against any target
    for a_ in right:
        for b_ in left:
            nb = (1 << a_) | (1 << b_)
            mixed_any |= ((c[:, :y28, :] & nb) == nb).any(axis=(1, 2))
    v13 = float((~mixed).mean())
    add(13, "share of runs with no Right+Left pair in the coalition against Stalin before Jan 1928", ">=80%", v13,
        v13 >= 0.8, f"no Right+Left pair in any coalition (any target) before 1928: {float((~mixed_any).mean()):.3f}")

    # 14 --------------------------------------------------------------------------------------
    econ = [a.id for a in sc.axes].index("economy")
    ax = sc.axes[econ]
    assert "industrial" in ax.low_label, ax.low_label  # low (negative) side = industrialisation = left
    ev = tr["events"]
    t0, t1 = m("1925-01"), m("1927-12")
    sel = ((ev["kind"] == lg.SHIFT) & np.isin(ev["a0"], [Z, K]) & (ev["a1"] == econ)
           & (ev["month"] >= t0) & (ev["month"] <= t1))
    n_ev = int(sel.sum())
    left_ev = int((ev["a2"][sel] == 0).sum())
    all_shift = (ev["kind"] == lg.SHIFT)
    # every move of line: the position after the month minus before, for runs still being fought
    delta = tr["ideo_after"][:, t0:t1 + 1, :, econ] - tr["ideo_before"][:, t0:t1 + 1, :, econ]  # (N, 36, L)
    live = tr["live"][:, t0:t1 + 1]
    dz = delta[:, :, [Z, K]][live]  # (n, 2)
    moves = dz[np.abs(dz) > 1e-12]
    n_mv = int(moves.size)
    left_mv = int((moves < 0).sum())
    w_left = float(-moves[moves < 0].sum() / np.abs(moves).sum()) if n_mv else float("nan")
    runs_with = int((np.abs(delta[:, :, [Z, K]]) * live[:, :, None] > 1e-12).any(axis=(1, 2)).sum())
    # also: all of 1924-1930 and per leader
    dfull = tr["ideo_after"][..., econ] - tr["ideo_before"][..., econ]
    per = {}
    for x in ids:
        mv = dfull[:, :, li[x]][tr["live"]]
        mv = mv[np.abs(mv) > 1e-12]
        per[x] = (int(mv.size), float((mv < 0).mean()) if mv.size else float("nan"))
    v14 = left_mv / n_mv if n_mv else float("nan")
    v14e = left_ev / n_ev if n_ev else float("nan")
    add(14, "share of Zinoviev's/Kamenev's economy-axis moves in 1925-27 that go left (towards industrialisation)",
        ">=60%", {"position_changes": v14, "shift_events": v14e}, n_mv > 0 and v14 >= 0.6,
        f"position changes: {left_mv} of {n_mv} moves left (magnitude-weighted {w_left:.3f}) in {runs_with} runs; "
        f"SHIFT events (logged only when a position crosses 0 on an axis; side a2=0 = left): {left_ev} of {n_ev} "
        f"(all SHIFT events of any leader, axis, month: {int(all_shift.sum())}); whole run, all months, moves and "
        f"share left per leader: " + ", ".join(f"{x} {n_} {p_:.2f}" for x, (n_, p_) in per.items()))

    # 15 --------------------------------------------------------------------------------------
    sanc = ens.sanctions
    rec15 = float((sanc[:, TR, RECANTED] >= 0).mean())
    exi15 = float((sanc[:, TR, EXILED] >= 0).mean())
    add(15, "Trotsky recants / is exiled (share of runs)", "<=20% / >=25%", {"recants": rec15, "exiled": exi15},
        rec15 <= 0.20 and exi15 >= 0.25,
        "Trotsky's sanctions (share of runs): " + ", ".join(
            f"{n_} {float((sanc[:, TR, k] >= 0).mean()):.3f}" for k, n_ in enumerate(SANCTIONS)))

    # 16 --------------------------------------------------------------------------------------
    app = politburo.ensemble(politburo.load_scenario(SCEN, factors_off=["appointments"]), runs=N, seed=seed)
    stamp("appointments-off ensemble done")
    aw = app.winner
    ks0, ks1 = base_counts["stalin"], int((aw == S).sum())
    ko0, ko1 = int(((w >= 0) & (w != S)).sum()), int(((aw >= 0) & (aw != S)).sum())
    dS = diff_ci(ks1, N, ks0, N)
    dO = diff_ci(ko1, N, ko0, N)
    ok16 = dS[0] <= -0.10 and dO[0] > 0
    add(16, "appointments off: change in Stalin's win rate (points) / in others' combined win rate",
        "<= -10 points / > 0", {"stalin_change_points": 100 * dS[0], "others_change_points": 100 * dO[0]}, ok16,
        f"Stalin {ks0 / N:.4f} -> {ks1 / N:.4f} (95% CI of change {100 * dS[2]:+.1f} to {100 * dS[3]:+.1f} pts, unpaired); "
        f"others {ko0 / N:.4f} -> {ko1 / N:.4f} (CI {100 * dO[2]:+.1f} to {100 * dO[3]:+.1f}); nobody "
        f"{nobody:.4f} -> {float((aw < 0).mean()):.4f}; off rates "
        + ", ".join(f"{x} {float((aw == li[x]).mean()):.4f}" for x in ids))

    # 17 --------------------------------------------------------------------------------------
    where, raw = read_scenario(SCEN)
    det17 = []
    val17 = {}
    ok17 = True
    for a_, b_ in (("stalin", "zinoviev"), ("stalin", "trotsky")):
        sraw, notes = swap_scenario(raw, a_, b_)
        ssc = load_raw(where, sraw)
        sspec = compile_scenario(ssc)
        assert sspec.leader_ids == ids
        perm = list(range(len(ids)))
        perm[li[a_]], perm[li[b_]] = li[b_], li[a_]  # the slot that now carries each leader's data
        for n_runs in (N, args.swap_runs):
            base = w if n_runs == N else winners_only(spec, seed, n_runs)
            sw = winners_only(sspec, seed, n_runs)
            rows = []
            zmax = 0.0
            for x in ids + ["nobody"]:
                k_base = int((base < 0).sum()) if x == "nobody" else int((base == li[x]).sum())
                # the data of leader x now sits in slot perm[li[x]]
                k_sw = int((sw < 0).sum()) if x == "nobody" else int((sw == perm[li[x]]).sum())
                dd, se, _, _ = diff_ci(k_sw, n_runs, k_base, n_runs)
                z = dd / se if se > 0 else 0.0
                if x in (a_, b_):
                    zmax = max(zmax, abs(z))
                rows.append((x, k_base / n_runs, k_sw / n_runs, z))
            key = f"{a_}<->{b_} ({n_runs} runs/arm)"
            ra = next(r_ for r_ in rows if r_[0] == a_)
            rb = next(r_ for r_ in rows if r_[0] == b_)
            val17[key] = {f"{a_}'s data: base": ra[1], f"{a_}'s data: swapped": ra[2],
                          f"{b_}'s data: base": rb[1], f"{b_}'s data: swapped": rb[2], "max |z| of the two": zmax}
            det17.append(f"{key}: " + "; ".join(
                f"{x}'s data {pb:.4f} -> {ps:.4f} (z {z:+.2f})" for x, pb, ps, z in rows))
            if a_ == "stalin" and b_ == "zinoviev" and n_runs == N:
                ok17 = zmax < 1.96
            stamp(f"swap {key} done")
        det17.append(f"swap {a_}<->{b_} changed: " + "; ".join(notes))
    add(17, "swap Stalin's and Zinoviev's data: win rate of each leader's data before vs after (unpaired z)",
        "within sampling error (|z| < 1.96)", val17, ok17, " || ".join(det17))

    # ------------------------------------------------------------------------------------------
    elapsed = time.time() - T0
    print()
    print(f"{'#':>2}  {'pass':4}  statistic = value  [band]")
    for r_ in R:
        v = r_["value"]
        vs = (f"{v:.4f}" if isinstance(v, float) else json.dumps(v, default=float)
              if isinstance(v, dict) else str(v))
        print(f"{r_['id']:>2}  {'PASS' if r_['passed'] else 'FAIL'}  {r_['statistic']} = {vs}  [{r_['band']}]")
        print(f"      {r_['detail']}")
    print(f"\n{sum(r_['passed'] for r_ in R)} of {len(R)} patterns pass; runs {N}, seed {seed}; "
          f"total {elapsed:.0f} s (including kernel loading/compiling)")
    with open(args.out, "w") as fh:
        json.dump({"runs": N, "seed": seed, "elapsed_s": elapsed, "patterns": R}, fh, indent=1, default=float)


if __name__ == "__main__":
    main()
