"""The player's buffer on hand-made clocks: startup, draining, stalls, bitrate."""

import pytest

from harness.load.playback import ENDED, JOINING, PLAYING, STALLED, Playback


def test_playback_starts_when_the_startup_buffer_is_full():
    p = Playback(now=100.0, startup_buffer=4, resume_buffer=2)
    p.add(2, kbps=400, now=100.5)
    assert p.state == JOINING and p.startup_time is None
    p.add(2, kbps=400, now=101.25)
    assert p.state == PLAYING
    assert p.startup_time == pytest.approx(1.25)


def test_the_buffer_drains_in_real_time_and_an_empty_buffer_is_a_stall():
    p = Playback(now=0.0, startup_buffer=4, resume_buffer=2)
    p.add(4, kbps=1500, now=1.0)  # playing from t=1 with 4 s buffered
    p.advance(3.0)
    assert p.level == pytest.approx(2.0) and p.state == PLAYING
    p.advance(8.0)  # ran dry at t=5: stalled for 3 s
    assert p.state == STALLED
    assert p.totals.played_s == pytest.approx(4.0)
    assert p.totals.stalled_s == pytest.approx(3.0)
    assert p.totals.stalls == 1
    p.add(1, kbps=1500, now=9.0)  # below the resume buffer: still stalled
    assert p.state == STALLED
    p.add(1, kbps=1500, now=10.0)
    assert p.state == PLAYING
    assert p.totals.stalled_s == pytest.approx(5.0)


def test_time_before_the_first_frame_is_neither_played_nor_stalled():
    p = Playback(now=0.0, startup_buffer=4, resume_buffer=2)
    p.add(2, kbps=400, now=5.0)
    p.advance(9.0)
    assert p.totals.played_s == 0 and p.totals.stalled_s == 0


def test_bitrate_and_switches_follow_what_plays_not_what_downloads():
    p = Playback(now=0.0, startup_buffer=4, resume_buffer=2)
    p.add(2, kbps=400, now=0.0)
    p.add(2, kbps=400, now=0.0)
    p.add(2, kbps=4000, now=0.0, rung=2)  # downloaded early, played from t=4
    p.advance(3.0)
    assert p.totals.switches == 0
    assert p.totals.bitrate_kbps_s == pytest.approx(400 * 3)
    p.advance(6.0)
    assert p.totals.switches == 1
    assert p.totals.bitrate_kbps_s == pytest.approx(400 * 4 + 4000 * 2)


def test_a_copy_of_buffered_media_plays_at_its_rendition_from_where_it_starts():
    # dash.js's fast switching: a copy of the media from 1.5 s past the playhead came in
    p = Playback(now=0.0, startup_buffer=1, resume_buffer=1)
    p.add(2, kbps=400, now=0.0)
    p.add(2, kbps=400, now=0.0)
    p.advance(1.0)  # the playhead 1 s in: 3 s buffered
    p.replace_span(1.5, 2.0, kbps=1200, rung=1)  # media 2.5-4.5 s; only 2.5-4 s is buffered
    assert p.level == pytest.approx(3.0)
    p.advance(4.0)
    assert p.totals.bitrate_kbps_s == pytest.approx(400 * 1 + 400 * 1.5 + 1200 * 1.5)
    assert p.rung_on_screen == 1 and p.totals.switches == 1
    p.replace_span(-1.0, 0.5, kbps=4000, rung=2)  # played already: nothing changes
    assert p.level == 0.0 and p.rung_on_screen == 1


def test_ending_counts_the_time_up_to_the_end():
    p = Playback(now=0.0, startup_buffer=2, resume_buffer=2)
    p.add(2, kbps=400, now=0.0)
    p.end(now=3.0)
    assert p.state == ENDED
    assert p.totals.played_s == pytest.approx(2) and p.totals.stalled_s == pytest.approx(1)
