"""New viewers by client type (Window.clients): counted where the viewer
reports its attempts, merged across processes, written and read back with
the same checks as every other window field, and in summary spans."""

from __future__ import annotations

import json

import pytest

from harness.measure.aggregate import client_metrics, merged
from harness.load.collector import Collector
from harness.load.playback import Playback
from harness.runfolder.recorder import Second
from harness.judge.summary import console_tables, summarize
from harness.measure.window import ClientStarts, Window


def _playback() -> Playback:
    return Playback(now=0.0, startup_buffer=2, resume_buffer=2)


def test_the_collector_tallies_attempts_and_their_ends_by_client_type():
    collector = Collector()
    web = [_playback() for _ in range(3)]
    for playback in web:
        collector.attempt(playback, "web")
    tv = _playback()
    collector.attempt(tv, "tv")
    collector.started(0.4, "web")
    collector.start_failed("journey step 'catalog': HTTP 503", "web")
    collector.exited_before_start("tv")
    for ended in (web[1], tv):
        collector.ended(ended, 0.5)
    window = collector.close(0, now=1.0)
    web_starts = window.clients["web"]
    assert web_starts == ClientStarts(3, 1, 1, 0, web_starts.startup, web_starts.waits)
    assert web_starts.startup.count == 1
    # web[0] and web[2] never reached their first frame here: each has waited 1 s
    assert web_starts.waits.count == 2 and web_starts.waits.percentile(1.0) == pytest.approx(1.0, rel=0.02)
    assert window.clients["tv"] == ClientStarts(attempts=1, exits_before_start=1)
    # the totals are the sum of the clients'
    assert (window.attempts, window.starts, window.start_failures,
            window.exits_before_start) == (4, 1, 1, 1)
    assert window.waits == web_starts.waits
    for ended in (web[0], web[2]):
        collector.ended(ended, 1.5)
    assert collector.close(1, now=2.0).clients == {}  # nothing new: no tally


def test_the_manifest_tier_is_not_in_the_client_tallies():
    collector = Collector()
    collector.tier("manifest").attempt(_playback(), "app")
    collector.tier("manifest").start_failed("player", "app")
    assert collector.close(0, now=1.0).clients == {}


def test_tallies_merge_by_addition_and_a_client_of_one_side_is_kept():
    a = Window(3, clients={"web": ClientStarts(2, 1, 1, 0)})
    a.clients["web"].startup.add(0.5)
    b = Window(3, clients={"web": ClientStarts(1, 1, 0, 0), "app": ClientStarts(4, 0, 0, 4)})
    b.clients["web"].startup.add(1.5)
    a.merge(b)
    assert a.clients["web"].attempts == 3 and a.clients["web"].starts == 2
    assert a.clients["web"].startup.count == 2
    assert a.clients["app"] == ClientStarts(4, 0, 0, 4)
    assert b.clients["web"].attempts == 1  # the other side is left as it was


def test_tallies_round_trip_and_older_windows_have_none():
    window = Window(7, attempts=2, clients={"tv": ClientStarts(2, 1, 0, 1)})
    window.clients["tv"].startup.add(2.5)
    back = Window.from_json(json.loads(json.dumps(window.to_json())))
    assert back == window
    older = window.to_json()
    del older["clients"]
    assert Window.from_json(older).clients == {}


@pytest.mark.parametrize("clients, problem", [
    ({"Web!": {}}, "window.clients: 'Web!' is not a client type name"),
    ({"web": {"attempts": 1}}, "window.clients.web: wants exactly attempts, starts, "
                               "start_failures, exits_before_start, startup and (optionally) waits"),
    ({"web": {"attempts": -1, "starts": 0, "start_failures": 0, "exits_before_start": 0,
              "startup": {}}}, "window.clients.web.attempts"),
    ({"web": {"attempts": 1, "starts": 1, "start_failures": 0, "exits_before_start": 0,
              "startup": {}}}, "window.clients.web.startup: holds 0 startup times for 1 starts"),
    ({"web": {"attempts": 1, "starts": 0, "start_failures": 0, "exits_before_start": 0,
              "startup": {"x": 1}}}, "window.clients.web.startup"),
    ([1], "window.clients"),
])
def test_damaged_tallies_are_refused_with_their_path(clients, problem):
    data = Window(0).to_json()
    data["clients"] = clients
    with pytest.raises(ValueError) as refused:
        Window.from_json(data)
    assert str(refused.value).startswith(problem), str(refused.value)


def test_client_metrics_of_a_span_and_in_the_summary():
    first = Window(0, clients={"web": ClientStarts(4, 3, 1, 0)})
    for startup in (0.2, 0.4, 0.6):
        first.clients["web"].startup.add(startup)
    second = Window(1, clients={"web": ClientStarts(0, 0, 0, 0), "app": ClientStarts(1, 0, 0, 1)})
    figures = client_metrics([first, second])
    assert list(figures) == ["app", "web"]
    assert figures["web"]["video_start_failure_ratio"] == pytest.approx(0.25)
    assert figures["web"]["startup_time_p95"] == pytest.approx(0.6, rel=0.02)
    assert figures["app"]["exit_before_video_start_ratio"] == 1.0
    assert figures["app"]["startup_time_p95"] is None  # no start: no data, never 0
    assert merged([first, second]).clients["web"].attempts == 4
    seconds = [Second(w, 1.7e9 + w.second, float(w.second), "kickoff", 5, 5)
               for w in (first, second)]
    scenario = {"name": "s", "timeline": {"peak": "kickoff"}}
    summary = summarize(scenario, seconds, [])
    assert summary["overall"]["clients"] == figures
    assert summary["phases"][0]["clients"]["web"]["attempts"] == 4


def test_attempts_count_where_they_began_and_the_start_ratios_where_they_ended():
    # 9 attempts begin in the rush; one fails there, the other 8 reach their first frame in
    # the next phase
    began = Window(0, attempts=9, start_failures=1, start_failure_reasons={"player": 1})
    started = Window(1, starts=8)
    for _ in range(8):
        started.startup.add(1.5)
    seconds = [Second(began, 1.7e9, 0.0, "rush", 9, 9),
               Second(started, 1.7e9 + 1, 1.0, "first-half", 9, 9)]
    summary = summarize({"name": "s", "timeline": {"peak": "rush"}}, seconds, [])
    rush, half = summary["phases"]
    assert (rush["attempts"], rush["attempts_ended"]) == (9, 1)
    assert rush["metrics"]["video_start_failure_ratio"] == 1.0  # of the one that ended
    assert (half["attempts"], half["attempts_ended"]) == (0, 8)
    assert (summary["overall"]["attempts"], summary["overall"]["attempts_ended"]) == (9, 9)
    table = console_tables(summary).splitlines()
    header = next(line for line in table if line.startswith("phase"))
    assert "attempts begun" in header and "ended" in header
    assert any(line.startswith("attempts begun: counted in the phase they began in")
               for line in table)
    row = next(line for line in table if line.startswith("rush"))
    assert row.split()[3:6] == ["9/9", "9", "1"], row
