"""The sweep's parts without a stack: its faults from a stack descriptor, its
journeys from a scenario, the matrix from recorded windows (cells, verdicts,
time to recover, single points of failure) and its reports."""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness import scenario as scenarios
from harness.spec.errors import InvalidInput
from harness.spec.paths import SCENARIOS_DIR
from harness.orchestrate.sweep import SweepOptions, _each_fault, variant
from harness.orchestrate.sweep_faults import SweepFault, sweep_faults
from harness.orchestrate.sweep_journeys import journeys_of
from harness.orchestrate.sweep_matrix import (failing_by_second, row_cells,
                                              single_points_of_failure)
from harness.orchestrate.sweep_report import console_table, html, junit
from harness.platforms.registry import stack_of
from harness.platforms.stack import Component, Link, Stack
from harness.runfolder.recorder import Second
from harness.run.session import SignalStop
from harness.measure.window import ClientStarts, RequestTally, Window
from tests.cli import assert_one_line_error, harness

SCENARIO = """\
name: sweep-unit
platform: local
time_scale: 4
timeline: {start: -1m, end: 1m, peak: kickoff}
audience:
  viewers: [{at: -1m, viewers: 100}, {at: 0s, viewers: 400}]
  scale: 0.1
  clients: {web: 0.5, app: 0.5, tv: 0}
slos:
  - {metric: startup_time_p95, max: 3s, phase: peak}
  - {metric: startup_time_p95, max: 5s}
  - {metric: video_start_failure_ratio, max: 50%, phase: during:nothing}
  - {metric: latency_p95.auth, max: 500ms}
faults:
  - {name: nothing, kind: latency, target: edge-origin-a, at: 10s, for: 5s, params: {latency: 1ms}}
"""


@pytest.fixture(scope="module")
def scenario():
    return scenarios.loads(SCENARIO, Path("sweep-unit.yaml"))


# --- faults ---------------------------------------------------------------------

def test_every_component_but_the_fault_tools_is_killed_and_every_link_cut():
    faults = sweep_faults(stack_of("local"))
    kills = [f for f in faults if f.hits == "component"]
    assert [f.target for f in kills] == [c.name for c in stack_of("local").components
                                         if c.name != "toxiproxy"]
    assert {"redis", "postgres", "origin-a", "payment", "accounts", "edge"} <= \
        {f.target for f in kills}
    assert {f.kind for f in kills} == {"process-kill"}
    cuts = [f for f in faults if f.hits == "link"]
    assert [f.target for f in cuts] == [link.name for link in stack_of("local").links]
    assert {f.kind for f in cuts} == {"cut"}
    assert faults[0].name == "kill-redis" and cuts[0].name == "cut-edge-origin-a"
    assert {f.kind for f in sweep_faults(stack_of("docker")) if f.hits == "component"} == \
        {"container-stop"}


def test_an_external_stack_gives_what_its_targets_file_names_and_drivers_allow():
    stack = Stack("external", "http://127.0.0.1:1", "http://127.0.0.1:2",
                  (Component("api"), Component("db")), (Link("api-db", "api", "db"),),
                  {"toxiproxy": {"driver": "toxiproxy", "api": "http://127.0.0.1:2"}})
    assert sweep_faults(stack) == [SweepFault("api-db", "cut", "link")]  # no driver kills
    with pytest.raises(InvalidInput) as refused:
        sweep_faults(stack, ("db",))
    assert "--only: db: the sweep cannot break it here" in str(refused.value)


def test_only_keeps_the_stacks_order_and_names_every_unknown_target():
    stack = stack_of("local")
    assert [f.name for f in sweep_faults(stack, ("origin-a", "redis"))] == \
        ["kill-redis", "kill-origin-a"]
    with pytest.raises(InvalidInput) as refused:
        sweep_faults(stack, ("redis", "nope", "toxiproxy"))
    lines = str(refused.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("--only: no component or link 'nope' in the stack (components: "
                               "redis, postgres, toxiproxy")
    assert lines[1].startswith("--only: toxiproxy: the sweep cannot break it here")


def test_a_faults_run_holds_the_peak_with_the_fault_after_the_settle(scenario):
    options = SweepOptions(fault_for=40.0, after=20.0, joining=0.5)
    run = variant(scenario, SweepFault("redis", "process-kill", "component"), options)
    assert run.name == "sweep-unit-kill-redis"
    (fault,) = run.faults
    # at time_scale 4: 2 wall seconds of ramp and 2 of settle are 8 match seconds each;
    # the hold: settle, fault and after (8 + 40 + 20)
    assert (fault.target, fault.kind, fault.at, fault.duration) == ("redis", "process-kill",
                                                                    16.0, 40.0)
    assert [(p.at, p.viewers) for p in run.audience.points] == [(0, 0), (8, 20), (76, 40)]
    assert run.audience.scale == 1 and run.timeline.end == 76 and run.halt_if == ()
    assert [p.name for p in run.timeline.phases] == ["kickoff"]
    assert {s.phase for s in run.slos} <= {"overall", "peak"}  # during:nothing went with it


# --- journeys --------------------------------------------------------------------

def test_journeys_are_client_types_watching_and_the_journeys_own_groups(scenario):
    journeys = journeys_of(scenario)
    assert [j.name for j in journeys] == ["new viewers (web)", "new viewers (app)",
                                          "viewers already watching", "auth", "booking",
                                          "catalog", "home", "signup"]
    checks = {c.metric: c for c in journeys[0].checks}
    assert checks["startup_time_p95"].threshold == 3.0  # the strictest of the scenario's own
    assert not checks["startup_time_p95"].default and not checks["startup_time_p95"].hard
    # its SLO on a fault of its own does not apply to the sweep's faults: the default does
    assert checks["video_start_failure_ratio"].threshold == 0.01
    assert checks["video_start_failure_ratio"].default
    auth = {c.metric: c for c in journeys[3].checks}
    assert list(auth) == ["error_ratio.auth", "latency_p95.auth"]
    assert auth["error_ratio.auth"].hard and auth["error_ratio.auth"].default
    assert auth["latency_p95.auth"].threshold == 0.5 and not auth["latency_p95.auth"].hard


# --- the matrix ----------------------------------------------------------------

def _second(n: int, *, web_failures: int = 0, catalog_failures: int = 0,
            startup: float = 0.3) -> Second:
    """A second of the held peak: 2 new web viewers, catalog and auth requests, 30 watching."""
    starts = 2 - web_failures
    web = ClientStarts(2, starts, web_failures, 0)
    for _ in range(starts):
        web.startup.add(startup)
    window = Window(n, playing=30, played_s=30.0, clients={"web": web},
                    requests={"catalog": RequestTally(4, catalog_failures),
                              "auth": RequestTally(4, 0)})
    window.requests["auth"].latency.add(0.05)
    return Second(window, 1.7e9 + n, float(n), "kickoff", 32, 32)


def test_cells_judge_each_journey_while_the_fault_was_in(scenario):
    seconds = [_second(n) for n in range(4)] + \
        [_second(n, web_failures=2, catalog_failures=4) for n in range(4, 9)] + \
        [_second(n) for n in range(9, 13)]
    cells = row_cells(journeys_of(scenario), seconds, 4.0, 8.0)
    web = cells["new:web"]
    assert web["verdict"] == "fail" and web["broken"] == ["video_start_failure_ratio"]
    assert web["worst"]["label"] == "start failures" and web["worst"]["value"] == 1.0
    assert web["recovered_after_s"] == 1.0  # second 8 still failed, from 9 on it held
    assert cells["group:catalog"]["verdict"] == "fail"
    assert cells["group:catalog"]["worst"]["value"] == 1.0
    assert cells["new:app"]["verdict"] == "no data" and cells["new:app"]["worst"] is None
    assert cells["watching"]["verdict"] == "pass"
    assert cells["watching"]["recovered_after_s"] is None  # never broke: nothing to recover
    assert cells["group:auth"]["verdict"] == "pass"
    assert cells["group:auth"]["worst"]["metric"] == "latency_p95.auth"  # nearest its threshold


def test_a_slower_start_that_recovers_is_degraded_one_that_does_not_fails(scenario):
    journeys = journeys_of(scenario)
    slow = [_second(n, startup=8.0 if 4 <= n < 8 else 0.3) for n in range(12)]
    assert row_cells(journeys, slow, 4.0, 8.0)["new:web"]["verdict"] == "degraded"
    stuck = [_second(n, startup=8.0 if n >= 4 else 0.3) for n in range(12)]
    cell = row_cells(journeys, stuck, 4.0, 8.0)["new:web"]
    assert cell["verdict"] == "fail" and cell["recovered_after_s"] is None


def _rows(scenario) -> list[dict]:
    journeys = journeys_of(scenario)
    broken = [_second(n, web_failures=2 if 4 <= n < 8 else 0,
                      catalog_failures=4 if 4 <= n < 8 else 0) for n in range(12)]
    fine = [_second(n) for n in range(12)]
    return [{"fault": "kill-redis", "kind": "process-kill", "target": "redis", "seconds": 12,
             "run_dir": "r1", "cells": row_cells(journeys, broken, 4.0, 8.0),
             "injected_s": 4.0, "reverted_s": 8.0,
             "failing_by_second": failing_by_second(journeys, broken)},
            {"fault": "kill-origin-a", "kind": "process-kill", "target": "origin-a",
             "seconds": 12, "run_dir": "r2", "cells": row_cells(journeys, fine, 4.0, 8.0)}]


def test_failing_by_second_is_each_journeys_first_hard_figure(scenario):
    failing = _rows(scenario)[0]["failing_by_second"]
    assert failing["second"] == list(range(12))
    assert failing["new:web"] == [0.0] * 4 + [1.0] * 4 + [0.0] * 4
    assert failing["group:catalog"][4] == 1.0 and failing["group:auth"][4] == 0.0
    assert set(failing["new:app"]) == {None}  # nobody: no data, never 0


def test_single_points_of_failure_name_the_fault_and_the_journeys_it_failed(scenario):
    (spof,) = single_points_of_failure(_rows(scenario))
    assert spof == {"fault": "kill-redis", "target": "redis", "kind": "process-kill",
                    "fails": ["new viewers (web)", "catalog"]}


def test_console_junit_and_html_show_the_matrix(scenario):
    rows = _rows(scenario)
    sweep = {"scenario": "sweep-unit", "platform": "local", "outcome": "completed",
             "peak_viewers": 40, "time_scale": 4.0, "fault_for_s": 40.0,
             "started_utc": "2026-11-27T08:00:00.000Z",
             "journeys": [j.to_json() for j in journeys_of(scenario)], "rows": rows,
             "single_points_of_failure": single_points_of_failure(rows)}
    text = console_table(sweep)
    assert text.splitlines()[0] == ("SINGLE POINT OF FAILURE: redis (kill-redis, process-kill) "
                                    "fails new viewers (web), catalog")
    assert "start failures 100% (<= 1%)" in text and "back after 0 s" in text
    suite = ET.fromstring(junit(sweep)).find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 2 * 5  # a case per fault and journey
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["kill-redis: new viewers (web)", "kill-redis: new viewers (app)",
                      "kill-redis: catalog", "kill-origin-a: new viewers (app)"]
    assert [c.find("failure").get("type") for c in cases if c.find("failure") is not None] == \
        ["journey", "no-data", "journey", "no-data"]
    page = html(sweep)
    assert '<a href="r1/report.html">kill-redis</a>' in page
    assert page.count('class="badge fail"') == 2 and "SINGLE POINT OF FAILURE: redis" in page
    assert page.count("<svg") == 1 and 'data-chart="kill-redis"' in page  # the run with seconds
    assert 'data-fault="kill-redis"' in page  # its fault shaded


@pytest.mark.parametrize("only, words", [
    ("redis,nope", ("--only: no component or link 'nope'",)),
    (",", ("--only: name at least one component or link",)),
])
def test_the_command_refuses_a_target_it_cannot_break_before_touching_anything(only, words):
    result = harness("sweep", str(SCENARIOS_DIR / "kickoff-free-to-air.yaml"), "--only", only)
    assert_one_line_error(result, 2, *words)


# --- between faults -----------------------------------------------------------

def _dead_port() -> int:
    """A port on this machine nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_stack_that_does_not_recover_stops_the_sweep_before_the_next_fault(scenario,
                                                                             tmp_path):
    stack = Stack("external", None, None, (Component("db", check=f"http://127.0.0.1:"
                                                     f"{_dead_port()}/healthz"),), ())
    fault = SweepFault("db", "container-stop", "component")
    report = {"rows": [], "outcome": "completed"}
    stop = SignalStop()
    started = time.monotonic()
    try:
        code = _each_fault([(fault, scenario)], journeys_of(scenario), stack, tmp_path,
                           SweepOptions(healthy_within=0.5), report, stop)
    finally:
        stop.release()
    assert code == 3 and report["rows"] == []
    assert report["outcome"].startswith("stopped before kill-db: the stack was not healthy "
                                        "within 0.5 s: db down: ")
    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []  # no run was started
