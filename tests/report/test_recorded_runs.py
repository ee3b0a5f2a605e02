"""`harness report` on run folders recorded earlier gives the same answer,
byte for byte: summary.json, junit.xml and the console text (and so the exit
code). The folders in tests/data/recorded/ are real runs of different kinds
(demand, faults, a killed origin's recovery, two workers, a sweep's run, a
capacity level, a control experiment, a generator stopped for 0.3 s), kept
with the summary and junit the run wrote and, in console.txt, what `harness
report` printed then (the folder's path as RUN_DIR, then the exit code).
A change that moves code without changing behaviour leaves all of it alone;
a change meant to alter a verdict or a report updates these files with it
(`python -m tests.report.test_recorded_runs` rewrites console.txt)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.cli import harness

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"
KINDS = sorted(p.name for p in RECORDED.iterdir() if p.is_dir())
WRITTEN = ("summary.json", "junit.xml")  # the run's own, compared byte for byte


def reported(kind: str, folder: Path) -> str:
    """`harness report` on a copy of the recorded run in `folder`: its console
    text with the copy's path as RUN_DIR, then its exit code."""
    run = folder / "run"
    shutil.copytree(RECORDED / kind / "run", run)
    result = harness("report", str(run))
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout.replace(str(run), "RUN_DIR") + f"exit {result.returncode}\n"


def test_the_recorded_kinds_are_all_there():
    assert KINDS == ["capacity", "control", "demand", "faults", "recovery", "stalled-generator",
                     "sweep", "workers"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_recorded_run_reports_as_it_did(kind, tmp_path):
    console = reported(kind, tmp_path)
    assert console == (RECORDED / kind / "console.txt").read_text()
    for name in WRITTEN:
        assert (tmp_path / "run" / name).read_bytes() == \
            (RECORDED / kind / "run" / name).read_bytes(), name


if __name__ == "__main__":  # rewrite console.txt of each kind (after a deliberate change)
    import tempfile
    for each in KINDS:
        with tempfile.TemporaryDirectory() as scratch:
            (RECORDED / each / "console.txt").write_text(reported(each, Path(scratch)))
    sys.exit(0)
