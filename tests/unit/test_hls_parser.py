"""The player's playlist parser on real playlists: ffmpeg's, our origin's, a CDN's."""

from pathlib import Path

import pytest

from harness.load.protocol.hls import PlaylistError, parse_master, parse_media

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
])
def test_media_playlist_errors(text, problem):
    with pytest.raises(PlaylistError, match=problem):
        parse_media(text, "http://h/x.m3u8")


def test_master_without_variants_is_an_error():
    with pytest.raises(PlaylistError, match="no variant"):
        parse_master("#EXTM3U\n#EXT-X-VERSION:3\n", "http://h/m.m3u8")
