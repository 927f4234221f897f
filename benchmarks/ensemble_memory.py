"""Peak memory of `politburo ensemble --out DIR` as the number of runs grows: streamed to
Parquet batch by batch, it should stay flat (the issue's bound: under 1 GiB for a million runs).

    python benchmarks/ensemble_memory.py [--runs 10000,100000,1000000] [--scenario soviet-1924]

Each size runs as its own command in a fresh folder; peak resident memory is the kernel's
high-water mark of that process (getrusage of the child), wall time from start to exit, and the
size of the two Parquet files.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Runs the command in a wrapper process of its own and prints the command's peak RSS (KiB):
# RUSAGE_CHILDREN of a fresh process covers that one command only.
WRAPPER = ("import resource, subprocess, sys; "
           "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def measure(runs: int, scenario: str) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MiB, Parquet MiB) of one `ensemble --out` command."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results"
        command = [sys.executable, "-m", "politburo", "ensemble", "--scenario", scenario, "--runs", str(runs),
                   "--out", str(out), "--json"]
        t0 = time.perf_counter()
        peak = subprocess.run([sys.executable, "-c", WRAPPER, *command], check=True, capture_output=True,
                              text=True).stdout
        wall = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in out.iterdir()) / 2**20
        return wall, int(peak) / 1024, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", default="10000,100000,1000000")
    ap.add_argument("--scenario", default="soviet-1924")
    args = ap.parse_args()
    print(f"{'runs':>10} {'wall s':>8} {'peak MiB':>9} {'parquet MiB':>12}")
    for n in sorted(int(x) for x in args.runs.split(",")):
        wall, peak, size = measure(n, args.scenario)
        print(f"{n:>10,} {wall:>8.1f} {peak:>9.0f} {size:>12.1f}", flush=True)


if __name__ == "__main__":
    main()
