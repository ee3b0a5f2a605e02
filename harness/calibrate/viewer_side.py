"""kickoff's viewer on one stream, as a run plays it.

One viewer of a client type (`web` by default) is the Locust user a run of a
bare stream (`audience.stream`) makes: the same class, the same player, the
same collector, attempt after attempt (a failed one pressed again a few
seconds later, as people do). Only the driving is this module's: the user
runs in a greenlet of this process for the seconds asked, and its playback
is looked at every SAMPLE_S to tell which rung is on screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import gevent
from locust.env import Environment

from harness.calibrate.figures import Figures
from harness.load.clients import CLIENTS
from harness.load.collector import Collector
from harness.load.playback import Playback
from harness.load.viewer import REPLAY_AFTER, AudienceSettings, Viewer, user_classes, viewer_rng

SAMPLE_S = 0.1  # how often the rung on screen is looked at
SEED = 0  # the viewer's seed (its replay waits): one viewer, one run
NUMBER = 0  # the viewer's number: the first of its run


def replay_waits(count: int) -> list[float]:
    """The seconds the viewer waits before pressing play again after each of
    its first `count` failed attempts (a real player's page waits alike)."""
    rng = viewer_rng(SEED, NUMBER)
    return [rng.uniform(*REPLAY_AFTER) for _ in range(count)]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class _Watch:
    """The viewer's playbacks as they go: the first startup and the media
    time played on each rung."""

    def __init__(self) -> None:
        self.startup_s: float | None = None
        self.played_by_rung: dict[int, float] = {}
        self.last_rung: int | None = None
        self._played = 0.0  # of the playback looked at last
        self._playback: Playback | None = None

    def look(self, viewer: Viewer) -> None:
        playback = viewer.playback
        if playback is None:
            return
        if playback is not self._playback:
            self._playback, self._played = playback, 0.0
        if self.startup_s is None and playback.startup_time is not None:
            self.startup_s = playback.startup_time
        played = playback.totals.played_s - self._played
        self._played = playback.totals.played_s
        rung = playback.rung_on_screen
        if played > 0 and rung is not None:
            self.played_by_rung[rung] = self.played_by_rung.get(rung, 0.0) + played
            self.last_rung = rung


def play(
    url: str, seconds: float, client: str = "web", clock: Callable[[], float] = time.monotonic
) -> Figures:
    """One kickoff viewer of `client` plays `url` for `seconds` from now."""
    collector = Collector()
    settings = AudienceSettings(collector, None, 0.0, SEED, stream=url)
    (viewer_class,) = user_classes(settings, CLIENTS, {client: 1.0}, [], _origin(url))
    assert issubclass(viewer_class, Viewer)  # one client type and no API users: its viewers
    environment = Environment(user_classes=[viewer_class], host=_origin(url))
    received = [0]

    def count_media(name: str, response_length: int = 0, exception=None, **_: object) -> None:
        if name == "segment" and exception is None:
            received[0] += response_length or 0

    environment.events.request.add_listener(count_media)
    viewer = viewer_class(environment)
    viewer.on_start()
    watch = _Watch()
    running = gevent.spawn(viewer.watch_on)
    end = clock() + seconds
    try:
        while clock() < end and not running.dead:
            gevent.sleep(min(SAMPLE_S, max(0.0, end - clock())))
            watch.look(viewer)
    finally:
        running.kill()
        window = collector.close(0, clock())
        collector.stop()
    ladder = viewer.player.bandwidths if viewer.player and viewer.player.stream else []
    return Figures(
        player=f"kickoff {client}",
        startup_s=watch.startup_s,
        stalls=window.stalls,
        stalled_s=window.stalled_s,
        played_s=window.played_s,
        ladder=ladder,
        played_by_rung=watch.played_by_rung,
        last_rung=watch.last_rung,
        kbps=window.bitrate_kbps_s / window.played_s if window.played_s > 0 else None,
        media_bytes=received[0],
        failures=window.start_failures + window.exits_before_start + window.playback_failures,
        error=next(iter(window.errors), None)
        if window.start_failures or window.playback_failures
        else None,
    )
