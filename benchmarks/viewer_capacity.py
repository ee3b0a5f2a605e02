"""How many player-like viewers one harness core drives, at the stack's top
rendition and at its lowest, next to the targets.

For each rendition, `harness run` plays that rendition's media playlist with
one viewer for a few seconds (the process's baseline memory), ramps to the
audience asked for, and holds it. Over the held seconds this prints the
harness process's CPU (from /proc), viewers per core it implies, the
rebuffering its viewers saw, its memory per viewer above the baseline, and
requests/s, with the machine's load average. Printed figures, never a timed
test. Hold the stack lock; the stack is brought up if it is down:

    flock /tmp/kickoff-stack.lock .venv/bin/python benchmarks/viewer_capacity.py \\
        [--top 300] [--lowest 600] [--seconds 30]

Rebuffering is every stall the viewers saw: with the stack on the same
machine, 0% means the harness caused none; above 0% see whether the harness
used a full core (then it was the harness) or not (then look at the stack).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

from harness.measure.aggregate import metrics_of
from harness.runfolder.recorder import WINDOWS, read_seconds
from measure import (LOWEST, TOP, Rendition, Sample, load_average, renditions, sample, stack,
                     wait_until)

HARNESS = str(Path(sys.executable).parent / "harness")
BASELINE, RAMP, SETTLE = 6, 10, 6  # seconds: one viewer, ramp to the audience, let joins settle
TARGETS = {TOP: 2500, LOWEST: 6000}  # viewers per harness core
MEMORY_TARGET_KB = 100  # per viewer above the process baseline


def scenario(stream: str, viewers: int, seconds: int) -> str:
    held, end = BASELINE + RAMP, BASELINE + RAMP + SETTLE + seconds
    return (f"name: capacity-{viewers}\ntimeline: {{start: 0s, end: {end}s}}\n"
            f"audience:\n  stream: {stream}\n  clients: {{web: 1}}\n  viewers:\n"
            f"    - {{at: 0s, viewers: 1}}\n    - {{at: {BASELINE}s, viewers: 1}}\n"
            f"    - {{at: {held}s, viewers: {viewers}}}\n"
            f"    - {{at: {end}s, viewers: {viewers}}}\n")


@dataclass(frozen=True)
class Figures:
    viewers: int
    held: int  # fewest viewers playing in a held second
    cores: float
    kb_per_viewer: float
    rebuffering: float
    requests_per_s: float


def _recorded(results: Path) -> int:
    """Seconds the run has recorded so far."""
    found = list(results.glob("*/" + WINDOWS))
    return len(found[0].read_text().splitlines()) if found else 0


def measure(rendition: Rendition, viewers: int, seconds: int, folder: Path) -> Figures:
    results = folder / f"{rendition.name}-{viewers}"
    path = results.with_suffix(".yaml")
    path.write_text(scenario(rendition.url, viewers, seconds))
    process = subprocess.Popen([HARNESS, "-q", "run", str(path), "--results-dir", str(results)],
                               stdout=subprocess.DEVNULL)
    marks: list[Sample] = []
    try:
        for second in (BASELINE - 1, BASELINE + RAMP + SETTLE, BASELINE + RAMP + SETTLE + seconds):
            if not wait_until(lambda: _recorded(results) >= second, timeout=second + 60):
                raise SystemExit(f"the {rendition.name} run did not reach second {second}")
            marks.append(sample(process.pid))
    finally:
        process.wait(timeout=120)
    base, start, stop = marks
    (run_dir,) = (path for path in results.iterdir() if path.is_dir())
    held = [s.window for s in read_seconds(run_dir)
            if BASELINE + RAMP + SETTLE <= s.window.second < BASELINE + RAMP + SETTLE + seconds]
    figures = metrics_of(held)
    return Figures(viewers, min(w.playing for w in held), stop.cores_since(start),
                   (stop.rss_bytes - base.rss_bytes) / 1024 / max(1, viewers - 1),
                   figures["rebuffering_ratio"] or 0.0, figures["requests_per_second"] or 0.0)


def row(rendition: Rendition, figures: Figures) -> list[str]:
    per_core = figures.viewers / figures.cores if figures.cores > 0 else float("inf")
    return [f"{rendition.name} ({rendition.bandwidth / 1e6:g} Mbit/s)", str(figures.viewers),
            str(figures.held), f"{figures.cores:.2f}",
            f"{per_core:,.0f} (>= {TARGETS[rendition.name]:,})",
            f"{figures.rebuffering:.2%} (0%)",
            f"{figures.kb_per_viewer:.0f} (< {MEMORY_TARGET_KB})", f"{figures.requests_per_s:.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=300, help="viewers at the top rendition")
    parser.add_argument("--lowest", type=int, default=600, help="viewers at the lowest rendition")
    parser.add_argument("--seconds", type=int, default=30, help="seconds the audience is held")
    parser.add_argument("--platform", default="local")
    args = parser.parse_args()
    rows = []
    with stack(args.platform), tempfile.TemporaryDirectory() as folder:
        before = load_average()
        for name, rendition in renditions().items():
            viewers = args.top if name == TOP else args.lowest
            rows.append(row(rendition, measure(rendition, viewers, args.seconds, Path(folder))))
    print(tabulate(rows, headers=["rendition", "viewers", "held", "harness cores",
                                  "viewers/core (target)", "rebuffering (target)",
                                  "KB/viewer (target)", "requests/s"]))
    print(f"before: {before}; after: {load_average()}")


if __name__ == "__main__":
    main()
