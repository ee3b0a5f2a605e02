"""The open audience model in real runs on the test platform (platform_api.py,
free ports, no lock): arrivals at a written rate and a push spike, measured
second by second against the schedule the scenario implies; and half-time,
where the viewers who leave run the journey's home flow and come back."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

from harness import scenario as scenarios
from harness.load.arrivals.leaving import leaves
from harness.generator.schedule import Schedule
from harness.report.results import SCENARIO
from tests.journey.conftest import ACCOUNTS
from tests.journey.test_journey_runs import DATA, run
from tests.run.helpers import timeseries, write_scenario

HOME_STEPS = 2  # the home flow below: two requests in group home
HOME_FLOW = """
leaving:
  home:
    steps:
      - {name: home channels, group: home, url: /v1/playback-info, query: {channel: "{event}"},
         headers: {Authorization: "Bearer {access_token}"}}
      - {name: home token, group: home, url: /oauth/token,
         form: {grant_type: password, username: "{account.username}",
                password: "{account.password}"}}
"""


def platform_scenario(folder: Path, edge: str, accounts: Path, body: str) -> Path:
    """An external run against the test platform, its journey with a home flow."""
    journey = (DATA / "myplatform.yaml").read_text().replace("every: 2s", "every: 30s")
    (folder / "home.yaml").write_text(journey + HOME_FLOW)
    shutil.copy(accounts, folder / "accounts.csv")
    (folder / "targets.yaml").write_text(f"edge: {edge}\n")
    return write_scenario(folder, "open-run", f"""\
platform: external
targets: targets.yaml
journey: home.yaml
{body}""")


def wall_second(loaded: scenarios.Scenario, match_s: float) -> int:
    return math.floor(loaded.wall(match_s))


def test_arrivals_follow_the_written_rate_and_a_push_spike_lands_in_its_window(
        platform_api, accounts_csv, tmp_path):
    # Match time runs 4x: 0.25 a second rising to 0.5 (1 to 2 a wall second), viewers
    # watching 4 s (median, wall) each; at 40 s a push brings 10 app viewers within 2 wall s.
    path = platform_scenario(tmp_path, platform_api, accounts_csv, """\
time_scale: 4
timeline: {start: 0s, end: 60s}
audience:
  event: ch-1
  arrivals:
    - {at: 0s, per_second: 0.25}
    - {at: 30s, per_minute: 30}
  watch: {median: 16s, p90: 40s}
  push:
    - {name: goal, at: 40s, audience: app, reach: 40, share: 0.25, within: 8s}
slos:
  - {metric: video_start_failure_ratio, max: 0%}
""")
    summary, folder = run(path, tmp_path / "results", state=tmp_path / "state")
    loaded = scenarios.load(folder / SCENARIO)
    schedule = Schedule(loaded)
    rows = timeseries(folder)
    assert len(rows) == 15

    written = [0] * len(rows)  # arrivals the schedule has in each wall second
    for arrival in schedule.arrivals:
        written[wall_second(loaded, arrival.arrives)] += 1
    measured = [int(row["arrivals"]) for row in rows]
    # Tolerance: one viewer a second (an arrival due at the end of a second may be counted in
    # the next), two over the run so far (the pool's users spawn over the first second).
    for second in range(len(rows)):
        assert abs(measured[second] - written[second]) <= 1, (second, measured, written)
        assert abs(sum(measured[:second + 1]) - sum(written[:second + 1])) <= 2, second
    assert sum(measured) == len(schedule.arrivals) == 36  # 26 by the rate, 10 by the push

    # The spike: its 10 arrivals are due in wall seconds 10 and 11 and measured there.
    assert sum(written[10:12]) - sum(written[8:10]) >= 8
    assert abs(sum(measured[10:12]) - sum(written[10:12])) <= 1

    # The concurrency the arrivals imply is what the run recorded as its target, and had.
    for row in rows:
        second = int(row["second"])
        assert int(row["target_viewers"]) == schedule.implied(loaded.match(min(second + 1, 15)))
        assert abs(int(row["viewers"]) - int(row["target_viewers"])) <= 2, row
    assert sum(int(row["departures"]) for row in rows) >= 10  # they watch a while, then leave
    assert summary["overall"]["attempts"] >= 36 and summary["verdict"]["result"] == "pass"


def test_at_half_time_viewers_leave_for_the_home_screen_and_come_back(
        platform_api, accounts_csv, tmp_path):
    # 8 viewers (numbers 0-7), half of whom leave at 12 s (match) within 3 s and are back
    # from 27 s within 3 s; time runs 3x: wall 4-5 s they leave, wall 9-10 s they return.
    path = platform_scenario(tmp_path, platform_api, accounts_csv, """\
time_scale: 3
timeline:
  start: 0s
  end: 39s
  phases:
    - {name: first-half, at: 0s}
    - {name: half-time, at: 12s}
    - {name: second-half, at: 27s}
audience:
  event: ch-1
  viewers: [{at: 0s, viewers: 8}]
  leaving:
    - {name: half-time, at: 12s, share: 0.5, within: 3s, flow: home, back: 27s, back_within: 3s}
slos:
  - {metric: error_ratio.home, max: 0%, phase: half-time}
""")
    summary, folder = run(path, tmp_path / "results", state=tmp_path / "state")
    leavers = sum(leaves(number, 0.5) for number in range(8))
    assert 3 <= leavers <= 5
    rows = timeseries(folder)
    home = [json.loads(line)["window"]["requests"].get("home", {}).get("count", 0)
            for line in (folder / "windows.jsonl").read_text().splitlines()]

    # Before half-time: no home requests, everyone watching.
    assert sum(home[:4]) == 0 and int(rows[3]["viewers"]) == 8
    # At half-time the home group rises by exactly the leavers' flows, all of them there.
    assert sum(home) == sum(home[4:9]) == leavers * HOME_STEPS
    assert sum(int(row["departures"]) for row in rows[4:6]) == leavers
    assert int(rows[7]["viewers"]) == int(rows[7]["target_viewers"]) == 8 - leavers
    # They come back for the second half: arrivals, and the audience whole again.
    assert sum(int(row["arrivals"]) for row in rows[9:11]) == leavers
    assert int(rows[-1]["viewers"]) == int(rows[-1]["target_viewers"]) == 8
    halves = {phase["name"]: phase for phase in summary["phases"]}
    assert halves["second-half"]["attempts"] >= leavers  # each pressed play again
    assert halves["half-time"]["departures"] == halves["second-half"]["arrivals"] == leavers
    assert summary["overall"]["metrics"]["error_ratio.home"] == 0
    assert summary["verdict"]["result"] == "pass"
    assert len(ACCOUNTS) == 3  # accounts are shared round robin: leavers need no own row
