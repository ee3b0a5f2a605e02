"""The live status line on hand-made seconds: viewers whose stream broke show
(waiting to retry, recovering) beside joining, playing and stalled, and req/s
and errors are over the last few seconds, so viewers fetching in step on 2 s
segments do not read "0 req/s" every other second. The collector counts
those viewers where they report."""

from __future__ import annotations

from harness.load.collector import Collector
from harness.load.playback import Playback
from harness.runfolder.recorder import Second
from harness.run.status_line import SMOOTH_S, StatusLine, describe
from harness.measure.window import Window


def _second(n: int, requests: int, failures: int = 0, **gauges: int) -> Second:
    window = Window(n, **gauges)
    for index in range(requests):
        window.tally("segment").add(0.01, ok=index >= failures)
    return Second(window, 1_700_000_000 + n, float(n), "match", 100, 100)


def test_viewers_whose_stream_broke_are_shown_beside_the_others():
    outage = _second(0, 0, joining=30, playing=0, stalled=0, waiting_to_retry=60, recovering=25)
    line = describe(outage)
    assert "(joining 5, playing 0, stalled 0, 60 waiting to retry, 25 recovering)" in line, line
    calm = describe(_second(0, 10, joining=2, playing=90))
    assert "(joining 2, playing 90, stalled 0)" in calm and "retry" not in calm


def test_requests_per_second_are_smoothed_over_the_last_seconds(tmp_path):
    # 100 requests every other second (a 2 s segment cadence), 10 of them failed
    data = [_second(n, 100 if n % 2 == 0 else 0, 10 if n % 2 == 0 else 0, playing=100)
            for n in range(11)]
    assert "  0 req/s  errors -" in describe(data[1])  # one second alone reads as an outage
    with open(tmp_path / "log", "w") as stream:  # not a terminal: a line every 5th second
        status = StatusLine(stream)
        for s in data:
            status.show(s)
    printed = (tmp_path / "log").read_text().splitlines()
    assert len(printed) == 3 and SMOOTH_S == 4
    assert "100 req/s  errors 10.0%" in printed[0]  # second 0: the only one so far
    assert "50 req/s  errors 10.0%" in printed[1]  # second 5: seconds 2..5
    assert "50 req/s  errors 10.0%" in printed[2]  # second 10: seconds 7..10


def test_the_collector_counts_viewers_waiting_to_retry_and_recovering():
    collector = Collector()
    fresh, again = Playback(0.0, 2, 2), Playback(0.0, 2, 2)
    collector.attempt(fresh, "web")
    collector.attempt(again, "web", recovering=True)
    collector.waiting(3)
    collector.waiting(-1)
    collector.playback_failed("segment 503")
    collector.playback_failed("segment 503")
    window = collector.close(0, now=0.5)
    assert (window.joining, window.recovering, window.waiting_to_retry) == (2, 1, 2)
    assert window.playback_failures == 2
    assert window.playback_failure_reasons == {"segment 503": 2}
    collector.ended(again, 0.8)
    window = collector.close(1, now=1.0)
    assert (window.joining, window.recovering, window.waiting_to_retry) == (1, 0, 2)
    assert window.playback_failure_reasons == {}
    # merged across processes and read back like every window field
    window.merge(Window(1, waiting_to_retry=3, recovering=1,
                        playback_failure_reasons={"playlist 404": 1}))
    assert Window.from_json(window.to_json()) == window
    assert (window.waiting_to_retry, window.recovering) == (5, 1)
