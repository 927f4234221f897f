"""Experiment throughput: wall-clock time, runs per second and peak memory of whole `politburo
explain` commands, each in a fresh results store (nothing reused), on the local process pool.

    python benchmarks/experiments.py [--only groups|factors] [--workers N]

The issue's targets on a 2-core machine: `explain --level groups --replicates 2000` (16,000 runs)
in at most 15 s, and `explain --level factors --replicates 200` (819,200 runs) in at most 3 minutes,
with peak memory under 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "groups": ["--level", "groups", "--replicates", "2000"],
    "factors": ["--level", "factors", "--replicates", "200"],
}


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", choices=sorted(CASES))
    ap.add_argument("--workers", default=None)
    args = ap.parse_args()
    exe = Path(sys.executable).parent / "politburo"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("peak MiB: resident memory of the command and all its worker processes together")
    print(f"{'case':>8} {'runs':>9} {'wall s':>8} {'runs/s':>9} {'peak MiB':>9}")
    for name, extra in CASES.items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory() as store:
            cmd = [str(exe), "explain", *extra, "--store", store, "--json"]
            if args.workers:
                cmd += ["--workers", args.workers]
            t0 = time.perf_counter()
            with tempfile.TemporaryFile("w+") as fh:
                proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.DEVNULL, text=True)
                peak = 0.0
                while proc.poll() is None:
                    peak = max(peak, tree_rss_mib(proc.pid))
                    time.sleep(0.1)
                wall = time.perf_counter() - t0
                if proc.returncode:
                    raise SystemExit(f"{name}: exit code {proc.returncode}")
                fh.seek(0)
                runs = json.load(fh)["runs"]
            print(f"{name:>8} {runs:>9,} {wall:>8.1f} {runs / wall:>9,.0f} {peak:>9.0f}")


if __name__ == "__main__":
    main()
