"""The DASH reader on ffmpeg's MPDs ($Number$, and $Time$ with a SegmentTimeline;
dynamic and static) and on hand-written edge cases (open repeats, BaseURL
chains, identifier formats, UTCTiming): which segments exist at a moment."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load.protocol import dash, mpd
from harness.load.protocol.model import AUDIO, VIDEO, LiveStart, ManifestError, Resource

STREAMS = Path(__file__).parent.parent / "data" / "streams"
URL = "http://127.0.0.1:8088/live/live.mpd"


def ffmpeg_mpd(name: str) -> mpd.Mpd:
    return mpd.parse_mpd((STREAMS / name).read_text(), URL)


def test_ffmpeg_number_mpd():
    parsed = ffmpeg_mpd("ffmpeg_dynamic_number.mpd")
    assert parsed.dynamic and parsed.suggested_presentation_delay == 1.0
    assert parsed.time_shift_buffer_depth == 5.0 and parsed.minimum_update_period == 500.0
    kinds = [r.kind for r in parsed.representations]
    assert kinds.count(AUDIO) == 1 and kinds.count(VIDEO) >= 2
    video = parsed.representations[0]
    # Ten seconds (and the edge margin) in: segments 1..10 have ended, those
    # within the time shift buffer are offered.
    now = parsed.availability_start + 10 + dash.EDGE_MARGIN
    segments = dash.segments_at(video, parsed, now)
    length = video.template.duration / video.template.timescale
    assert [s.position for s in segments] == list(range(11 - round(5.0 / length) - 1, 11))
    assert segments[-1].uri == "http://127.0.0.1:8088/live/chunk-stream0-00010.m4s"
    assert segments[-1].init == Resource("http://127.0.0.1:8088/live/init-stream0.m4s")
    assert dash.live_start(segments, parsed) == (10, 0.0)  # one second (the SPD) behind the edge


def test_ffmpeg_time_mpd_while_live_and_once_ended():
    live = ffmpeg_mpd("ffmpeg_dynamic_time.mpd")
    video = live.representations[0]
    template = video.template
    (t, d, r) = template.timeline[0]
    last_end = (t + (r + 1) * d) / template.timescale
    segments = dash.segments_at(video, live, live.availability_start + last_end + dash.EDGE_MARGIN)
    assert [s.uri.rpartition("-")[2] for s in segments] == \
        [f"{t + k * d}.m4s" for k in range(r + 1)]
    assert [s.position for s in segments] == [template.start_number + k for k in range(r + 1)]
    ended = ffmpeg_mpd("ffmpeg_static_time.mpd")
    assert not ended.dynamic
    everything = dash.segments_at(ended.representations[0], ended, 0.0)
    assert len(everything) > len(segments) and dash.live_start(everything, ended) == (1, 0.0)


HAND_WRITTEN = """\
<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic"
     availabilityStartTime="2026-11-27T20:00:00Z" minimumUpdatePeriod="PT2S"
     timeShiftBufferDepth="PT30S" maxSegmentDuration="PT2S">
  <BaseURL>https://cdn.test/event/</BaseURL>
  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:ntp:2014" value="pool.ntp.test"/>
  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="2026-11-27T20:00:20Z"/>
  <Period id="p0" start="PT0S">
    <BaseURL>p0/</BaseURL>
    <AdaptationSet contentType="video" mimeType="video/mp4">
      <SegmentTemplate timescale="1000" media="$RepresentationID$/$Bandwidth$/$Time$.m4s"
                       initialization="$RepresentationID$/init.mp4"/>
      <Representation id="v1" bandwidth="800000">
        <SegmentTemplate timescale="1000" startNumber="5"
                         media="$RepresentationID$/$Bandwidth$/$Time$-$Number%04d$$$.m4s"
                         initialization="$RepresentationID$/init.mp4">
          <SegmentTimeline><S t="4000" d="2000" r="-1"/></SegmentTimeline>
        </SegmentTemplate>
      </Representation>
      <Representation id="v0" bandwidth="300000">
        <BaseURL>https://other.test/v0/</BaseURL>
        <SegmentTemplate timescale="1000" media="$Time$.m4s">
          <SegmentTimeline><S t="0" d="2000" r="-1"/><S t="10000" d="1000" r="2"/></SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>
    <AdaptationSet mimeType="audio/mp4">
      <SegmentTemplate timescale="48000" duration="96000" media="a/$Number$.m4s"/>
      <Representation id="a0" bandwidth="64000"/>
    </AdaptationSet>
    <AdaptationSet contentType="text"><Representation id="t" bandwidth="1"/></AdaptationSet>
  </Period>
</MPD>
"""


def test_base_urls_templates_and_an_open_repeat():
    parsed = mpd.parse_mpd(HAND_WRITTEN, URL)
    v1, v0, a0 = parsed.representations
    start = parsed.availability_start
    segments = dash.segments_at(v1, parsed, start + 10 + dash.EDGE_MARGIN)
    # r=-1 repeats until now: 4-6, 6-8, 8-10 have ended
    assert [s.uri for s in segments] == [
        f"https://cdn.test/event/p0/v1/800000/{t}-{n:04d}$.m4s"
        for t, n in ((4000, 5), (6000, 6), (8000, 7))]
    assert segments[0].init == Resource("https://cdn.test/event/p0/v1/init.mp4")
    # r=-1 repeats up to the next S's t, then that S
    later = dash.segments_at(v0, parsed, start + 20)
    assert [s.uri.rpartition("/")[2] for s in later] == \
        [f"{t}.m4s" for t in (0, 2000, 4000, 6000, 8000, 10000, 11000, 12000)]
    assert later[0].uri.startswith("https://other.test/v0/") and later[-1].duration == 1.0
    audio = dash.segments_at(a0, parsed, start + 7 + dash.EDGE_MARGIN)
    assert a0.kind == AUDIO and [s.uri.rpartition("/")[2] for s in audio] == ["1.m4s", "2.m4s",
                                                                                "3.m4s"]


def test_without_a_suggested_delay_a_newcomer_starts_three_segments_back():
    parsed = mpd.parse_mpd(HAND_WRITTEN, URL)
    segments = dash.segments_at(parsed.representations[0], parsed,
                                parsed.availability_start + 20 + dash.EDGE_MARGIN)
    assert dash.live_start(segments, parsed) == (segments[-3].position, 0.0)


def test_utc_timing_direct_sets_the_clock_and_an_audio_track_joins_every_rendition():
    stream = dash.open_stream(mpd.parse_mpd(HAND_WRITTEN, URL), URL, load=None,
                              clock=lambda: 1000.0)
    assert stream.live and [r.bandwidth for r in stream.renditions] == [364000, 864000]
    assert {r.audio.id for r in stream.renditions} == {"a0"}
    window = stream.window(stream.renditions[0].video)  # 20 s after the start, by the MPD's time
    assert window.segments[-1].uri.endswith("/12000.m4s") and not window.ended


def test_utc_timing_over_http_is_loaded_like_any_document():
    text = HAND_WRITTEN.replace(
        '<UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="2026-11-27T20:00:20Z"/>',
        '<UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="/time"/>')
    asked = []

    def load(url, parse, object_type):
        asked.append((url, object_type))
        return parse("2026-11-27T20:00:09.000Z", url)

    stream = dash.open_stream(mpd.parse_mpd(text, URL), URL, load, clock=lambda: 5.0)
    window = stream.window(stream.renditions[1].video)
    assert asked == [("http://127.0.0.1:8088/time", "o")]
    assert window.segments[-1].uri.rpartition("/")[2].startswith("6000-")


@pytest.mark.parametrize("value, seconds", [("PT2S", 2), ("PT1.5S", 1.5), ("PT1M30S", 90),
                                            ("P1DT1H", 90000), ("PT0S", 0)])
def test_durations(value, seconds):
    assert mpd.duration(value) == seconds


@pytest.mark.parametrize("change, problem", [
    (("<MPD ", "<NotMPD "), "not XML|root element"),
    (('availabilityStartTime="2026-11-27T20:00:00Z"', ""), "availabilityStartTime"),
    (('availabilityStartTime="2026-11-27T20:00:00Z"', 'availabilityStartTime="2026-11-27T20:00"'),
     "time zone"),
    (('minimumUpdatePeriod="PT2S"', 'minimumUpdatePeriod="2 seconds"'), "xs:duration"),
    (('duration="96000"', 'duration="two"'), "not a whole number"),
    (('duration="96000"', 'duration="0"'), "not above 0"),
    (('d="2000" r="-1"/><S', 'd="0" r="-1"/><S'), "d=0"),
    (('<Representation id="a0" bandwidth="64000"/>', '<Representation bandwidth="1"/>'),
     "without id"),
])
def test_mpd_errors(change, problem):
    text = HAND_WRITTEN.replace(*change)
    with pytest.raises(ManifestError, match=problem):
        mpd.parse_mpd(text, URL)


def test_an_unfilled_identifier_is_an_error():
    with pytest.raises(ManifestError, match=r"\$Time\$"):
        mpd.expand("$Time$.m4s", "v", 1, number=3)


DASH_JS = LiveStart(segments_behind=4, at_the_point=True, margin_s=0.0, poll_s=0.5,
                    dash_js_delay=True)


SERVICE = '<ServiceDescription id="0"><Latency target="2500"/></ServiceDescription>'


@pytest.mark.parametrize("attributes, service, delay", [
    ('maxSegmentDuration="PT2S"', "", 8.0),  # no delay asked for: four maxSegmentDurations
    ('minBufferTime="PT1.5S"', "", 6.0),  # nor a maxSegmentDuration: four minBufferTimes
    ('maxSegmentDuration="PT2S" suggestedPresentationDelay="PT3S"', "", 3.0),
    ('maxSegmentDuration="PT2S" suggestedPresentationDelay="PT3S"', SERVICE, 2.5),  # it comes first
])
def test_dash_js_live_delay(attributes, service, delay):
    text = HAND_WRITTEN.replace('maxSegmentDuration="PT2S"', attributes).replace(
        "<BaseURL>https://cdn.test/event/</BaseURL>",
        f"{service}<BaseURL>https://cdn.test/event/</BaseURL>")
    parsed = mpd.parse_mpd(text, URL)
    segments = dash.segments_at(parsed.representations[0], parsed, parsed.availability_start + 20)
    assert dash.live_delay(parsed, segments, DASH_JS) == delay


def test_dash_js_starts_at_the_live_point_inside_its_segment():
    parsed = mpd.parse_mpd(HAND_WRITTEN, URL)  # 2 s segments, no suggested delay: 8 s behind
    v1 = parsed.representations[0]
    segments = dash.segments_at(v1, parsed, parsed.availability_start + 20.7, margin=0.0)
    assert segments[-1].start_s == 18.0  # out since 20 s
    # the live point is 20.7 - 8 = 12.7 s: 0.7 s into the segment from 12 s (number 9)
    position, offset = dash.live_start(segments, parsed, DASH_JS, elapsed=20.7)
    assert position == 9 and offset == pytest.approx(0.7)
    # kickoff's own: at a segment's start, three segments back (from 14 s)
    assert dash.live_start(segments, parsed, LiveStart(), elapsed=20.7) == (10, 0.0)
