"""A fault done by hand, outside kickoff, on the record: while an external
run plays a live stream, the test cuts the stream's only way in (its
Toxiproxy, which the run is not told to use) between `harness mark start`
and `harness mark end`; the run records it as a fault marked by hand and
judges it like any fault: its during: span, its impact and its recovery."""

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


def _enable(api: str, link: str, enabled: bool) -> None:
    request = urllib.request.Request(f"{api}/proxies/{link}", method="POST",
                                     data=json.dumps({"enabled": enabled}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()


def test_a_fault_marked_by_hand_is_judged_like_any_fault(tmp_path):
    env, results = own_state(tmp_path), tmp_path / "results"
    with external_platform(tmp_path, 60) as platform:
        scenario = external_scenario(tmp_path, "by-hand", platform.stream, "30s")
        run = subprocess.Popen([HARNESS, "run", str(scenario), "--results-dir", str(results)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, env=env)
        try:
            wait_for_seconds(results, 10)  # a baseline band before the fault
            start = harness("mark", "start", "edge-cut", "--target", "edge", "--recover-within",
                            "10s", env=env)
            assert start.returncode == 0, start.stderr
            _enable(platform.api, platform.link, False)
            time.sleep(CUT_S)
            _enable(platform.api, platform.link, True)
            end = harness("mark", "end", "edge-cut", env=env)
            assert end.returncode == 0, end.stderr
            wrong = harness("mark", "end", "never-started", env=env)
            out, err = run.communicate(timeout=60)
        finally:
            run.kill()
    assert "edge-cut: start marked by hand in run PID" in start.stdout, start.stdout
    assert_one_line_error(wrong, 2, "never-started", "was not started")
    assert run.returncode == 1, out + err  # the fault broke its SLOs
    late = harness("mark", "start", "too-late", env=env)
    assert_one_line_error(late, 3, "no run is going", "KICKOFF_STATE_DIR")

    folder = run_dir(results)
    (fault,) = summary(folder)["faults"]
    assert fault["name"] == "edge-cut" and fault["kind"] == "marked by hand"
    assert fault["marked_by_hand"] is True and fault["target"] == "edge"
    assert fault["status"] == "reverted"
    # marked when it was done (the run takes marks once a second, and dates them back)
    assert 10 <= fault["injected_second"] < 14, fault
    # (each `harness mark` takes a moment to start)
    assert CUT_S <= fault["reverted_second"] - fault["injected_second"] < CUT_S + 3, fault
    assert fault["recovery_budget_s"] == 10
    assert fault["impact_detected_after_s"] is not None and fault["impact_detected_after_s"] <= 3
    assert fault["recovered_after_s"] is not None and fault["recovered_after_s"] <= 10
    verdict = summary(folder)["verdict"]
    (judged,) = verdict["faults"]
    assert judged["name"] == "edge-cut" and judged["result"] == "fail", judged
    during = [r for r in verdict["slos"] if r["judged_for"] == "edge-cut"]
    assert {r["phase"] for r in during} == {"during:edge-cut"}
    marked_s = fault["reverted_second"] - fault["injected_second"]
    assert all(marked_s <= r["seconds"] <= marked_s + 2 for r in during), during
    (failed,) = [r for r in during if r["metric"] == "playback_failure_ratio"]
    assert failed["observed"] > 0.5 and failed["result"] == "fail", failed
    # the demand is judged on the seconds the fault did not disturb
    assert all(r["result"] == "pass" for r in verdict["slos"] if r["judged_for"] == "demand")
    assert "marked by hand" in out  # the console's fault table
    assert "marked by hand" in (folder / "report.html").read_text()
    marked = [e for e in events(folder) if e.get("fault") == "edge-cut"]
    assert [e["kind"] for e in marked] == ["fault_scheduled", "fault_injected", "fault_reverted"]
