"""`harness run --control` on the real local stack: the same audience without
faults, then the experiment, each a run folder inside one control folder. A
breach the fault-free scenario has in both runs is load, never the fault; a
cut edge-auth link during the rush breaks starts in the experiment only, and
every report of the experiment (and `harness report` on it) says the fault
caused it."""

from __future__ import annotations

import json

import pytest
from junitparser import JUnitXml

from tests.cli import harness
from tests.run.helpers import run_dir, summary, write_scenario

pytestmark = pytest.mark.only_on("local")  # attribution does not depend on the platform


def rush(end: int) -> str:
    """Viewers join from -16s to kickoff, and watch until `end` (4 match s a wall s)."""
    return (f"time_scale: 4\nseed: 11\ntimeline: {{start: -16s, end: {end}s}}\naudience:\n"
            f"  viewers:\n    - {{at: -16s, viewers: 4}}\n    - {{at: 0s, viewers: 24}}\n"
            f"    - {{at: {end}s, viewers: 24}}\n")


def _folders(results) -> tuple[dict, list]:
    """control.json and the run folders of the one control folder in `results`."""
    parent = run_dir(results)
    assert parent.name.endswith("-control")
    record = json.loads((parent / "control.json").read_text())
    return record, [parent / run["folder"] for run in record["runs"]]


def test_a_fault_free_scenario_attributes_its_breach_to_load(run_stack, tmp_path):
    impossible = rush(4) + "slos:\n  - {metric: startup_time_p50, max: 1ms}\n"
    scenario = write_scenario(tmp_path, "fault-free", impossible)
    result = harness("run", str(scenario), "--control", "interleaved",
                     "--results-dir", str(tmp_path / "r"))
    assert result.returncode == 1, result.stdout + result.stderr  # the experiment's
    record, (before, experiment, after) = _folders(tmp_path / "r")
    assert [run["role"] for run in record["runs"]] == ["control", "experiment", "control"]
    assert before.name.endswith("_fault-free-no-faults") and after.name.endswith("-no-faults")
    assert experiment.name.endswith("_fault-free")
    assert record["attribution"]["controls"] == [before.name, after.name]
    (row,) = record["attribution"]["rows"]
    assert (row["metric"], row["cause"]) == ("startup_time_p50", "load")
    assert all(c["breaks"] and c["seconds"] > 0 for c in row["controls"])
    assert summary(experiment)["attribution"] == record["attribution"]
    assert "caused by load" in result.stdout and "caused by the fault" not in result.stdout


def test_a_cut_auth_link_in_the_rush_is_blamed_on_the_fault(run_stack, tmp_path):
    cut = rush(16) + """\
faults:
  # 8 s at real time (as faults run): longer than a viewer's retries of its entitlement
  # (3.5 s); the control keeps the fault's real-time stretch, so its seconds line up
  - {name: auth-cut, kind: cut, target: edge-auth, at: -12s, for: 8s, recover_within: 4s}
slos:
  - {metric: video_start_failure_ratio, max: 1%, phase: during:auth-cut}
"""
    scenario = write_scenario(tmp_path, "auth-cut", cut)
    result = harness("run", str(scenario), "--control", "--results-dir", str(tmp_path / "r"))
    assert result.returncode == 1, result.stdout + result.stderr
    record, (control, experiment) = _folders(tmp_path / "r")
    assert summary(control)["faults"] == [] and summary(control)["verdict"]["result"] == "pass"
    # -16s..-12s at time_scale 4, -12s..0s (the cut and its budget) at real time, then 4 s
    assert summary(control)["seconds_recorded"] == summary(experiment)["seconds_recorded"] == 17
    rows = {r["phase"]: r for r in record["attribution"]["rows"]}
    row = rows["during:auth-cut"]
    assert row["cause"] == "fault" and row["cause_words"] == "caused by the fault auth-cut"
    assert row["experiment"] > 0.01 >= row["control"]
    assert row["difference"] == pytest.approx(row["experiment"] - row["control"])
    # the control judged on the fault's own span: as many seconds as the experiment
    assert row["control_seconds"] == row["experiment_seconds"] > 0
    said = "video_start_failure_ratio in during:auth-cut caused by the fault auth-cut"
    verdict = summary(experiment)["verdict"]
    assert said in verdict["headline"] and said in result.stdout
    (case,) = [case for suite in JUnitXml.fromfile(str(experiment / "junit.xml")) for case in suite
               if case.name.startswith("during:auth-cut: video_start_failure_ratio")]
    assert "caused by the fault auth-cut" in case.result[0].message
    for page in (experiment / "report.html", experiment.parent / "report.html"):
        assert "caused by the fault auth-cut" in page.read_text()
    # `harness report` computes the same from the experiment's folder alone
    before = summary(experiment)
    again = harness("report", str(experiment))
    assert again.returncode == 1 and said in again.stdout
    assert summary(experiment) == before
