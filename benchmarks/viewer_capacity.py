"""How many player-like viewers one harness process drives, and at what cost.

For each audience size, `harness run` holds that many viewers for a while
against the running stack (`harness stack up` first) and this prints the
harness's CPU per viewer, its peak memory, and whether every viewer played
without stalls: the harness's own ceiling on this machine, to size load
generators before a big game. Printed figures, never a timed test.

    .venv/bin/python benchmarks/viewer_capacity.py [--viewers 50 100 200] [--seconds 40]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from tabulate import tabulate

HARNESS = str(Path(sys.executable).parent / "harness")


def scenario(viewers: int, seconds: int) -> str:
    return (f"name: capacity-{viewers}\ntimeline: {{start: 0s, end: {seconds}s}}\n"
            f"audience:\n  viewers:\n    - {{at: 0s, viewers: {viewers}}}\n")


def measure(viewers: int, seconds: int, folder: Path) -> list:
    path = folder / f"capacity-{viewers}.yaml"
    path.write_text(scenario(viewers, seconds))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([HARNESS, "-q", "run", str(path), "--results-dir", str(folder / "results")],
                   stdout=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    (run,) = (folder / "results").glob(f"*_capacity-{viewers}")
    summary = json.loads((run / "summary.json").read_text())
    overall = summary["overall"]["metrics"]
    return [viewers, f"{summary['audience']['peak_viewers']}", f"{cpu / seconds:.2f}",
            f"{1000 * cpu / seconds / viewers:.1f}", f"{after.ru_maxrss / 1024:.0f}",
            f"{overall['rebuffering_ratio'] or 0:.2%}",
            f"{overall['requests_per_second']:.0f}", f"{overall['startup_time_p95'] or 0:.3f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seconds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = [measure(n, args.seconds, Path(folder)) for n in args.viewers]
    print(tabulate(rows, headers=["viewers", "held", "harness cores", "ms CPU/viewer/s",
                                  "peak MB (largest so far)", "rebuffering", "requests/s",
                                  "startup p95 s"]))


if __name__ == "__main__":
    main()
