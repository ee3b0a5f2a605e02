"""The live page's JSON and server (harness/outputs/live_page.py, live_checks.py,
live_http.py) without a run: /live.json holds each second's figures from the
second asked, the phases and faults in match time and the SLO checks so far,
which leave out the seconds a fault disturbed as the verdict does; the page
fetches nothing from elsewhere; unknown paths are 404."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness.generator.address import Address
from harness.measure.slo import Slo
from harness.measure.window import RequestTally, Window
from harness.outputs import live_http
from harness.outputs.hooks import RunEvents
from harness.outputs.live_checks import Checks
from harness.outputs.live_page import LivePage, LiveRun
from harness.runfolder.recorder import Second

GROUPS = ("playlist", "segment")
SEGMENT_ERRORS = Slo("error_ratio.segment", "max", 0.01, "overall")


def second(number: int, failures: int = 0, phase: str = "kickoff") -> Second:
    window = Window(number, joining=1, playing=3, stalled=number % 2, starts=1, stalls=1)
    window.startup.add(1.5)
    window.requests["segment"] = RequestTally(10, failures)
    window.played_s, window.stalled_s = 3.0, 1.0
    return Second(window, time.time(), 10.0 * number, phase, 5, 4)


def run_of(slos: list[Slo]) -> LiveRun:
    return LiveRun("20261207T000000Z_live", GROUPS, Checks(slos, "kickoff", GROUPS))


def document(run: LiveRun, start: int = 0) -> dict:
    return json.loads(run.document(start))


def test_the_document_holds_each_second_from_the_one_asked():
    run = run_of([SEGMENT_ERRORS])
    run.event("run_started", -20.0, scenario="live")
    run.event("phase", -20.0, phase="kickoff")
    for number in range(4):
        run.second(second(number))
    found = document(run, 2)
    assert (found["run"], found["scenario"], found["recorded"]) == (run.run, "live", 4)
    assert found["from"] == 2 and [p["second"] for p in found["points"]] == [2, 3]
    point = found["points"][0]
    assert point["match_s"] == 20.0 and point["target"] == 5 and point["viewers"] == 4
    assert (point["joining"], point["playing"], point["stalled"]) == (1, 3, 0)
    assert point["requests"] == {"playlist": 0, "segment": 10} and point["failed"] == 0
    assert point["startup_p95"] == pytest.approx(1.5, rel=0.02) and point["rebuffering"] == 0.25
    assert found["timeline_start"] == -20.0
    assert found["phases"] == [{"name": "kickoff", "match_s": -20.0}]
    assert document(run, 4)["points"] == [] and len(document(run)["points"]) == 4


def test_a_faults_window_is_in_match_time_and_its_state_follows_its_events():
    run = run_of([])
    run.event("fault_scheduled", 0.0, fault="cut", recovery_budget_s=5.0)
    assert document(run)["faults"] == [
        {"name": "cut", "state": "scheduled", "from_match_s": None, "to_match_s": None}]
    run.event("fault_injected", 12.5, fault="cut", second=1.2)
    run.event("fault_reverted", 30.0, fault="cut", second=3.0)
    assert document(run)["faults"] == [
        {"name": "cut", "state": "reverted", "from_match_s": 12.5, "to_match_s": 30.0}]


def test_demand_is_checked_without_the_seconds_a_fault_disturbed():
    """Segments fail only while the fault is in: its own SLO breaks, demand's holds
    (its seconds, and those of its recovery budget, are not demand's)."""
    run = run_of([SEGMENT_ERRORS, Slo("error_ratio.segment", "max", 0.01, "during:cut"),
                  Slo("error_ratio.segment", "max", 0.01, "baseline")])
    run.event("fault_scheduled", 0.0, fault="cut", recovery_budget_s=2.0)
    for number in range(10):
        if number == 3:
            run.event("fault_injected", 30.0, fault="cut", second=3.0)
        if number == 5:
            run.event("fault_reverted", 50.0, fault="cut", second=5.0)
        run.second(second(number, failures=5 if 3 <= number < 5 else 0))
    verdict = document(run)["verdict"]
    results = {row["phase"]: (row["result"], row["observed"]) for row in verdict["slos"]}
    assert results == {"overall": ("pass", 0.0), "during:cut": ("fail", 0.5),
                       "baseline": ("pass", 0.0)}
    assert verdict["result"] == "fail"
    assert verdict["headline"].startswith("FAIL so far, on 10 s")
    assert "error_ratio.segment 50% (wanted <= 1%) in during:cut" in verdict["headline"]
    checks = run.checks.spans
    assert len(checks["overall"].seconds) == 6  # 0-2 and 7-9: 3-6 are the fault's and its budget's
    assert len(checks["baseline"].seconds) == 3 and len(checks["during:cut"].seconds) == 2


def test_without_slos_the_verdicts_defaults_are_checked_and_no_data_is_pending():
    run = run_of([])
    run.event("fault_scheduled", 0.0, fault="cut", recovery_budget_s=2.0)
    calm = second(0, phase="pre")
    calm.window.stalled_s = 0.0
    run.second(calm)
    verdict = document(run)["verdict"]
    phases = [(row["metric"], row["phase"]) for row in verdict["slos"]]
    assert ("startup_time_p95", "peak") in phases and ("rebuffering_ratio", "during:cut") in phases
    assert ("latency_p99.playlist", "peak") in phases  # a default of a group the run has
    assert verdict["result"] == "pending" and "without data yet" in verdict["headline"]


def test_the_rest_of_the_document_is_made_once_per_change():
    run = run_of([SEGMENT_ERRORS])
    run.second(second(0))
    made = run.checks.verdict
    calls = []
    run.checks.verdict = lambda recorded: calls.append(recorded) or made(recorded)  # type: ignore[method-assign]
    document(run), document(run, 1), document(run)
    assert calls == [1]
    run.second(second(1))
    assert document(run)["recorded"] == 2 and calls == [1, 2]


def test_the_page_fetches_nothing_from_elsewhere():
    html = LivePage().html.decode()
    assert not re.search(r"\b(src|href)=\"(?!data:)", html), "the page loads something"
    assert not re.search(r"https?://", html)
    assert "fetch(`/live.json?from=" in html


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> str:
    """A LivePage on a free port of this machine, showing a run of two seconds."""
    run_dir = tmp_path_factory.mktemp("live") / "run"
    run_dir.mkdir()
    (run_dir / "scenario.yaml").write_text("name: live\ntimeline: {peak: kickoff}\n")
    page = LivePage()
    events = RunEvents()
    page.attach(events, run_dir, GROUPS)
    for number in range(2):
        events.second_recorded.fire(second=second(number))
    host, port = live_http.start(Address("127.0.0.1", 0), {"/": page.page, "/live.json": page.json})
    return f"http://{host}:{port}"


def test_the_server_serves_the_page_and_its_json(served):
    with urllib.request.urlopen(f"{served}/") as answer:
        assert answer.headers["Content-Type"].startswith("text/html")
        assert b'<div data-chart-box="viewers"></div>' in answer.read()  # drawn in the browser
    with urllib.request.urlopen(f"{served}/live.json?from=1") as answer:
        assert answer.headers["Content-Type"] == "application/json"
        assert [p["second"] for p in json.load(answer)["points"]] == [1]


@pytest.mark.parametrize("path, status", [("/nothing", 404), ("/metrics/", 404),
                                          ("/live.json?from=-1", 400), ("/live.json?from=x", 400)])
def test_anything_else_is_refused(served, path, status):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{served}{path}")
    assert refused.value.code == status


def test_a_run_folders_scenario_gives_the_slos(tmp_path: Path):
    (tmp_path / "scenario.yaml").write_text(
        "name: live\ntimeline: {peak: kickoff}\n"
        "slos: [{metric: rebuffering_ratio, max: 0.02, phase: peak}]\n")
    page = LivePage()
    page.attach(RunEvents(), tmp_path, GROUPS)
    assert page.run is not None
    assert [(o.metric, o.phase) for o in page.run.checks.slos()] == [("rebuffering_ratio", "peak")]
