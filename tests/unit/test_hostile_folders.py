"""Hostile run folders (issue 20, parts 1 and 2): whatever the damage
(tests/report/damage.py: cut, spliced from another run, renumbered, events
duplicated or removed, implausible values, no manifest, outputs that are
links out of the folder, named pipes, /dev/zero, directories), `harness
report` and `harness compare` never pass lost data, never crash, never write
outside the folder and never hang. Fixed seed, bounded examples; a hang
would fail the example on its alarm, not block the tier."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st

from harness.spec.errors import InvalidInput
from harness.runfolder.manifest import MANIFEST, NO_MANIFEST, seal
from harness.judge.regression import losses, slo_rows
from harness.report.results import write_results
from harness.judge.verdict import exit_code
from tests.cli import assert_one_line_error, harness
from tests.report import damage, sample

OTHER_ID = "0123456789abcdef0123456789abcdef"
GUARD_S = 10  # a hang fails the example (speed targets are benchmarks/hostile_folders.py's)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    """Two judged run folders: the sample, and another run of another scenario."""
    root = tmp_path_factory.mktemp("hostile")
    judged = sample.recorded_run(root / "run")
    assert write_results(judged)["verdict"]["result"] == "pass"
    other = sample.recorded_run(root / "other")
    for name in ("windows.jsonl", "events.jsonl"):  # a run of the next day
        text = (other / name).read_text().replace(sample.RUN_ID, OTHER_ID)
        (other / name).write_text(text.replace(f"{sample.START_EPOCH:.0f}"[:6],
                                               f"{sample.START_EPOCH + 86_400:.0f}"[:6]))
    sample.with_scenario(other, {**sample.SCENARIO, "name": "another-match",
                                 "slos": sample.PASSING_SLOS[:1]})
    seal(other, OTHER_ID, sample.SECONDS)
    assert write_results(other)["verdict"]["result"] == "pass"
    return judged, other


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def hung(*_) -> None:
        raise TimeoutError(f"hung for {seconds} s")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def damaged(runs: tuple[Path, Path], name: str, u: float, v: float,
            sandbox: Path) -> tuple[Path, bool]:
    judged, other = runs
    run_dir = sandbox / "run"
    shutil.copytree(judged, run_dir, symlinks=True)
    (sandbox / "outside").mkdir()
    return run_dir, damage.ALL[name](run_dir, other, sandbox / "outside", u, v)


def compared(run_dir: Path, baseline: Path) -> int:
    """`harness compare`'s exit code, in this process (2: refused)."""
    try:
        slo_rows(run_dir), slo_rows(baseline)
        return 1 if losses(run_dir) else 0
    except InvalidInput as refused:
        assert all(line.strip() for line in str(refused).splitlines())
        return 2


def reported(run_dir: Path) -> tuple[int, dict | None]:
    """`harness report`'s exit code and summary, in this process (2: refused)."""
    try:
        summary = write_results(run_dir)
    except InvalidInput as refused:
        assert len(str(refused).splitlines()) >= 1 and str(refused).strip()
        return 2, None
    return exit_code(summary["verdict"]), summary


def assert_never_passed_written_out_of_or_hung_on(runs: tuple[Path, Path], name: str,
                                                 u: float, v: float) -> int:
    """Damage a copy, run compare then report on it; report's exit code."""
    with tempfile.TemporaryDirectory() as folder:
        sandbox = Path(folder)
        run_dir, lost = damaged(runs, name, u, v, sandbox)
        before = damage.snapshot(sandbox / "outside")
        with alarm(GUARD_S):
            compare_code = compared(run_dir, runs[0])
            report_code, summary = reported(run_dir)
        assert damage.snapshot(sandbox / "outside") == before, name
        if lost:
            assert compare_code != 0 and report_code != 0, (name, summary and summary["verdict"])
        if summary is not None and lost:
            assert summary["verdict"]["incomplete"] and "INCOMPLETE" in summary["verdict"][
                "headline"], name
        for output in damage.OUTPUTS:  # written in the folder, whatever had the name
            path = run_dir / output
            assert summary is None or (path.is_file() and not path.is_symlink()), output
        return report_code


units = st.floats(0, 1, exclude_max=True)


@settings(derandomize=True, max_examples=25, deadline=None, database=None,
          phases=(Phase.explicit, Phase.generate))
@given(st.sampled_from(sorted(damage.LOST_DATA)), units, units)
def test_lost_data_is_never_passed(runs, name, u, v):
    event(f"report exit {assert_never_passed_written_out_of_or_hung_on(runs, name, u, v)}")


@pytest.mark.parametrize("name", sorted(damage.HOSTILE_FILES))
def test_a_hostile_file_is_never_followed_out_nor_hung_on(runs, name):
    assert_never_passed_written_out_of_or_hung_on(runs, name, 0.5, 0.5)


def test_the_intact_folder_passes_and_is_whole(runs, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(runs[0], run_dir)
    assert losses(run_dir) == []
    summary = write_results(run_dir)
    assert summary["verdict"]["result"] == "pass" and summary["verdict"]["incomplete"] == []
    assert summary["run_id"] == sample.RUN_ID


@pytest.mark.parametrize("name, words", [
    ("windows cut at a line", ("windows.jsonl:", "bytes where the run wrote")),
    ("foreign scenario", ("scenario.yaml: ", "where the run wrote")),
    ("no manifest (killed)", (NO_MANIFEST,)),
    ("resealed: seconds renumbered", ("off its place in the run",)),
    ("resealed: windows cut at a line", ("seconds of a run of 120 s that completed",)),
])
def test_each_loss_is_one_line_of_an_incomplete_verdict(runs, tmp_path, name, words):
    run_dir, _ = damaged(runs, name, 0.5, 0.5, tmp_path)
    assert any(all(w in line for w in words) for line in losses(run_dir)) or name.startswith(
        "resealed"), losses(run_dir)  # compare reads no seconds: the summary's word counts
    headline = write_results(run_dir)["verdict"]["headline"]
    assert headline.startswith("FAIL — INCOMPLETE: ") and all(w in headline for w in words), \
        headline


def test_a_killed_run_is_incomplete_through_the_commands(runs, tmp_path):
    run_dir, _ = damaged(runs, "no manifest (killed)", 0, 0, tmp_path)
    compare = harness("compare", str(runs[0]), str(run_dir), timeout=60)
    assert compare.returncode == 1 and "Traceback" not in compare.stderr, compare.stderr
    assert f"INCOMPLETE: {run_dir}: {NO_MANIFEST}" in compare.stdout
    result = harness("report", str(run_dir), timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"FAIL — INCOMPLETE: {NO_MANIFEST}" in result.stdout


@pytest.mark.parametrize("name, command, words", [
    ("windows.jsonl is a named pipe", "report", ("windows.jsonl: a named pipe",)),
    ("summary.json is /dev/zero", "compare", ("summary.json:", "a symbolic link")),
    ("report.html is a directory", "report", ("report.html: a directory",)),
])
def test_a_special_file_is_one_line_and_exit_2(runs, tmp_path, name, command, words):
    run_dir, _ = damaged(runs, name, 0.5, 0.5, tmp_path)
    args = (str(run_dir),) if command == "report" else (str(runs[0]), str(run_dir))
    assert_one_line_error(harness(command, *args, timeout=30), 2, *words)


def test_outputs_linked_out_of_the_folder_are_replaced_not_followed(runs, tmp_path):
    run_dir, _ = damaged(runs, "report.html links out", 0, 0, tmp_path)
    for output in ("summary.json", "junit.xml"):
        damage.linked_out(output, dangling=True)(run_dir, runs[1], tmp_path / "outside", 0, 0)
    result = harness("report", str(run_dir), timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "outside" / "report.html.target").read_text() == damage.OUTSIDE_TEXT
    assert sorted(p.name for p in (tmp_path / "outside").iterdir()) == ["report.html.target"]
    assert json.loads((run_dir / "summary.json").read_text())["verdict"]["result"] == "pass"
    assert not any(p.is_symlink() for p in run_dir.iterdir())
    assert not list(run_dir.glob(".*.tmp"))  # no temporary file left behind


def test_a_manifest_that_is_not_one_is_said(runs, tmp_path):
    run_dir, _ = damaged(runs, "no manifest (killed)", 0, 0, tmp_path)
    (run_dir / MANIFEST).write_text('{"run_id": 5}')
    verdict = write_results(run_dir)["verdict"]
    assert verdict["result"] == "fail"
    assert verdict["incomplete"] == [f"{run_dir / MANIFEST}: not a run's manifest "
                                     f"(run_id: 5 is not a string)"]
