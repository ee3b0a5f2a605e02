"""Viewers still waiting for their first frame when a span ends count in its
startup percentiles with their wait so far (a lower bound of the startup to
come): a rush that leaves most of its audience waiting reads as slow, never
as the fast few who got in."""

from __future__ import annotations

import json

import pytest

from harness.judge.summary import console_tables, summarize
from harness.load.collector import Collector
from harness.load.playback import Playback
from harness.measure.aggregate import client_metrics, metrics_of
from harness.measure.window import Window
from harness.report.tables import phase_tables
from harness.runfolder.recorder import Second


def _joined(collector: Collector, at: float, client: str = "web") -> Playback:
    playback = Playback(now=at, startup_buffer=2, resume_buffer=2)
    collector.attempt(playback, client)
    return playback


def _first_frame(collector: Collector, playback: Playback, at: float) -> None:
    playback.add(2.0, 800, at)  # the startup buffer is in: the first frame shows
    assert playback.startup_time is not None
    collector.started(playback.startup_time, "web")


def _rush(stuck: int) -> list[Window]:
    """Three seconds: ten viewers press play at 0, `10 - stuck` of them see a
    first frame after 0.3 s; the `stuck` others are still waiting at 3 s."""
    collector = Collector()
    playbacks = [_joined(collector, 0.0) for _ in range(10)]
    for playback in playbacks[stuck:]:
        _first_frame(collector, playback, 0.3)
    windows = [collector.close(second, now=second + 1.0) for second in range(3)]
    collector.stop()
    return windows


def test_viewers_still_waiting_at_a_spans_end_count_with_their_wait():
    windows = _rush(stuck=8)
    assert windows[-1].joining == 8 and windows[-1].waits.count == 8
    figures = metrics_of(windows)
    # the two who got in took 0.3 s; the eight still waiting have waited 3 s
    assert figures["startup_time_p50"] == pytest.approx(3.0, rel=0.02)
    assert figures["startup_time_p95"] == pytest.approx(3.0, rel=0.02)
    # each second counts those waiting at its own end: 1 s, then 2 s
    assert metrics_of(windows[:1])["startup_time_p95"] == pytest.approx(1.0, rel=0.02)
    assert metrics_of(windows[:2])["startup_time_p95"] == pytest.approx(2.0, rel=0.02)
    # and so does each client type's figure
    web = client_metrics(windows)["web"]
    assert web["startup_time_p95"] == pytest.approx(3.0, rel=0.02)
    assert web["starts"] == 2


def test_a_span_whose_viewers_all_got_in_reads_their_startup_times_only():
    windows = _rush(stuck=0)
    assert windows[-1].waits.count == 0
    assert metrics_of(windows)["startup_time_p95"] == pytest.approx(0.3, rel=0.02)


def test_a_wait_is_only_a_lower_bound_so_the_fast_majority_still_reads_fast():
    windows = _rush(stuck=1)
    figures = metrics_of(windows)
    assert figures["startup_time_p50"] == pytest.approx(0.3, rel=0.02)
    assert figures["startup_time_p95"] == pytest.approx(3.0, rel=0.02)


def test_waits_merge_across_processes_read_back_and_are_shortened_by_a_stall():
    left, right = _rush(stuck=8)[-1], _rush(stuck=3)[-1]
    left.merge(right)
    assert left.waits.count == 11 and left.clients["web"].waits.count == 11
    again = Window.from_json(json.loads(json.dumps(left.to_json())))
    assert again.waits == left.waits and again.clients["web"].waits == left.waits
    # a delay the load generator took (harness.judge.verdict) comes out of a wait too
    assert again.shortened(1.0).waits.percentile(1.0) == pytest.approx(2.0, rel=0.03)


def test_windows_written_before_waits_were_recorded_still_read():
    data = _rush(stuck=8)[-1].to_json()
    del data["waits"]
    for starts in data["clients"].values():
        del starts["waits"]
    old = Window.from_json(data)
    assert old.waits.count == 0 and old.clients["web"].waits.count == 0


def test_the_summary_console_and_report_say_how_many_were_still_waiting():
    windows = _rush(stuck=8)
    seconds = [Second(w, 1.7e9 + w.second, float(w.second), "rush", 10, 10) for w in windows]
    summary = summarize({"name": "s", "timeline": {"peak": "rush"}}, seconds, [])
    assert summary["phases"][0]["waiting_at_end"] == 8
    line = ("still waiting for a first frame at the end of the phase: rush 8, overall 8 (in its "
            "startup figures with their wait so far, a lower bound of their startup)")
    assert line in console_tables(summary)
    assert line in phase_tables(summary)  # the HTML report's (nothing in it to escape)
    everyone_in = _rush(stuck=0)
    seconds = [Second(w, 1.7e9 + w.second, float(w.second), "rush", 10, 10) for w in everyone_in]
    summary = summarize({"name": "s", "timeline": {"peak": "rush"}}, seconds, [])
    assert summary["overall"]["waiting_at_end"] == 0
    assert "still waiting" not in console_tables(summary)
