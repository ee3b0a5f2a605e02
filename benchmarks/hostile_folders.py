"""Hostile run folders at scale (issue 20): damages copies of a few run
folders in every class of tests/report/damage.py (data cut, spliced from
another run, renumbered, events duplicated or removed, implausible values,
no or a forged manifest; outputs that are links out of the folder, named
pipes, /dev/zero, directories) at many positions, runs `harness report` and
`harness compare` on each in a subprocess with a timeout, and prints how
many tracebacks, hangs, writes outside the folder and silent passes on lost
data (exit 0) it saw (targets: 0 each), with the total time and the peak
memory of one command. No stack needed.

    .venv/bin/python benchmarks/hostile_folders.py [--positions 12] [--jobs 2] [RUN_DIR ...]

The run folders named (each with its manifest, judged by `harness report`)
are damaged besides two made like the report tests' sample."""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the report tests' sample and damages

import locust  # noqa: E402,F401  (gevent's patching before ssl, as the CLI does)

from harness.runfolder.manifest import seal  # noqa: E402
from harness.report.results import write_results  # noqa: E402
from tests.report import damage, sample  # noqa: E402

HARNESS = str(Path(sys.executable).with_name("harness"))
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Case:
    source: Path
    other: Path  # another run, for splicing
    name: str
    u: float
    v: float


@dataclass(frozen=True)
class Outcome:
    case: Case
    lost: bool
    codes: tuple[int | None, int | None]  # compare, report (None: hung)
    tracebacks: int
    wrote_outside: bool


def sample_runs(root: Path) -> list[Path]:
    """Two judged run folders made with the recorder: the sample, and a run of another
    scenario a day later."""
    first = sample.recorded_run(root / "sample")
    second = sample.recorded_run(root / "sample-again")
    for name in ("windows.jsonl", "events.jsonl"):  # its own id, a day later
        text = (second / name).read_text().replace(sample.RUN_ID, "f" * 32)
        (second / name).write_text(text.replace("178000", "178008"))
    sample.with_scenario(second, {**sample.SCENARIO, "name": "another-match",
                                  "slos": sample.PASSING_SLOS[:1]})
    seal(second, "f" * 32, sample.SECONDS)
    for run in (first, second):
        write_results(run)
    return [first, second]


def cases(sources: list[Path], positions: int) -> list[Case]:
    found = []
    for index, source in enumerate(sources):
        other = sources[(index + 1) % len(sources)]
        for name in damage.LOST_DATA:
            found += [Case(source, other, name, (k + 0.5) / positions, ((k * 7) % positions + 0.5)
                           / positions) for k in range(positions)]
        found += [Case(source, other, name, 0.5, 0.5) for name in damage.HOSTILE_FILES]
    return found


def _command(*args: str) -> tuple[int | None, str]:
    try:
        done = subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, ""
    return done.returncode, done.stderr


def attempt(case: Case) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
        sandbox = Path(folder)
        run_dir, outside = sandbox / "run", sandbox / "outside"
        shutil.copytree(case.source, run_dir, symlinks=True)
        outside.mkdir()
        lost = damage.ALL[case.name](run_dir, case.other, outside, case.u, case.v)
        before = damage.snapshot(outside), sorted(p.name for p in sandbox.iterdir())
        compare, compare_err = _command("compare", str(case.source), str(run_dir))
        report, report_err = _command("report", str(run_dir))
        after = damage.snapshot(outside), sorted(p.name for p in sandbox.iterdir())
        tracebacks = sum("Traceback" in text for text in (compare_err, report_err))
        return Outcome(case, lost, (compare, report), tracebacks, after != before)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path, metavar="RUN_DIR")
    parser.add_argument("--positions", type=int, default=12,
                        help="positions per data-loss class and folder (default 12)")
    parser.add_argument("--jobs", type=int, default=2, help="commands at once (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostile-sources-") as folder:
        sources = sample_runs(Path(folder)) + [run.resolve() for run in args.runs]
        todo = cases(sources, args.positions)
        print(f"{len(todo)} damaged folders from {len(sources)} run folders, "
              f"{len(damage.ALL)} classes; report and compare on each ({args.jobs} at once)")
        started = time.monotonic()
        with ThreadPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(attempt, todo))
        took = time.monotonic() - started
    hangs = [o for o in outcomes if None in o.codes]
    silent = [o for o in outcomes if o.lost and 0 in o.codes]
    outside = [o for o in outcomes if o.wrote_outside]
    tracebacks = sum(o.tracebacks for o in outcomes)
    for label, bad in (("hang", hangs), ("silent pass", silent), ("wrote outside", outside)):
        for o in bad[:5]:
            print(f"  {label}: {o.case.name} (u={o.case.u:.2f}, v={o.case.v:.2f}) "
                  f"of {o.case.source.name}: compare {o.codes[0]}, report {o.codes[1]}")
    exits = Counter(f"compare {o.codes[0]} / report {o.codes[1]}" for o in outcomes)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("exit codes: " + ", ".join(f"{k}: {n}" for k, n in sorted(exits.items())))
    print(f"damaged folders: {len(outcomes)} ({sum(o.lost for o in outcomes)} with lost data)")
    print(f"tracebacks: {tracebacks} (target 0)")
    print(f"hangs (over {TIMEOUT_S:g} s): {len(hangs)} (target 0)")
    print(f"writes outside the folder: {len(outside)} (target 0)")
    print(f"silent exit 0 on lost data: {len(silent)} (target 0)")
    print(f"total time: {took:.0f} s ({took / max(len(outcomes), 1):.2f} s a folder, "
          f"{args.jobs} at once); peak memory of one command: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
