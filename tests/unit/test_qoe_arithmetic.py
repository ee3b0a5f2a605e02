"""QoE and request figures from hand-made windows: percentiles, ratios,
merging across processes, and 'no data' where a denominator is empty."""

import json

import pytest

from harness.measure.aggregate import merged, metrics_of
from harness.measure.histogram import Histogram
from harness.load.collector import Collector
from harness.load.playback import Playback
from harness.measure.window import Window


def test_histogram_percentiles_are_within_two_percent_and_nearest_rank():
    h = Histogram()
    for value in range(1, 101):  # 1..100 seconds
        h.add(float(value))
    assert h.percentile(0.50) == pytest.approx(50, rel=0.02)
    assert h.percentile(0.95) == pytest.approx(95, rel=0.02)
    assert h.percentile(1.0) == pytest.approx(100, rel=0.02)
    assert Histogram().percentile(0.5) is None


def test_histograms_merge_like_one_histogram_of_all_values():
    a, b, both = Histogram(), Histogram(), Histogram()
    for value in (0.1, 0.2, 0.3):
        a.add(value)
        both.add(value)
    for value in (5.0, 6.0):
        b.add(value)
        both.add(value)
    a.merge(b)
    assert a == both
    assert Histogram.from_json(a.to_json()) == both


def _window(second: int, **fields) -> Window:
    w = Window(second)
    for name, value in fields.items():
        setattr(w, name, value)
    return w


def test_viewer_ratios_over_a_span():
    windows = [
        _window(0, attempts=10, starts=6, start_failures=2, exits_before_start=2,
                played_s=100, stalled_s=0, bitrate_kbps_s=100 * 1500),
        _window(1, playing=5, stalled=1, played_s=90, stalled_s=10, stalls=2, switches=1,
                bitrate_kbps_s=90 * 400, playback_failures=1),
    ]
    m = metrics_of(windows)
    assert m["video_start_failure_ratio"] == pytest.approx(2 / 10)
    assert m["exit_before_video_start_ratio"] == pytest.approx(2 / 10)
    assert m["rebuffering_ratio"] == pytest.approx(10 / 200)
    assert m["stalls_per_viewer_hour"] == pytest.approx(2 / (200 / 3600))
    assert m["switches_per_viewer_hour"] == pytest.approx(1 / (200 / 3600))
    assert m["average_bitrate_kbps"] == pytest.approx((150_000 + 36_000) / 190)
    # 0 watching when the span began + 6 that started in it
    assert m["playback_failure_ratio"] == pytest.approx(1 / 6)


def test_empty_denominators_are_no_data_not_zero():
    m = metrics_of([Window(0), Window(1)], groups=["segment"])
    assert m["startup_time_p95"] is None
    assert m["video_start_failure_ratio"] is None
    assert m["rebuffering_ratio"] is None
    assert m["error_ratio.segment"] is None
    assert m["requests_per_second.segment"] == 0


def test_request_figures_per_group_and_overall():
    w0, w1 = Window(0), Window(1)
    for _ in range(8):
        w0.tally("segment").add(0.010, ok=True)
    w0.tally("segment").add(1.0, ok=False)
    w1.tally("catalog").add(0.050, ok=True)
    m = metrics_of([w0, w1])
    assert m["requests_per_second.segment"] == pytest.approx(9 / 2)
    assert m["error_ratio.segment"] == pytest.approx(1 / 9)
    assert m["latency_p50.segment"] == pytest.approx(0.010, rel=0.02)
    assert m["latency_p99.segment"] == pytest.approx(1.0, rel=0.02)
    assert m["error_ratio"] == pytest.approx(1 / 10)
    assert m["requests_per_second"] == pytest.approx(10 / 2)


def test_windows_of_two_processes_merge_into_the_same_figures():
    a, b = Window(7, playing=3, played_s=3), Window(7, playing=2, stalled=1, played_s=2,
                                                     stalled_s=1)
    a.startup.add(1.0)
    b.startup.add(3.0)
    a.tally("playlist").add(0.02, ok=True)
    b.tally("playlist").add(0.04, ok=False)
    back = Window.from_json(b.to_json())
    assert back == b
    total = merged([a, back])
    assert (total.playing, total.stalled, total.played_s) == (5, 1, 5)
    assert total.startup.count == 2
    assert total.requests["playlist"].count == 2 and total.requests["playlist"].failures == 1


def test_collector_splits_watch_time_into_seconds_and_counts_states():
    collector = Collector()
    playback = Playback(now=0.0, startup_buffer=2, resume_buffer=2)
    collector.attempt(playback)
    playback.add(4, kbps=400, now=0.0)
    collector.started(playback.startup_time)
    first = collector.close(0, now=1.0)
    assert (first.attempts, first.starts, first.playing) == (1, 1, 1)
    assert first.played_s == pytest.approx(1.0)
    second = collector.close(1, now=2.0)
    assert second.attempts == 0 and second.played_s == pytest.approx(1.0)
    collector.ended(playback, now=5.0)  # 2 s more played, then 1 s stalled
    third = collector.close(2, now=6.0)
    assert third.played_s == pytest.approx(2.0) and third.stalled_s == pytest.approx(1.0)
    assert third.stalls == 1 and third.playing == 0
    for window in (first, second, third):  # what the collector makes, a run folder reads back
        assert Window.from_json(json.loads(json.dumps(window.to_json()))) == window


def test_attempts_by_protocol_count_once_the_player_knows_it_and_merge():
    collector = Collector()
    hls, dash, unknown = (Playback(now=0.0, startup_buffer=2, resume_buffer=2) for _ in range(3))
    for playback in (hls, dash, unknown):
        collector.attempt(playback)
    assert collector.close(0, now=1.0).protocols == {}  # no stream read yet
    hls.protocol = "hls"
    assert collector.close(1, now=2.0).protocols == {"hls": 1}
    dash.protocol = "dash"
    collector.ended(dash, now=2.5)  # read its MPD and ended within the second
    collector.ended(unknown, now=2.5)  # never got to a stream: counted under none
    third = collector.close(2, now=3.0)
    assert third.protocols == {"dash": 1} and collector.close(3, now=4.0).protocols == {}
    total = merged([Window.from_json(third.to_json()), Window(2, protocols={"dash": 2, "hls": 1})])
    assert total.protocols == {"dash": 3, "hls": 1}


def test_windows_written_before_protocols_were_counted_still_read():
    old = Window(3, attempts=2).to_json()
    del old["protocols"]
    assert Window.from_json(old) == Window(3, attempts=2)
