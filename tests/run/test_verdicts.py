"""Verdicts end to end on the real local stack: a passing smoke run exits 0,
also when its load generator was stopped once for 0.3 s (a stall, not a
saturated generator); an impossible SLO exits 1 and shows in the console,
summary.json, junit.xml and report.html, and so does a broken `during:` SLO
of a fault the stack recovered from within its budget; `harness report` on a copied folder
gives the same summary; a run slower than its baseline is a regression."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time

import pytest
from junitparser import JUnitXml

from tests.reference import toxiproxy
from harness.spec.paths import SCENARIOS_DIR
from tests.cli import harness
from tests.run.helpers import number, run_dir, summary, timeseries, write_scenario
from tests.run.test_run import start_run, wait_for_seconds

pytestmark = pytest.mark.only_on("local")  # the verdict does not depend on the platform

SHORT = """\
time_scale: 2
timeline: {start: -10s, end: 20s}
audience:
  viewers:
    - {at: -10s, viewers: 4}
slos:
  - {metric: video_start_failure_ratio, max: 1%}
  - {metric: latency_p95.playlist, max: 5s}
"""


def test_the_smoke_scenario_passes(run_stack, tmp_path):
    result = harness("run", str(SCENARIOS_DIR / "smoke.yaml"), "--time-scale", "20",
                     "--results-dir", str(tmp_path / "results"))
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = summary(run_dir(tmp_path / "results"))["verdict"]
    assert verdict["result"] == "pass" and verdict["demand"] == "pass"
    assert result.stdout.count("PASS") >= len(verdict["slos"])
    assert verdict["headline"].startswith("PASS")


def test_a_generator_stopped_once_for_0_3_s_still_passes(run_stack, tmp_path):
    """The harness process (the load generator) stopped by SIGSTOP for 0.3 s
    mid-run, then continued: one stall, which cannot change the smoke SLOs."""
    results = tmp_path / "results"
    process = start_run(SCENARIOS_DIR / "smoke.yaml", results)
    try:
        wait_for_seconds(results, 12, timeout=90)  # mid-run: 30 s in all
        os.kill(process.pid, signal.SIGSTOP)
        time.sleep(0.3)
        os.kill(process.pid, signal.SIGCONT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    folder = run_dir(results)
    rows = timeseries(folder)
    stalled = [r for r in rows if number(r["generator_stall_s"]) >= 0.25]
    assert stalled and int(stalled[0]["second"]) >= 11, rows  # the stop, as a stall
    assert all(r["generator_saturated"] == "0" for r in rows)
    assert process.returncode == 0, stdout + stderr
    s = summary(folder)
    assert s["verdict"]["result"] == "pass", s["verdict"]["headline"]
    assert all(r["stall_s"] >= 0.25 for r in s["verdict"]["slos"])
    assert "load generator: kept up, stalled" in stdout


def test_an_impossible_slo_fails_in_every_report(run_stack, tmp_path):
    impossible = SHORT + "  - {metric: startup_time_p50, max: 1ms}\n"
    scenario = write_scenario(tmp_path, "impossible", impossible)
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"))
    assert result.returncode == 1, result.stderr
    folder = run_dir(tmp_path / "results")
    # the console: the failing row and the headline
    assert "startup_time_p50" in result.stdout and "FAIL" in result.stdout
    assert "FAIL — startup_time_p50" in result.stdout
    # summary.json
    rows = summary(folder)["verdict"]["slos"]
    failing = [r for r in rows if r["result"] == "fail"]
    assert [(r["metric"], r["threshold"]) for r in failing] == [("startup_time_p50", 0.001)]
    assert failing[0]["observed"] > 0.001
    # junit.xml
    cases = [case for suite in JUnitXml.fromfile(str(folder / "junit.xml")) for case in suite]
    failed = [case for case in cases if not case.is_passed]
    assert len(cases) == len(rows) and len(failed) == 1
    assert "startup_time_p50" in failed[0].name and "observed" in failed[0].result[0].message
    # report.html
    html = (folder / "report.html").read_text()
    assert "startup_time_p50" in html and "FAIL" in html


REDIS_DIES = """\
time_scale: 1
seed: 3
timeline: {start: -10s, end: 24s}
audience:
  viewers:
    - {at: -10s, viewers: 2}
    - {at: 24s, viewers: 14}
  clients: {web: 0.5, app: 0.5}
faults:
  - {name: redis-dies, kind: process-kill, target: redis, at: 0s, for: 10s, recover_within: 10s}
slos:
  - {metric: video_start_failure_ratio, max: 5%, phase: during:redis-dies}
"""


def test_a_broken_slo_of_a_fault_that_recovered_within_budget_fails_the_run(run_stack,
                                                                           tmp_path):
    scenario = write_scenario(tmp_path, "redis-dies", REDIS_DIES)
    result = harness("run", str(scenario), "--results-dir", str(tmp_path / "results"))
    assert "Traceback" not in result.stderr, result.stderr
    s = summary(run_dir(tmp_path / "results"))
    (fault,) = s["faults"]
    (judged,) = s["verdict"]["faults"]
    (row,) = [r for r in s["verdict"]["slos"] if r["judged_for"] == "redis-dies"]
    # New viewers could not get in while redis was down; the stack was back within budget.
    assert row["result"] == "fail" and row["observed"] > 0.05, row
    assert fault["recovered_after_s"] is not None and fault["recovered_after_s"] <= 10, fault
    assert judged == {**judged, "result": "fail", "why": "SLO broken: video_start_failure_ratio"}
    assert s["verdict"]["result"] == "fail" and result.returncode == 1, result.stdout
    assert "FAIL — video_start_failure_ratio" in result.stdout
    assert "in during:redis-dies" in s["verdict"]["headline"]


def test_harness_report_on_a_copied_folder_gives_the_same_summary(run_stack, tmp_path):
    scenario = write_scenario(tmp_path, "copied", SHORT)
    assert harness("run", str(scenario), "--results-dir", str(tmp_path / "results")).returncode == 0
    original = run_dir(tmp_path / "results")
    copy = tmp_path / "elsewhere" / original.name
    shutil.copytree(original, copy)
    for derived in ("summary.json", "report.html", "junit.xml"):
        (copy / derived).unlink()
    result = harness("report", str(copy))
    assert result.returncode == 0, result.stderr
    assert json.loads((copy / "summary.json").read_text()) == summary(original)
    assert (copy / "report.html").read_text() == (original / "report.html").read_text()
    assert (copy / "junit.xml").read_text() == (original / "junit.xml").read_text()


def test_a_slower_run_is_a_regression_against_its_baseline(run_stack, tmp_path):
    scenario = write_scenario(tmp_path, "nightly-ish", SHORT)
    results = tmp_path / "results"
    assert harness("run", str(scenario), "--results-dir", str(results)).returncode == 0
    (baseline,) = list(results.iterdir())
    # the same run with slow origin links: still within its SLOs, but worse
    process = start_run(scenario, results, "--baseline", "latest-pass", "--fail-on-regression")
    links = toxiproxy()
    try:
        wait_for_seconds(results, 1, timeout=30, earlier=baseline)
        for link in ("edge-origin-a", "edge-origin-b"):
            links.add_toxic(link, "latency", {"latency": 400, "jitter": 0})
        # Taken off while viewers still read: a latency toxic cannot be removed while a
        # connection it delays is not read (Toxiproxy's API then hangs), as after a run.
        wait_for_seconds(results, 12, timeout=60, earlier=baseline)
        links.reset()
        stdout, stderr = process.communicate(timeout=90)
    finally:
        process.kill()
        links.reset()
    assert process.returncode == 1, stdout + stderr
    latest = max(p for p in results.iterdir() if p != baseline)
    s = summary(latest)
    assert s["verdict"]["result"] == "pass"  # the SLOs still hold: only the regression fails it
    assert s["baseline_run"] == str(baseline.resolve())
    worse = [r for r in s["regressions"] if r["worse"]]
    assert [(r["metric"], r["phase"]) for r in worse] == [("latency_p95.playlist", "overall")]
    assert "WORSE" in stdout and "REGRESSION against" in stdout
    compared = harness("compare", str(baseline), str(latest))
    assert compared.returncode == 0 and "latency_p95.playlist" in compared.stdout
    assert "WORSE" in compared.stdout
