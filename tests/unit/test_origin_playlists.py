"""The origin's live playlists obey RFC 8216's rules for a sliding live window."""

from kickoff_stack import hls
from kickoff_stack.media import LOOP_SEGMENTS, RENDITIONS, SEGMENT_SECONDS

from harness.load.protocol.hls import parse_master, parse_media

BASE = "http://edge.test/live/m/240p/index.m3u8?token=t"
DURATIONS = [2.0] * LOOP_SEGMENTS


def playlist_at(now: float):
    return parse_media(hls.media_playlist("t", DURATIONS, now), BASE)


def test_window_is_the_newest_complete_segments():
    now = 1000 * SEGMENT_SECONDS + 0.5  # segment 1000 is still being "recorded"
    playlist = playlist_at(now)
    assert playlist.last_sequence == 999
    assert len(playlist.segments) == hls.WINDOW_SEGMENTS
    assert playlist.target_duration == SEGMENT_SECONDS
    assert not playlist.ended


def test_sequence_advances_by_one_each_target_duration():
    start = 5000 * SEGMENT_SECONDS + 0.1
    sequences = [playlist_at(start + k * SEGMENT_SECONDS).media_sequence for k in range(4)]
    assert sequences == [sequences[0] + k for k in range(4)]


def test_same_moment_same_playlist():
    assert hls.media_playlist("t", DURATIONS, 12345.6) == hls.media_playlist("t", DURATIONS, 12345.6)


def test_the_loop_point_is_no_discontinuity():
    """The origin restamps the loop into one timeline (mpegts.py): no segment is
    marked a discontinuity, so the discontinuity sequence stays 0 (hls.js keeps
    per-discontinuity state in arrays indexed by that number)."""
    for step in range(LOOP_SEGMENTS):
        segments = playlist_at((900_000_000 + step) * SEGMENT_SECONDS + 0.5).segments
        assert not any(s.discontinuity for s in segments)
        assert {s.discontinuity_sequence for s in segments} == {0}


def test_segments_are_available_only_once_complete_and_within_the_dvr_window():
    now = 2000 * SEGMENT_SECONDS + 1.0
    assert hls.is_available(1999, now)
    assert not hls.is_available(2000, now)
    assert not hls.is_available(1999 - hls.DVR_SEGMENTS - 1, now)


def test_master_lists_every_rendition_with_the_token():
    variants = parse_master(hls.master_playlist("tok"), "http://edge.test/live/m/master.m3u8?token=tok")
    assert [v.bandwidth for v in variants] == [r.bandwidth for r in RENDITIONS]
    assert variants[0].uri == "http://edge.test/live/m/240p/index.m3u8?token=tok"
    assert variants[0].codecs == "avc1.4d401f,mp4a.40.2"
