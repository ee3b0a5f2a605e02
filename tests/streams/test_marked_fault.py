"""Faults done by hand, outside kickoff, on the record: while an external
run plays a live stream, the test cuts the stream's only way in (its
Toxiproxy, which the run is not told to use) between `harness mark start`
and `harness mark end`; the run records it as a fault marked by hand and
judges it like any fault: the scenario's during: and recovery: SLOs for it,
its impact and its recovery. A declared fault nobody marks fails as never
injected; one marked without a declaration is judged on the default SLOs."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

from tests.cli import HARNESS, assert_one_line_error, harness
from tests.run.helpers import events, run_dir, summary
from tests.run.test_run import wait_for_seconds
from tests.streams.external import external_platform, external_scenario
from tests.streams.servers import own_state

CUT_S = 6  # how long the stream is cut by hand
DECLARED = """\
faults_by_hand:
  - {name: edge-cut, recover_within: 10s}
  - {name: never-marked}
slos:
  - {metric: video_start_failure_ratio, max: 0%}
  - {metric: playback_failure_ratio, max: 1%, phase: "during:edge-cut"}
  - {metric: rebuffering_ratio, max: 1%, phase: "recovery:edge-cut"}
"""


def _enable(api: str, link: str, enabled: bool) -> None:
    request = urllib.request.Request(f"{api}/proxies/{link}", method="POST",
                                     data=json.dumps({"enabled": enabled}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()


def test_a_fault_marked_by_hand_is_judged_like_any_fault(tmp_path):
    env, results = own_state(tmp_path), tmp_path / "results"
    with external_platform(tmp_path, 60) as platform:
        scenario = external_scenario(tmp_path, "by-hand", platform.stream, "30s", DECLARED)
        run = subprocess.Popen([HARNESS, "run", str(scenario), "--results-dir", str(results)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, env=env)
        try:
            wait_for_seconds(results, 10)  # a baseline band before the fault
            began = time.monotonic()
            start = harness("mark", "start", "edge-cut", "--target", "edge", env=env)
            marking_s = time.monotonic() - began
            assert start.returncode == 0, start.stderr
            _enable(platform.api, platform.link, False)
            time.sleep(CUT_S)
            _enable(platform.api, platform.link, True)
            began = time.monotonic()
            end = harness("mark", "end", "edge-cut", env=env)
            marking_s += time.monotonic() - began
            assert end.returncode == 0, end.stderr
            wrong = harness("mark", "end", "never-started", env=env)
            noted = harness("mark", "start", "noted", env=env)  # not declared, never ended
            assert noted.returncode == 0, noted.stderr
            out, err = run.communicate(timeout=60)
        finally:
            run.kill()
    assert "edge-cut: start marked by hand in run PID" in start.stdout, start.stdout
    assert_one_line_error(wrong, 2, "never-started", "was not started")
    assert run.returncode == 1, out + err  # the fault broke its SLOs
    late = harness("mark", "start", "too-late", env=env)
    assert_one_line_error(late, 3, "no run is going", "KICKOFF_STATE_DIR")

    folder = run_dir(results)
    faults = {f["name"]: f for f in summary(folder)["faults"]}
    assert set(faults) == {"edge-cut", "never-marked", "noted"}
    fault = faults["edge-cut"]
    assert fault["kind"] == "marked by hand" and fault["marked_by_hand"] is True
    assert fault["target"] == "edge" and fault["status"] == "reverted"
    # marked when it was done (the run takes marks once a second, and dates them back)
    assert fault["injected_second"] >= 10, fault
    # give or take the time each `harness mark` took
    assert CUT_S - 0.5 <= fault["reverted_second"] - fault["injected_second"] \
        < CUT_S + marking_s + 0.5, (fault, marking_s)
    assert fault["recovery_budget_s"] == 10  # as declared
    assert fault["impact_detected_after_s"] is not None and fault["impact_detected_after_s"] <= 3
    assert fault["recovered_after_s"] is not None and fault["recovered_after_s"] <= 10
    assert faults["never-marked"]["status"] == "never marked"
    assert faults["noted"]["status"] == "no end marked"
    assert faults["noted"]["recovery_budget_s"] == 30  # the default
    verdict = summary(folder)["verdict"]
    judged = {f["name"]: f for f in verdict["faults"]}
    assert judged["edge-cut"]["result"] == "fail", judged
    assert judged["never-marked"] == {**judged["never-marked"], "result": "fail",
                                      "why": "never injected (never marked)"}
    rows = {(r["judged_for"], r["metric"]): r for r in verdict["slos"]}
    during = rows[("edge-cut", "playback_failure_ratio")]  # the scenario's own SLOs
    marked_s = fault["reverted_second"] - fault["injected_second"]
    assert during["phase"] == "during:edge-cut" and marked_s <= during["seconds"] <= marked_s + 2
    assert during["observed"] > 0.5 and during["result"] == "fail", during
    recovery = rows[("edge-cut", "rebuffering_ratio")]
    assert recovery["phase"] == "recovery:edge-cut" and 10 <= recovery["seconds"] <= 12, recovery
    assert {r["phase"] for r in verdict["slos"] if r["judged_for"] == "noted"} == \
        {"during:noted"}  # the defaults
    # the demand is judged on the seconds the faults did not disturb
    assert all(r["result"] == "pass" for r in verdict["slos"] if r["judged_for"] == "demand")
    assert "marked by hand" in out  # the console's fault table
    assert "marked by hand" in (folder / "report.html").read_text()
    marked = [e["kind"] for e in events(folder) if e.get("fault") == "edge-cut"]
    assert marked == ["fault_scheduled", "fault_injected", "fault_reverted"]
