"""Measure the 17 calibration patterns of the model specification (§6: the end, the pace, who
stood with whom, fates, causes) at the default parameters of soviet-1924, with the library's
definitions (`politburo.fidelity`, the scenario's `[[patterns]]`: what `politburo fidelity`
reports), and the swap check (pattern 17) again over a larger number of runs.

Usage:  python calibration/measure_patterns.py [--runs 4000] [--seed 0] [--swap-runs 20000]
        [--out patterns.json]

Reads the installed package only; writes nothing but the JSON file named by --out. One process,
one core: four ensembles of --runs runs and two of --swap-runs (about 1,500 runs a second once
the kernels are compiled).
"""

from __future__ import annotations

import argparse
import json
import time

from politburo.fidelity import FidelityReport, fidelity

SCEN = "soviet-1924"
SWAP_PATTERN = 17


def show(report: FidelityReport) -> None:
    for group, patterns in report.groups:
        print(f"\n{group}")
        for v in patterns:
            for r in v.results:
                print(f"{r.id:>3}  {'PASS' if r.passed else 'FAIL'}  {r.text}: {r.shown}  [{r.band}]")
                print(f"           {r.detail}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--swap-runs", type=int, default=20000, help="runs per arm of the larger swap check (0: none)")
    ap.add_argument("--out", default="patterns.json")
    args = ap.parse_args()
    t0 = time.time()

    report = fidelity(SCEN, runs=args.runs, seed=args.seed)
    show(report)
    print(f"\n{report.passed} of {len(report.patterns)} patterns pass ({args.runs} runs per ensemble, "
          f"seed {args.seed}); failing: {report.failed or 'none'}")
    out = {"runs": args.runs, "seed": args.seed, "report": report.to_dict()}
    if args.swap_runs:
        swap = fidelity(SCEN, runs=args.swap_runs, seed=args.seed, ids=[SWAP_PATTERN])
        print(f"\nthe swap check over {args.swap_runs} runs per arm:")
        show(swap)
        out["swap"] = swap.to_dict()
    out["elapsed_s"] = time.time() - t0
    print(f"\ntotal {out['elapsed_s']:.0f} s (including loading or compiling the kernels)")
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
