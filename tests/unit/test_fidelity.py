"""The manifest tier on hand-made streams and clocks: first-bytes Range
requests under their own group, the buffer credited with each segment's
duration at the rendition's announced bitrate, no rendition chosen by
throughput; and its figures kept apart from the full viewers' QoE in the
collector's windows, which merge across processes and read back (old windows
without them too), and in the summary, the console and timeseries.csv."""

from __future__ import annotations

import pytest

from harness.load.clients import CLIENTS
from harness.load.collector import Collector
from harness.load.fidelity import FIRST_BYTES, MANIFEST, ManifestPlayer, first_bytes
from harness.load.playback import PLAYING, Playback
from harness.load.player import Player, StreamEnded
from harness.load.retry import TooSlow
from harness.measure.metrics import PLAYER_GROUPS, RANGE_GROUP
from harness.runfolder.recorder import Second, columns, timeseries_row
from harness.judge.summary import console_tables, summarize, tiers_line
from harness.measure.window import Window
from tests.unit.test_player import AUDIO, MASTER, MPD, VIDEO

LADDER = """\
#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=200000
low.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000
mid.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000
top.m3u8
"""
MEDIA = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + "#EXTINF:2,\ns{n}.ts\n" * 8 + "#EXT-X-ENDLIST\n"


class Origin:
    """Bodies by URL (a Range answered with that many bytes); each request
    takes 0.1 s of the hand-made clock."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = {f"http://h/{name}": body for name, body in files.items()}
        self.now = 0.0
        self.asked: list[tuple[str, str, str | None]] = []  # path, group, Range

    def get(self, url: str, group: str, limit: float | None, headers=None,
            abandon: bool = False) -> bytes:
        self.now += 0.1
        wanted = (headers or {}).get("Range")
        self.asked.append((url.removeprefix("http://h/"), group, wanted))
        if wanted:
            first, last = map(int, wanted.removeprefix("bytes=").split("-"))
            return b"x" * (last - first + 1)
        return self.files.get(url, "x" * 100_000).encode()

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def play(player_class: type[Player], origin: Origin, manifest: str, client: str = "web",
         steps: int = 60) -> Player:
    playback = Playback(0.0, 0.0, 0.0)  # the player sets its model's buffers
    player = player_class(origin.get, lambda: origin.now, origin.sleep, playback, CLIENTS[client])
    player.open(f"http://h/{manifest}")
    with pytest.raises(StreamEnded):
        for _ in range(steps):
            player.step()
    playback.advance(origin.now + playback.level)  # the buffer plays out, to its last frame
    return player


def test_first_bytes_of_a_segment_and_of_a_byte_range():
    assert first_bytes(None) == (0, FIRST_BYTES - 1)
    assert first_bytes((5000, 5000 + 10 * FIRST_BYTES)) == (5000, 5000 + FIRST_BYTES - 1)
    assert first_bytes((5000, 5099)) == (5000, 5099)  # a range shorter than the first bytes


@pytest.mark.parametrize("files, manifest", [
    ({"master.m3u8": MASTER, "video.m3u8": VIDEO, "audio.m3u8": AUDIO}, "master.m3u8"),
    ({"live.mpd": MPD}, "live.mpd"),
])
def test_manifest_viewers_ask_only_for_first_bytes_and_buffer_the_announced_media(files,
                                                                                  manifest):
    origin = Origin(files)
    player = play(ManifestPlayer, origin, manifest)
    manifests = [(path, group) for path, group, _ in origin.asked
                 if path.endswith((".m3u8", ".mpd"))]
    media = [(path, group, wanted) for path, group, wanted in origin.asked
             if not path.endswith((".m3u8", ".mpd"))]
    assert manifests and all(group == "playlist" for _, group in manifests)
    assert media and all(group == RANGE_GROUP and wanted for _, group, wanted in media)
    assert len([path for path, _, _ in media if path.startswith(("v", "a"))]) == 6
    if manifest == "master.m3u8":  # byte-range segments: the first bytes of each range
        assert [wanted for path, _, wanted in media if path == "v.mp4"] == \
            [f"bytes={start}-{start + 999}" for start in (0, 1000, 2000)]
    else:
        assert {wanted for _, _, wanted in media} == {f"bytes=0-{FIRST_BYTES - 1}"}
    totals = player.playback.totals
    # three 2 s segments on each track: 6 s of media, played out at the announced bitrate
    assert totals.played_s == pytest.approx(6.0)
    assert totals.bitrate_kbps_s / totals.played_s == pytest.approx(
        player.stream.renditions[0].bandwidth / 1000)
    assert totals.stalls == 0


def test_manifest_viewers_keep_their_first_rendition_where_full_ones_follow_throughput():
    files = {"master.m3u8": LADDER, **{f"{name}.m3u8": MEDIA for name in ("low", "mid", "top")}}
    full = play(Player, Origin(files), "master.m3u8", client="app")
    manifest_origin = Origin(files)
    manifest = play(ManifestPlayer, manifest_origin, "master.m3u8", client="app")
    # 100 kB in 0.1 s is 8 Mbit/s: the full player climbs; first bytes tell nothing
    assert full.current == 2
    assert manifest.current == 1  # the app's first rendition: the middle one
    segments = [path for path, group, _ in manifest_origin.asked if group == RANGE_GROUP]
    assert segments == ["s{n}.ts"] * 8
    assert not any(path.startswith(("low", "top")) for path, _, _ in manifest_origin.asked)
    assert manifest.playback.totals.switches == 0


def test_a_first_bytes_request_that_outlasts_the_abandon_limit_steps_down():
    files = {"master.m3u8": LADDER,
             **{f"{name}.m3u8": MEDIA.replace("s{n}", name) for name in ("low", "mid", "top")}}
    origin = Origin(files)

    def slow_in_the_middle(url: str, group: str, limit: float | None, headers=None,
                           abandon: bool = False) -> bytes:
        if url.endswith("mid.ts"):  # the middle rendition's segments: given up at the limit
            assert abandon  # a step down, not a failed request
            origin.now += limit
            raise TooSlow(url)
        return origin.get(url, group, limit, headers)

    player = ManifestPlayer(slow_in_the_middle, lambda: origin.now, origin.sleep,
                            Playback(0.0, 4, 4), CLIENTS["app"])
    player.open("http://h/master.m3u8")
    assert player.current == 1  # the app's first rendition
    for _ in range(4):
        player.step()
    assert player.current == 0 and player.abr.bps is None
    # the first step abandoned the middle one; the same segments then came from the lowest
    assert [path for path, group, _ in origin.asked if group == RANGE_GROUP] == ["low.ts"] * 3


def test_the_collector_keeps_manifest_viewers_apart_from_the_qoe():
    collector = Collector()
    full, light = Playback(0.0, 2, 2), Playback(0.0, 2, 2)
    collector.tier("full").attempt(full)
    tier = collector.tier(MANIFEST)
    tier.attempt(light)
    for playback in (full, light):
        playback.add(4.0, 800, 0.5)
    collector.tier("full").started(0.5)
    tier.started(0.5)
    collector.request("segment", 0.2, None, "full")
    collector.request(RANGE_GROUP, 0.01, None, MANIFEST)
    collector.request(RANGE_GROUP, 0.01, "503", MANIFEST)
    collector.request("login", 0.1, None, None)  # not a viewer's
    window = collector.close(0, 1.5)
    assert (window.attempts, window.starts, window.playing, window.joining) == (1, 1, 1, 0)
    assert window.played_s == pytest.approx(1.0) and window.bitrate_kbps_s == pytest.approx(800)
    assert (window.manifest_viewers, window.manifest_attempts, window.manifest_failures) == \
        (1, 1, 0)
    assert (window.manifest_requests, window.manifest_request_failures) == (2, 1)
    assert window.requests[RANGE_GROUP].count == 2 and window.requests[RANGE_GROUP].failures == 1
    assert window.errors == {f"{RANGE_GROUP} 503": 1}
    assert light.state == PLAYING  # it plays on, only its figures are elsewhere
    tier.playback_failed()
    tier.ended(light, 2.0)
    collector.tier("full").ended(full, 2.0)
    window = collector.close(1, 2.5)
    assert (window.manifest_viewers, window.manifest_failures, window.playback_failures) == \
        (0, 1, 0)
    assert window.played_s == pytest.approx(0.5)  # the full viewer's last half second only


def test_manifest_figures_merge_across_processes_and_old_windows_read_as_none():
    one, two = Window(3, manifest_viewers=2, manifest_attempts=1, manifest_requests=7), \
        Window(3, manifest_viewers=5, manifest_failures=1, manifest_request_failures=2)
    one.merge(two)
    assert (one.manifest_viewers, one.manifest_attempts, one.manifest_failures,
            one.manifest_requests, one.manifest_request_failures) == (7, 1, 1, 7, 2)
    assert Window.from_json(one.to_json()) == one
    old = {key: value for key, value in one.to_json().items() if not key.startswith("manifest_")}
    assert Window.from_json(old).manifest_viewers == 0
    with pytest.raises(ValueError, match="window.manifest_viewers"):
        Window.from_json({**one.to_json(), "manifest_viewers": -1})


def test_summary_console_and_timeseries_show_the_manifest_tier_apart():
    windows = [Window(0, attempts=2, starts=2, playing=2, manifest_viewers=3, manifest_attempts=3,
                      manifest_requests=9),
               Window(1, playing=2, manifest_viewers=4, manifest_attempts=1, manifest_failures=1,
                      manifest_requests=5, manifest_request_failures=2)]
    seconds = [Second(w, 1.0e9 + w.second, w.second, "kickoff", 7, 6) for w in windows]
    summary = summarize({"name": "t", "timeline": {"peak": "kickoff"}}, seconds, [])
    assert summary["overall"]["attempts"] == 2  # the full viewers' only
    assert summary["overall"]["manifest_tier"] == {"peak_viewers": 4, "attempts": 4,
                                                   "failures": 1, "requests": 14,
                                                   "request_failures": 2}
    line = tiers_line(summary["overall"])
    assert line.startswith("manifest tier (not in the viewer figures above): peak 4 viewers, "
                           "4 attempts (1 failed), 14 requests (2 failed")
    assert line in console_tables(summary)
    del summary["overall"]["manifest_tier"]  # a summary written before tiers existed
    assert tiers_line(summary["overall"]) is None
    header = columns(PLAYER_GROUPS)
    row = dict(zip(header, timeseries_row(seconds[1], PLAYER_GROUPS)))
    assert (row["playing"], row["manifest_viewers"], row["manifest_requests"]) == (2, 4, 5)
