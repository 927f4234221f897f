"""Engine throughput: full soviet-1924 runs per second per core, and peak memory, at several
batch sizes. Single process, so runs/s is per core.

    python benchmarks/throughput.py [--runs 4000] [--batch-sizes 250,1000,4000] [--scenario soviet-1924]
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np

from politburo.compile import compile_scenario
from politburo.engine.run import run_batch
from politburo.loader import load_scenario


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--batch-sizes", default="250,1000,4000")
    ap.add_argument("--scenario", default="soviet-1924")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    spec = compile_scenario(load_scenario(args.scenario))
    run_batch(spec, args.seed, np.arange(50))  # warm caches
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
          f"NumPy {np.__version__}")
    print(f"scenario {args.scenario}: {spec.months} months, {spec.L} leaders, {spec.R} regions")
    print(f"{'batch':>7} {'runs':>7} {'cpu s':>8} {'runs/s/core':>12} {'peak MiB':>9}")
    for bs in (int(x) for x in args.batch_sizes.split(",")):
        done = 0
        t0 = time.process_time()
        while done < args.runs:
            n = min(bs, args.runs - done)
            run_batch(spec, args.seed, np.arange(done, done + n))
            done += n
        cpu = time.process_time() - t0
        print(f"{bs:>7} {done:>7} {cpu:>8.2f} {done / cpu:>12.0f} {peak_rss_mib():>9.0f}")


if __name__ == "__main__":
    main()
