"""The time map (harness/scenario/time_map.py): faults and the spans judged
around them at fault_time_scale, the rest at time_scale; everything that
converts match time and wall time follows it (scenario, arrivals' clock,
pool users, rush rates, control runs, workers' plans), and validate warns
of faults compressed below the players' horizon."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from harness.generator.plan import plan_of, unpack
from harness.load.arrivals.queue import RunClock
from harness.generator.schedule import AFTER_ENDING_S, Schedule
from harness.orchestrate.variants import at_rush_rate, control_of, rush, with_component_down
from harness.scenario import loads
from harness.scenario.time_map import TimeMap, fault_span, merged
from harness.load.clients import HLS_JS_SEGMENT
from harness.load.retry import KICKOFF
from harness.scenario.horizon import players_horizon, retry_horizon, short_faults
from tests.cli import harness

BASE = """\
name: t
time_scale: {scale}
{extra}timeline: {{start: -2m, end: 3m}}
audience:
  viewers:
    - {{at: -2m, viewers: 2}}
    - {{at: 0s, viewers: 8}}
    - {{at: 3m, viewers: 8}}
  clients: {{web: 0.5, tv: 0.5}}
"""


def scenario(tmp_path: Path, faults: str = "", scale: float = 10, extra: str = ""):
    text = BASE.format(scale=scale, extra=extra) + (f"faults:\n{faults}" if faults else "")
    return loads(textwrap.dedent(text), tmp_path / "s.yaml")


# --- the map ------------------------------------------------------------------------

def test_without_slow_spans_the_map_is_the_time_scale():
    plain = TimeMap(-120.0, 180.0, 10.0)
    assert plain.wall(-120.0) == 0.0 and plain.wall(0.0) == 12.0 and plain.wall_duration == 30.0
    assert plain.match(12.0) == 0.0 and plain.match(-1.0) == -130.0  # before the start too
    assert plain.wall(200.0) == 32.0  # and after the end


def test_slow_spans_run_at_their_scale_and_the_map_goes_both_ways():
    time_map = TimeMap(-120.0, 180.0, 10.0, [(0.0, 60.0)], 1.0)
    assert [(s.start, s.end, s.rate, s.slow) for s in time_map.stretches] == [
        (-120.0, 0.0, 10.0, False), (0.0, 60.0, 1.0, True), (60.0, 180.0, 10.0, False)]
    assert time_map.wall(0.0) == 12.0 and time_map.wall(30.0) == 42.0
    assert time_map.wall(60.0) == 72.0 and time_map.wall_duration == 84.0
    assert time_map.slow_wall_s() == 60.0
    for match_s in (-150.0, -120.0, -1.0, 0.0, 0.5, 59.9, 60.0, 61.0, 180.0, 240.0):
        assert time_map.match(time_map.wall(match_s)) == pytest.approx(match_s)
    assert time_map.rate_at(10.0) == 1.0 and time_map.rate_at(100.0) == 10.0


def test_spans_are_cut_to_the_timeline_and_joined():
    assert merged([(50.0, 70.0), (-200.0, -100.0), (0.0, 50.0), (170.0, 400.0)], -120.0, 180.0) \
        == [(-120.0, -100.0), (0.0, 70.0), (170.0, 180.0)]
    assert merged([(200.0, 300.0)], -120.0, 180.0) == []


def test_a_slow_scale_at_or_above_the_time_scale_changes_nothing():
    assert TimeMap(0.0, 100.0, 4.0, [(10.0, 20.0)], 8.0).wall_duration == 25.0
    assert TimeMap(0.0, 100.0, 4.0, [(10.0, 20.0)], 4.0).slow == []


@pytest.mark.parametrize("at, duration, heals, expected", [
    (60.0, 30.0, False, (60.0, 60.0 + 30.0 + 20.0 * 2)),  # for, then the budget in wall seconds
    (60.0, None, True, (60.0, 60.0 + 20.0 * 2)),  # heals itself: the budget from the injection
    (60.0, None, False, (60.0, 180.0)),  # until the end
    (-120.0, None, False, None),  # the whole run: no moment to ride over
    (-120.0, 300.0, False, None),
    (-120.0, 30.0, False, (-120.0, -120.0 + 30.0 + 40.0)),
])
def test_the_span_a_fault_runs_slow(at, duration, heals, expected):
    assert fault_span(at, duration, 20.0, heals, 2.0, -120.0, 180.0) == expected


# --- the scenario -------------------------------------------------------------------

def test_a_fault_and_its_recovery_budget_run_at_real_time(tmp_path):
    loaded = scenario(tmp_path, "  - {name: down, kind: process-kill, target: redis, at: 0s, "
                                "for: 1m, recover_within: 20s}\n")
    assert loaded.wall(0.0) == 12.0 and loaded.wall(60.0) == 72.0 and loaded.wall(80.0) == 92.0
    assert loaded.wall_duration == 92.0 + 10.0  # 80s .. 3m at time_scale 10
    assert loaded.match(loaded.wall(75.0)) == 75.0
    # Its planned moments are a real minute apart.
    assert loaded.wall(60.0) - loaded.wall(0.0) == 60.0


def test_fault_time_scale_compresses_faults_knowingly(tmp_path):
    text = "  - {name: down, kind: process-kill, target: redis, at: 0s, for: 1m}\n"
    quick = scenario(tmp_path, text, extra="fault_time_scale: 10\n")
    assert quick.wall_duration == 30.0 and quick.wall(60.0) - quick.wall(0.0) == 6.0
    twice = scenario(tmp_path, text, extra="fault_time_scale: 2\n")
    assert twice.wall(60.0) - twice.wall(0.0) == 30.0
    # Never faster than the timeline: a larger value is time_scale.
    assert scenario(tmp_path, text, extra="fault_time_scale: 50\n").wall_duration == 30.0


def test_timeline_real_time_adds_stretches_and_is_checked(tmp_path):
    loaded = loads(textwrap.dedent(BASE.format(scale=10, extra="")).replace(
        "timeline: {start: -2m, end: 3m}",
        "timeline: {start: -2m, end: 3m, real_time: [{from: -1m, to: -30s}]}"),
        tmp_path / "s.yaml")
    assert loaded.wall(-30.0) - loaded.wall(-60.0) == 30.0 and loaded.wall_duration == 57.0
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent(BASE.format(scale=10, extra="")).replace(
        "timeline: {start: -2m, end: 3m}",
        "timeline:\n  start: -2m\n  end: 3m\n  real_time:\n    - {from: 1m, to: 30s}\n"
        "    - {from: 2m, to: 4m}"))
    result = harness("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:7: timeline.real_time[0].to: 30s is not after from 1m" in result.stderr
    assert f"{bad}:8: timeline.real_time[1]: 2m..4m is not inside the timeline (-2m..3m)" \
        in result.stderr


def test_validate_says_how_much_runs_at_real_time_and_warns_of_short_faults(tmp_path):
    faults = "  - {name: redis-dies, kind: process-kill, target: redis, at: 0s, for: 1m}\n"
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(BASE.format(scale=16, extra="")) + f"faults:\n{faults}")
    result = harness("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert "wall duration 103.125s at time_scale 16, 90s of it at fault_time_scale 1 around " \
           "faults" in result.stdout
    assert "warning" not in result.stderr
    path.write_text(textwrap.dedent(BASE.format(scale=16, extra="fault_time_scale: 16\n"))
                    + f"faults:\n{faults}")
    result = harness("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        f"warning: {path}: faults[0] redis-dies: lasts 3.75 s of wall time at fault_time_scale "
        f"16, shorter than the players' horizon (31.2 s: their buffers and retries outlast it); "
        f"set fault_time_scale lower to judge the outage as it would be")


def test_the_players_horizon_is_the_largest_buffer_target_and_the_retries():
    assert retry_horizon(KICKOFF) == 0.5 + 1 + 2
    assert retry_horizon(HLS_JS_SEGMENT) == 1 + 2 + 4 + 8 + 8 + 8  # capped at 8 s
    assert players_horizon({"web": 0.0, "app": 1.0, "tv": 0.0}) == 4 + 3.5
    assert players_horizon({"web": 0.0, "app": 0.5, "tv": 0.5}) == 6 + 3.5
    # hls.js buffers only Chromium's 0.2 s before its first frame, but retries a segment
    # for 31 s
    assert players_horizon({"web": 0.5, "app": 0.5, "tv": 0.0}) == pytest.approx(31.2)


def test_a_fault_longer_than_the_horizon_or_without_for_is_not_warned_of(tmp_path):
    text = ("  - {name: long, kind: process-kill, target: redis, at: 0s, for: 3m}\n"
            "  - {name: crash, kind: process-kill, target: origin-a, at: 0s}\n")
    assert short_faults(scenario(tmp_path, text, extra="fault_time_scale: 5\n")) == []


# --- what follows the map -----------------------------------------------------------

def test_the_arrivals_clock_follows_the_map(tmp_path):
    loaded = scenario(tmp_path, "  - {name: down, kind: process-kill, target: redis, at: 0s, "
                                "for: 1m}\n")
    clock = RunClock(loaded.time_map)
    clock.begin(1000.0)
    assert clock.monotonic(0.0) == 1012.0 and clock.monotonic(60.0) == 1072.0
    assert clock.match(1042.0) == 30.0 and clock.monotonic(math.inf) == math.inf


def test_a_pool_user_is_free_again_after_wall_seconds_on_the_map(tmp_path):
    loaded = loads(textwrap.dedent(BASE.format(scale=10, extra="")).replace(
        "  clients: {web: 0.5, tv: 0.5}",
        "  arrivals: [{at: -2m, per_minute: 60}]\n  watch: {median: 30s, p90: 40s}\n"
        "  clients: {web: 0.5, tv: 0.5}") + "faults:\n  - {name: down, kind: process-kill, "
        "target: redis, at: -2m, for: 4m}\n", tmp_path / "s.yaml")
    schedule = Schedule(loaded)
    arrival = schedule.arrivals[0]
    free = schedule._free(arrival)
    assert loaded.wall(free) - loaded.wall(arrival.stays[-1].end) == pytest.approx(AFTER_ENDING_S)


def test_rush_rates_are_per_wall_second_on_the_map(tmp_path):
    loaded = scenario(tmp_path, "  - {name: down, kind: process-kill, target: redis, at: -1m, "
                                "for: 30s}\n")
    # -2m..0s: 6 more viewers over 12 s at time_scale 10 outside, 60 s inside the fault's span.
    span_wall = loaded.wall(0.0) - loaded.wall(-120.0)
    index, rate = rush(loaded)
    assert index == 0 and rate == pytest.approx(6 / span_wall)
    steeper = at_rush_rate(loaded, 2 * rate)
    begins = steeper.audience.points[1]
    assert steeper.wall(0.0) - steeper.wall(begins.at) == pytest.approx(span_wall / 2, abs=0.01)


def test_a_component_down_for_the_whole_run_keeps_the_timelines_scale(tmp_path):
    loaded = scenario(tmp_path)
    down = with_component_down(loaded, "origin-a", "process-kill")
    assert down.faults and down.wall_duration == loaded.wall_duration == 30.0


def test_a_control_run_keeps_its_experiments_map(tmp_path):
    loaded = scenario(tmp_path, "  - {name: down, kind: process-kill, target: redis, at: 0s, "
                                "for: 1m, recover_within: 20s}\n")
    control = control_of(loaded)
    assert control.faults == () and control.timeline.real_time == ((0.0, 80.0),)
    assert [control.wall(t) for t in (-120.0, 0.0, 60.0, 80.0, 180.0)] == \
        [loaded.wall(t) for t in (-120.0, 0.0, 60.0, 80.0, 180.0)]


def test_a_worker_gets_the_masters_map_without_the_faults(tmp_path):
    loaded = scenario(tmp_path, "  - {name: down, kind: process-kill, target: redis, at: 0s, "
                                "for: 1m}\n")
    plan = plan_of(loaded, None, None, None, 2)
    assert "faults" not in plan.document
    (tmp_path / "worker").mkdir()
    worker_scenario, _ = unpack(plan, tmp_path / "worker")
    assert worker_scenario.faults == ()
    assert worker_scenario.wall_duration == loaded.wall_duration
    assert worker_scenario.wall(70.0) == loaded.wall(70.0)
