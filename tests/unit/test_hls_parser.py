"""The HLS parser on real playlists (ffmpeg's, our origin's, a CDN's) and on
hand-written edge cases; the stream a player follows from them."""

from pathlib import Path

import pytest

from harness.load.protocol import hls
from harness.load.protocol.hls import PlaylistError, parse_master, parse_media
from harness.load.protocol.model import AUDIO, VIDEO, LiveStart, Resource, Track

DATA = Path(__file__).parent.parent / "data"


def read(name: str) -> str:
    return (DATA / name).read_text()


def test_ffmpeg_live_playlist():
    playlist = parse_media(read("ffmpeg_live.m3u8"), "http://127.0.0.1:8088/hls/live.m3u8")
    assert playlist.target_duration == 2
    assert [s.position for s in playlist.segments] == [2, 3, 4, 5]
    assert playlist.segments[0].uri == "http://127.0.0.1:8088/hls/live_2.ts"
    assert playlist.ended


def test_origin_media_playlist_with_a_loop_point():
    base = "http://127.0.0.1:8080/live/fck-tsv1860/240p/index.m3u8?token=fck-tsv1860.1.abc"
    playlist = parse_media(read("origin_media.m3u8"), base)
    assert playlist.media_sequence == 14997
    assert [s.discontinuity for s in playlist.segments] == [False, False, False, True, False, False]
    assert [s.discontinuity_sequence for s in playlist.segments] == [999] * 3 + [1000] * 3
    assert playlist.segments[3].uri == \
        "http://127.0.0.1:8080/live/fck-tsv1860/240p/15000.ts?token=fck-tsv1860.1.abc"


def test_origin_master_playlist():
    variants = parse_master(read("origin_master.m3u8"), "http://h/live/e/master.m3u8?token=x")
    assert len(variants) == 3 and variants[0].resolution == (416, 234)


def test_cdn_master_with_absolute_uris_quoted_commas_and_audio_only():
    base = "https://cdn.example.test/live/master.m3u8?hdnts=t"
    variants = parse_master(read("apple_style_master.m3u8"), base)
    assert [v.bandwidth for v in variants] == [200_000, 800_000, 5_000_000]
    assert variants[0].uri == "https://cdn.example.test/audio-only/index.m3u8"
    assert variants[0].resolution is None
    assert variants[1].uri == "https://cdn.example.test/live/sd/index.m3u8?hdnts=exp=1~acl=/*~hmac=ab12"
    assert variants[2].codecs == "avc1.640028,mp4a.40.2"


@pytest.mark.parametrize("text, problem", [
    ("", "#EXTM3U"),
    ("<html>", "#EXTM3U"),
    ("#EXTM3U\n#EXT-X-TARGETDURATION:2\nseg.ts\n", "no #EXTINF"),
    ("#EXTM3U\n#EXTINF:2,\nseg.ts\n", "TARGETDURATION"),
    ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n", "master playlist"),
    # edge cases
    ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n#EXT-X-BYTERANGE:10\na.ts\n", "no offset"),
    ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128\n", "without URI"),
    ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:BYTERANGE=\"1@0\"\n", "without URI"),
    ("#EXTM3U\n#EXT-X-TARGETDURATION:two\n", "not a number"),
    ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:today\n", "ISO 8601"),
])
def test_media_playlist_errors(text, problem):
    with pytest.raises(PlaylistError, match=problem):
        parse_media(text, "http://h/x.m3u8")


def test_master_without_variants_is_an_error():
    with pytest.raises(PlaylistError, match="no variant"):
        parse_master("#EXTM3U\n#EXT-X-VERSION:3\n", "http://h/m.m3u8")


# --- the stream a player follows: renditions and windows --------------------------------

STREAMS = DATA / "streams"


def stream_of(text: str, url: str, playlists: dict[str, str] | None = None,
              clock=lambda: 0.0, live: LiveStart = LiveStart()) -> hls.HlsStream:
    """The stream of `text`; its media playlists are read from `playlists` by URL."""
    def load(playlist_url, parse, object_type):
        return parse(playlists[playlist_url], playlist_url)

    return hls.open_stream(hls.parse(text, url), url, load, clock, live)


def test_ffmpeg_fmp4_master_renditions_are_video_with_the_audio_group_attached():
    master = (STREAMS / "ffmpeg_fmp4_master.m3u8").read_text()
    stream = stream_of(master, "http://h/live/master.m3u8")
    variants = hls.parse_master(master, "http://h/live/master.m3u8")
    audio_only = [v for v in variants if v.audio_only]
    assert len(audio_only) == 1 and len(stream.renditions) == len(variants) - 1
    assert [r.bandwidth for r in stream.renditions] == sorted(
        v.bandwidth for v in variants if not v.audio_only)
    for rendition in stream.renditions:
        assert rendition.video.kind == VIDEO
        assert rendition.audio == Track(audio_only[0].uri, AUDIO, audio_only[0].bandwidth)


def test_an_audio_only_variant_listed_first_is_never_the_lowest_rendition():
    stream = stream_of(read("apple_style_master.m3u8"), "https://cdn.example.test/live/m.m3u8")
    assert [r.bandwidth for r in stream.renditions] == [800_000, 5_000_000]
    assert stream.renditions[0].audio.id == "https://cdn.example.test/live/audio/de/index.m3u8"


def test_ffmpeg_fmp4_media_playlist_has_its_init_segment_on_every_segment():
    playlist = parse_media((STREAMS / "ffmpeg_fmp4_video.m3u8").read_text(), "http://h/l/v.m3u8")
    assert playlist.segments and playlist.ended
    assert {s.init for s in playlist.segments} == {Resource("http://h/l/init_0.mp4")}


EDGE_CASES = """\
#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:40
#EXT-X-DISCONTINUITY-SEQUENCE:3
#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"
#EXT-X-KEY:METHOD=AES-128,URI="https://keys.test/k1",IV=0x1
#EXT-X-PROGRAM-DATE-TIME:2026-11-27T20:30:00.000Z
#EXTINF:2.0,
#EXT-X-BYTERANGE:1000@720
all.mp4
#EXTINF:2.0,
#EXT-X-BYTERANGE:1500
all.mp4
#EXT-X-DISCONTINUITY
#EXT-X-KEY:METHOD=NONE
#EXTINF:1.5,
next.mp4
#EXT-X-ENDLIST
"""


def test_byteranges_keys_dates_and_discontinuities():
    playlist = parse_media(EDGE_CASES, "http://h/a/media.m3u8")
    first, second, third = playlist.segments
    assert [s.position for s in playlist.segments] == [40, 41, 42]
    assert first.init == Resource("http://h/a/init.mp4", (0, 719))
    assert (first.byterange, second.byterange, third.byterange) == ((720, 1719), (1720, 3219), None)
    assert first.key == second.key == Resource("https://keys.test/k1") and third.key is None
    assert second.program_date_time - first.program_date_time == first.duration
    assert [s.discontinuity_sequence for s in playlist.segments] == [3, 3, 4]
    assert playlist.ended


def test_a_window_starts_three_segments_from_the_live_edge_and_reloads_per_target_duration():
    now = [100.0]
    url = "http://h/a/media.m3u8"
    live = EDGE_CASES.replace("#EXT-X-ENDLIST\n", "")
    stream = stream_of(live, url, {url: live}, clock=lambda: now[0])
    (rendition,) = stream.renditions
    window = stream.window(rendition.video)
    assert window.live_start == 40 and not window.ended and window.refresh_at == 102.0
    assert stream.window(rendition.video) is window  # not due: no reload
    now[0] = 102.0
    assert stream.window(rendition.video).refresh_at == 103.0  # unchanged: half a target


def test_a_browser_player_starts_at_the_live_point_itself():
    url = "http://h/a/media.m3u8"
    text = EDGE_CASES.replace("#EXT-X-ENDLIST\n", "#EXTINF:2,\nb.mp4\n#EXTINF:2,\nc.mp4\n")
    stream = stream_of(text, url, {url: text}, live=LiveStart(segments_behind=3, at_the_point=True))
    window = stream.window(stream.renditions[0].video)
    assert (window.live_start, window.live_offset) == (41, 1.5)  # 9.5 - 6 = 3.5 s: 1.5 s into it


def test_a_stream_that_ended_before_the_viewer_came_plays_from_its_start():
    url = "http://h/a/media.m3u8"
    longer = EDGE_CASES.replace("#EXT-X-ENDLIST\n", "#EXTINF:2,\nb.mp4\n#EXTINF:2,\nc.mp4\n")
    # live: 2 + 2 + 1.5 + 2 + 2 s; the segment holding the point three target durations
    # (6 s) before the end is the one from 2 s (RFC 8216 6.3.3: none starting later)
    for text, ended, start in ((longer, False, 41), (longer + "#EXT-X-ENDLIST\n", True, 40)):
        stream = stream_of(text, url, {url: text})
        window = stream.window(stream.renditions[0].video)
        assert (window.ended, window.live_start) == (ended, start)
