"""The web viewer's players on hand-made streams and clocks: hls.js and
dash.js as harness/load/clients.py models them (setting up, first frame
after the browser's pipeline, the start point inside a segment, hls.js's
start-up switch and failover, dash.js waiting for a segment that failed
(retried on its track's own timer), fetching what it buffered again on a
switch up (fast switching), reloading its MPD on a timer of its own and never
again once a reload failed for good, going on from the oldest segment after
falling out of its window, Chromium's play threshold and its playing on the
audio while the video comes late), and what a bare media playlist's viewer
reports for bitrate."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.load.clients import CLIENTS, DASH_JS, HLS_JS, ClientProfile
from harness.load.playback import JOINING, PLAYING, STALLED, Playback
from harness.load.player import Player
from harness.load.retry import FetchError, Retry

LADDER = """\
#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=200000
low.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000
mid.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000
top.m3u8
"""


def live(name: str, first: int = 10, count: int = 6, extinf: float = 2.0) -> str:
    """A live media playlist of `count` segments from sequence `first`."""
    return (f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:{first}\n" +
            "".join(f"#EXTINF:{extinf},\n{name}{n}.ts\n" for n in range(first, first + count)))


class Origin:
    """Bodies by URL, each request taking `seconds` of the hand-made clock;
    a URL in `refused` gets no answer (a cut link)."""

    def __init__(self, files: dict[str, str], seconds: float = 0.01, size: int = 50_000) -> None:
        self.files = {f"http://h/{name}": body for name, body in files.items()}
        self.now, self.seconds, self.size = 0.0, seconds, size
        self.asked: list[str] = []
        self.refused: set[str] = set()

    def get(self, url: str, group: str, limit: float | None, headers=None,
            abandon: bool = False) -> bytes:
        self.now += self.seconds
        path = url.removeprefix("http://h/")
        self.asked.append(path)
        if path in self.refused or "*" in self.refused:
            raise FetchError(f"{path}: refused", None)
        return self.files.get(url, "x" * self.size).encode()

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def web(origin: Origin, url: str) -> tuple[Player, Playback]:
    playback = Playback(origin.now, 0.0, 0.0)
    player = Player(origin.get, lambda: origin.now, origin.sleep, playback, CLIENTS["web"])
    player.open(url)
    return player, playback


def test_an_hls_js_viewer_fetches_its_start_segment_again_higher_and_does_not_wait_for_it():
    files = {"master.m3u8": LADDER, **{f"{n}.m3u8": live(n) for n in ("low", "mid", "top")}}
    origin = Origin(files, seconds=0.01, size=200_000)  # 1.6 Mbit in 10 ms: a fast link
    player, playback = web(origin, "http://h/master.m3u8")
    assert player.model is HLS_JS and player.current == 0  # 500 kb/s carries only the lowest
    while playback.state == JOINING:
        player.step()
    # the start segment (three target durations before the end: 13 of 10..15) from the
    # lowest: the picture comes a decode after it is in, whatever comes next
    first, later = HLS_JS.processing_s
    in_at = 3 * 0.01 + first  # the master, the lowest's playlist, its segment
    assert origin.asked == ["master.m3u8", "low.m3u8", "low13.ts", "top.m3u8"]  # up at once
    assert playback.startup_time == pytest.approx(in_at + HLS_JS.first_frame_s)
    player.step()  # then it again from the top (hls.js appends it over the same media)
    media = [path for path in origin.asked if path.endswith(".ts")]
    assert media == ["low13.ts", "top13.ts"] and player.current == 2
    assert playback.startup_time == pytest.approx(in_at + HLS_JS.first_frame_s)
    playback.advance(origin.now + 0.5)
    assert playback.rung_on_screen == 2  # what is left of the start segment plays from the top
    assert playback.totals.switches == 0  # nothing of the lowest was on screen yet
    player.step()
    assert [p for p in origin.asked if p.endswith(".ts")][-1] == "top14.ts"  # then on from there


def test_hls_js_measures_a_segment_with_its_processing_as_hls_js_does():
    files = {"master.m3u8": LADDER, **{f"{n}.m3u8": live(n) for n in ("low", "mid", "top")}}
    origin = Origin(files, seconds=0.3, size=31_000)  # 248 kbit in 0.3 s (+ 0.13 s processing)
    player, playback = web(origin, "http://h/master.m3u8")
    while playback.state == JOINING:
        player.step()
    # 248 kbit over 0.43 s is 577 kb/s: 70% of it carries no 800 kb/s rendition
    assert player.abr.bps == pytest.approx(31_000 * 8 / (0.3 + HLS_JS.processing_s[0]))
    assert player.current == 0 and [p for p in origin.asked if p.endswith(".ts")] == ["low13.ts"]


def test_an_hls_js_viewer_moves_to_the_next_lower_rendition_then_gives_up_after_a_last_try():
    files = {"master.m3u8": LADDER, **{f"{n}.m3u8": live(n) for n in ("low", "mid", "top")}}
    origin = Origin(files)
    player, playback = web(origin, "http://h/master.m3u8")
    player.abr.add(10_000_000, 1.0)  # fast: up to the top after the first segment
    while playback.state == JOINING:
        player.step()
    player.step()  # the start segment again, from the top
    assert player.current == 2 and origin.asked[-1] == "top13.ts"
    origin.refused = {"*"}  # the link is cut: nothing answers
    asked = len(origin.asked)
    with pytest.raises(FetchError):
        for _ in range(20):
            player.step()
    # no retry of a request without an answer: the next lower rendition (its playlist,
    # never loaded, refused too), then the lowest (its playlist still fresh), then one last try
    # a retry delay (1 s) later
    assert origin.asked[asked:] == ["top14.ts", "mid.m3u8", "low14.ts", "low14.ts"]


def test_an_hls_js_viewer_of_one_rendition_tries_again_a_second_then_two_later():
    origin = Origin({"media.m3u8": live("s")})
    player, playback = web(origin, "http://h/media.m3u8")
    while playback.state == JOINING:
        player.step()
    origin.refused = {"*"}
    cut_at, asked = origin.now, len(origin.asked)
    with pytest.raises(FetchError):
        for _ in range(20):
            player.step()
    # three requests: the first, then one a second later and one two seconds after that
    assert origin.asked[asked:] == ["s14.ts"] * 3
    assert origin.now - cut_at == pytest.approx(3 * origin.seconds + 1 + 2)


def test_hls_js_retries_an_answer_worth_it_but_not_a_4xx_nor_no_answer():
    policy = HLS_JS.segment_retry
    assert [policy.wait(n) for n in range(6)] == [1, 2, 4, 8, 8, 8]
    assert policy.worth(FetchError("", 503)) and not policy.worth(FetchError("", 404))
    assert not policy.worth(FetchError("", None))
    assert Retry().worth(FetchError("", None))  # kickoff's own retries everything


MPD = """\
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic"
     availabilityStartTime="1970-01-01T00:00:00Z" suggestedPresentationDelay="PT2S"
     minimumUpdatePeriod="PT500S" timeShiftBufferDepth="PT10S" maxSegmentDuration="PT2S">
  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="1970-01-01T00:01:40.3Z"/>
  <Period start="PT0S">
    <AdaptationSet contentType="video">
      <SegmentTemplate media="v$RepresentationID$-$Number$.m4s" duration="2" startNumber="1"/>
      <Representation id="a" bandwidth="300000"/>
      <Representation id="b" bandwidth="900000"/>
      <Representation id="c" bandwidth="2500000"/>
    </AdaptationSet>
  </Period>
</MPD>
"""


def test_a_dash_js_viewer_starts_at_the_live_point_inside_its_segment():
    # the MPD read 100.3 s after availabilityStartTime: dash.js works out its start there,
    # 2 s behind, 98.3: 0.3 s into the segment [98, 100) (number 50), so 1.7 s of it is to
    # play; then it sets up before it asks for the segment
    origin = Origin({"live.mpd": MPD})
    player, playback = web(origin, "http://h/live.mpd")
    assert player.model is DASH_JS and player.current == 1  # the highest at or under 1000 kb/s
    while playback.state == JOINING:
        player.step()
    assert [path for path in origin.asked if path.endswith(".m4s")] == ["vb-50.m4s"]
    assert playback.level == pytest.approx(1.7)
    # the first frame: the MPD, the setup and the segment, then the browser's pipeline
    assert playback.startup_time == pytest.approx(DASH_JS.setup_s + 2 * origin.seconds +
                                                  DASH_JS.first_frame_s)


def test_a_dash_js_viewer_switching_up_fetches_what_it_buffered_again_at_the_new_rung():
    # dash.js's fast switching: on a switch up with 1.5 segments (3 s) buffered, the
    # segment 3 s past the playhead, and each buffered after it, are asked for again at
    # the new rendition before anything new, and play at it
    origin = Origin({"live.mpd": MPD.replace('"PT2S"', '"PT8S"', 1)}, seconds=1.0)
    player, playback = web(origin, "http://h/live.mpd")
    while origin.now < 6:
        player.step()  # 50 kB a second: the lowest rendition, while 8 s buffer up
    assert player.current == 0 and playback.level > 3
    origin.seconds = 0.05  # the link is faster now: dash.js switches up at a look
    while player.current == 0:
        player.step()
    up, switched_at, buffered = len(origin.asked) - 1, origin.now, playback.level
    fetched = [path for path in origin.asked[:up] if path.endswith(".m4s")]
    last = int(fetched[-1].split("-")[1].split(".")[0])
    # the segment 3 s past the playhead: the buffer (level) ends with segment `last`
    again = last - int((playback.level - 3) // 2)
    while len(origin.asked) < up + (last - again + 2):
        player.step()
    assert origin.asked[up:] == [f"vb-{n}.m4s" for n in range(again, last + 2)]
    while origin.now < 30 and playback.rung_on_screen != 1:
        player.step()
    # the copies play at it: rendition b is on screen 3 s after the switch (give or take
    # a look), long before the first new segment at b plays, when what was buffered is out
    assert playback.rung_on_screen == 1
    assert origin.now < switched_at + 3 + 1 < switched_at + buffered


def test_a_dash_js_viewer_with_less_than_one_and_a_half_segments_buffered_switches_on():
    # the first segment at b, 1.7 s of it to play, then a switch up to c: nothing is
    # fetched again, the next segment comes at c
    origin = Origin({"live.mpd": MPD.replace('"PT2S"', '"PT8S"', 1)})
    player, playback = web(origin, "http://h/live.mpd")
    while len([path for path in origin.asked if path.endswith(".m4s")]) < 3:
        player.step()
    assert [path for path in origin.asked if path.endswith(".m4s")] == [
        "vb-47.m4s", "vc-48.m4s", "vc-49.m4s"]


def test_a_dash_js_viewer_stalls_at_the_edge_and_looks_again_every_half_second():
    origin = Origin({"live.mpd": MPD})
    player, playback = web(origin, "http://h/live.mpd")
    while playback.state == JOINING:
        player.step()
    first_frame = origin.now + DASH_JS.first_frame_s
    while playback.totals.stalls == 0 and origin.now < 10:
        player.step()
    # 1.7 s play out 1.87 s in; the next segment is out at 102 s, 1.7 s in, and asked
    # for at the first look after that on a half-second timer (0.11 s in, then every
    # 0.5 s: at 2.11 s), so the picture froze from 1.87 s until it came
    asked = [path for path in origin.asked if path.endswith(".m4s")]
    assert asked[1].endswith("-51.m4s")
    assert playback.state == PLAYING and playback.totals.stalls == 1
    looked_at = origin.now - origin.seconds
    assert 1.7 < looked_at <= 1.7 + DASH_JS.live.poll_s
    assert playback.totals.stalled_s == pytest.approx(origin.now - (first_frame + 1.7))


def test_a_dash_js_viewer_reloads_the_mpd_on_a_timer_of_its_own():
    # dash.js's ManifestUpdater loads the MPD again minimumUpdatePeriod after the last
    # load, whatever its tracks are doing; a track looking for a segment does not time it
    origin = Origin({"live.mpd": MPD.replace('"PT500S"', '"PT1S"')})
    loads: list[float] = []
    get = origin.get

    def timed(url: str, *args, **kwargs) -> bytes:
        if url.endswith("live.mpd"):
            loads.append(origin.now)  # the moment the request is made
        return get(url, *args, **kwargs)

    origin.get = timed
    player, playback = web(origin, "http://h/live.mpd")
    while origin.now < 8:
        player.step()
    gaps = [later - earlier for earlier, later in zip(loads, loads[1:])]
    assert len(gaps) >= 6
    assert gaps == pytest.approx([1 + origin.seconds] * len(gaps))  # 1 s after each load is in


def test_a_dash_js_viewer_waits_out_a_cut_instead_of_failing():
    origin = Origin({"live.mpd": MPD})
    player, playback = web(origin, "http://h/live.mpd")
    while playback.state == JOINING:
        player.step()
    origin.refused = {"*"}
    until = origin.now + 6
    while origin.now < until:
        player.step()  # never raises: dash.js retries (3 more, a second apart), then asks again
    assert playback.state == STALLED
    origin.refused = set()
    while playback.state != PLAYING:
        player.step()
    assert playback.totals.stalls == 1


def test_a_dash_js_viewer_fallen_out_of_the_window_goes_on_from_its_oldest_segment():
    # dash.js asks for segments by number and moves a playhead that is behind the DVR
    # window to the window's start, never to the live point: after an outage longer than
    # the window it fetches what the window still holds at once and plays on (hls.js goes
    # back to its live sync point)
    short = (MPD.replace('"PT2S"', '"PT1S"').replace('"PT10S"', '"PT6S"')
             .replace('duration="2"', 'duration="1"'))
    origin = Origin({"live.mpd": short}, seconds=0.02, size=20_000)
    player, playback = web(origin, "http://h/live.mpd")
    while origin.now < 5:
        player.step()
    origin.refused = {"*"}
    until = origin.now + 7  # longer than the window: the segment it waits for leaves it
    while origin.now < until:
        player.step()
    assert playback.state == STALLED
    origin.refused = set()
    back, restored = len(origin.asked), origin.now
    while playback.state != PLAYING and origin.now < restored + 10:
        player.step()
    numbers = [int(path.split("-")[1].split(".")[0]) for path in origin.asked[back:]
               if path.endswith(".m4s")]
    # the window's segments one after another: the buffer at once holds enough to play on
    # (Chromium's threshold is at its 3 s most after so many stalls)
    assert len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert origin.now - restored < 1.0  # back at the live point it would wait for 3 s of it


class LateVideo(Origin):
    """A live SegmentTimeline MPD of 1 s segments whose video lists each segment
    `lag` seconds after its audio (as ffmpeg lists its top rendition late)."""

    def __init__(self, lag: float) -> None:
        super().__init__({}, seconds=0.01, size=20_000)
        self.lag = lag

    def get(self, url: str, *args, **kwargs) -> bytes:
        if url.endswith(".mpd"):
            self.files[url] = self.mpd()
        return super().get(url, *args, **kwargs)

    def mpd(self) -> str:
        live = 100.3 + self.now  # the media time now (the UTCTiming below is at 0)

        def adaptation(kind: str, out: float) -> str:
            count = int(out) - 94  # the segments out by then, of a 6 s window
            return (f'<AdaptationSet contentType="{kind}"><SegmentTemplate timescale="1" '
                    f'media="{kind[0]}-$Time$.m4s"><SegmentTimeline><S t="94" d="1" '
                    f'r="{count - 1}"/></SegmentTimeline></SegmentTemplate>'
                    f'<Representation id="{kind}" bandwidth="300000"/></AdaptationSet>')

        return ('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" '
                'availabilityStartTime="1970-01-01T00:00:00Z" suggestedPresentationDelay="PT1S" '
                'minimumUpdatePeriod="PT1S" timeShiftBufferDepth="PT6S" maxSegmentDuration="PT1S">'
                '<UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" '
                'value="1970-01-01T00:01:40.3Z"/><Period start="PT0S">'
                f'{adaptation("video", live - self.lag)}{adaptation("audio", live)}</Period></MPD>')


def stalls(profile: ClientProfile, lag: float) -> int:
    """How often a viewer of `profile` stalled in 20 s of LateVideo(lag)."""
    origin = LateVideo(lag)
    playback = Playback(origin.now, 0.0, 0.0)
    player = Player(origin.get, lambda: origin.now, origin.sleep, playback, profile)
    player.open("http://h/live.mpd")
    while origin.now < 20:
        player.step()
    return playback.totals.stalls


def test_a_browser_plays_on_its_audio_while_its_video_comes_late():
    # Chromium defers a video underflow while its audio has enough: the clock runs on
    # and no stall is reported unless the video is still missing 3 s later. Each video
    # segment here is out 0.6 s after its audio, and dash.js rides 1 s behind the edge.
    assert DASH_JS.video_underflow_s == HLS_JS.video_underflow_s == 3.0
    web_profile = CLIENTS["web"]
    at_once = replace(web_profile, dash=replace(DASH_JS, video_underflow_s=0.0))
    assert stalls(at_once, lag=0.6) >= 3  # a browser that stopped as the video ran dry
    assert stalls(web_profile, lag=0.6) == 0


class OneVideoMissing(Origin):
    """The next video segment asked for is not there yet: a 404, once."""

    missing = False

    def get(self, url: str, *args, **kwargs) -> bytes:
        path = url.rpartition("/")[2]
        if self.missing and path.startswith("v") and path.endswith(".m4s"):
            self.missing = False
            self.now += self.seconds
            self.asked.append(path)
            raise FetchError(f"{path}: 404", 404)
        return super().get(url, *args, **kwargs)


def test_a_dash_js_viewer_retries_a_video_segment_on_its_own_timer_while_its_audio_goes_on():
    # dash.js has a loader per track: a video segment that fails is asked for again a
    # second later by that track, and the audio track does not wait for it
    audio = """
    <AdaptationSet contentType="audio">
      <SegmentTemplate media="a-$Number$.m4s" duration="2" startNumber="1"/>
      <Representation id="x" bandwidth="64000"/>
    </AdaptationSet>
  </Period>"""
    origin = OneVideoMissing({"live.mpd": MPD.replace("\n  </Period>", audio, 1)})
    player, playback = web(origin, "http://h/live.mpd")
    while playback.state == JOINING:
        player.step()
    origin.missing = True
    at: dict[str, list[float]] = {}
    while origin.now < 10 and not any(len(times) > 1 for times in at.values()):
        before = len(origin.asked)
        player.step()
        for path in origin.asked[before:]:
            at.setdefault(path, []).append(origin.now)
    (video,) = [path for path, times in at.items() if len(times) > 1]
    first, again = at[video]
    audio_at = [times[0] for path, times in at.items() if path.startswith("a-")]
    assert audio_at and first < audio_at[0] < again  # the audio did not wait for the retry
    assert again - first == pytest.approx(DASH_JS.segment_retry.wait(0), abs=0.05)


def test_a_bare_media_playlist_reports_the_bitrate_its_bytes_make():
    origin = Origin({"media.m3u8": live("s")}, size=150_000)  # 150 kB a 2 s segment
    player, playback = web(origin, "http://h/media.m3u8")
    assert player.bandwidths == [0]  # nothing announced
    for _ in range(6):
        player.step()
    playback.advance(origin.now + 10)
    totals = playback.totals
    assert totals.bitrate_kbps_s / totals.played_s == pytest.approx(150_000 * 8 / 2 / 1000)
    assert totals.switches == 0


def test_the_first_frame_waits_for_the_pipeline_and_an_empty_buffer_resumes_on_any_media():
    playback = Playback(0.0, startup_buffer=0.0, resume_buffer=0.0, first_frame_s=0.1)
    playback.add(1.0, kbps=500, now=0.5)
    assert playback.state == PLAYING and playback.startup_time == pytest.approx(0.6)
    playback.advance(1.6)  # the frame at 0.6, then 1 s of media: dry at 1.6
    assert playback.totals.played_s == pytest.approx(1.0) and playback.state == PLAYING
    playback.advance(1.7)
    assert playback.state == STALLED
    playback.add(0.5, kbps=500, now=1.8)  # any media plays on
    assert playback.state == PLAYING and playback.totals.stalled_s == pytest.approx(0.2)


def test_a_browser_plays_on_after_a_stall_only_with_twice_the_last_threshold_buffered():
    # Chromium's audio renderer: 0.2 s before the first frame, doubled after every
    # underflow, at most 3 s
    playback = Playback(0.0, startup_buffer=0.0, resume_buffer=0.0)
    playback.startup_buffer = playback.resume_buffer = HLS_JS.startup_buffer
    playback.resume_most = HLS_JS.resume_doubles_to
    assert DASH_JS.resume_doubles_to == HLS_JS.resume_doubles_to == 3.0
    playback.add(0.1, kbps=500, now=0.0)
    assert playback.state == JOINING  # 0.1 s is not enough for the first frame
    playback.add(0.1, kbps=500, now=0.1)
    assert playback.state == PLAYING
    now = 0.1
    for needed in (0.4, 0.8, 1.6, 3.0, 3.0):
        now += playback.level + 0.5
        playback.advance(now)  # dry: a stall
        assert playback.state == STALLED
        playback.add(needed - 0.1, kbps=500, now=now)
        assert playback.state == STALLED  # not yet
        playback.add(0.1, kbps=500, now=now)
        assert playback.state == PLAYING
    assert playback.totals.stalls == 5


def test_a_dash_js_viewer_whose_init_segment_fails_for_good_freezes_to_the_end():
    mpd = MPD.replace('media="v', 'initialization="init-$RepresentationID$.mp4" media="v')
    origin = Origin({"live.mpd": mpd})
    player, playback = web(origin, "http://h/live.mpd")
    while playback.state == JOINING:
        player.step()
    origin.refused = {"init-a.mp4"}  # the lowest rendition's init segment cannot be had
    player.abr.add(1_000, 10.0)  # and the throughput says the lowest: dash.js switches to it
    for _ in range(40):
        player.step()
    origin.refused = set()
    asked = len(origin.asked)
    for _ in range(40):
        player.step()  # nothing more is asked for, whatever the link does now
    assert origin.asked[asked:] == [] and playback.state == STALLED


def timeline_mpd(utc: float) -> str:
    """MPD with a SegmentTimeline of the 2 s segments out at `utc` (the last 10 s,
    numbered as ffmpeg numbers them), reloaded every second."""
    last = int(utc // 2) * 2
    first = last - 10
    return (MPD.replace('"PT500S"', '"PT1S"').replace(
        '<SegmentTemplate media="v$RepresentationID$-$Number$.m4s" duration="2" startNumber="1"/>',
        f'<SegmentTemplate media="v$RepresentationID$-$Time$.m4s" startNumber="{first // 2}">'
        '<SegmentTimeline>'
        f'<S t="{first}" d="2" r="{(last - first) // 2 - 1}"/></SegmentTimeline></SegmentTemplate>'))


def _cut_mpd_reloads(template: str) -> tuple[Origin, Playback, int]:
    """A dash.js viewer of a live MPD reloaded every second (a timeline that grows
    with the clock, or $Number$) whose link is cut for 4 s, longer than its MPD
    retries (4 tries half a second apart), then plays 8 s more: (origin, playback,
    how many requests had been made when the link came back)."""
    origin = Origin({})

    def publish() -> None:
        utc = origin.now + 100.3
        origin.files["http://h/live.mpd"] = (timeline_mpd(utc) if template == "timeline"
                                             else MPD.replace('"PT500S"', '"PT1S"'))

    publish()
    player, playback = web(origin, "http://h/live.mpd")
    for seconds, refused in ((4, set()), (4, {"*"}), (8, set())):
        origin.refused = refused
        back = len(origin.asked)
        until = origin.now + seconds
        while origin.now < until:
            publish()
            player.step()
    return origin, playback, back


def test_a_dash_js_viewer_whose_mpd_reload_fails_for_good_keeps_the_mpd_it_has():
    # dash.js's ManifestUpdater starts its refresh timer again only when a load
    # succeeds: after a cut longer than its MPD retries it never asks for the MPD again
    # (the ffmpeg SegmentTimeline stream in tests/players: dash.js froze to the end)
    origin, playback, back = _cut_mpd_reloads("timeline")
    assert "live.mpd" not in origin.asked[back:]
    assert playback.state == STALLED
    # on $Number$ segments come by the clock: it plays on without a newer MPD
    origin, playback, back = _cut_mpd_reloads("number")
    assert "live.mpd" not in origin.asked[back:]
    assert playback.state == PLAYING and any(p.endswith(".m4s") for p in origin.asked[back:])
