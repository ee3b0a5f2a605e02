"""When side-by-side players are pressed on a live DASH stream: at one phase
of its segments, reckoned from the MPD (harness/calibrate/phase.py)."""

from __future__ import annotations

import pytest

from harness.calibrate.phase import PRESS_PHASE, segment_phase
from harness.load.protocol.model import ManifestError

AST = "2026-12-07T17:00:00.250Z"  # 1796662800.25 in epoch seconds
AST_EPOCH = 1796662800.25


def live_mpd(template: str, kind: str = "dynamic") -> str:
    return f"""<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="{kind}" availabilityStartTime="{AST}"
     minimumUpdatePeriod="PT1S">
  <Period id="0" start="PT10S">
    <AdaptationSet contentType="video" mimeType="video/mp4">
      <Representation id="v" bandwidth="500000">{template}</Representation>
    </AdaptationSet>
  </Period>
</MPD>"""


NUMBER = ('<SegmentTemplate timescale="1000" duration="2000" presentationTimeOffset="7000" '
          'media="v-$Number$.m4s" startNumber="5"/>')
TIMELINE = ('<SegmentTemplate timescale="10" presentationTimeOffset="30" media="v-$Time$.m4s">'
            '<SegmentTimeline><S t="35" d="20" r="2"/><S t="95" d="15" r="-1"/></SegmentTimeline>'
            '</SegmentTemplate>')


@pytest.mark.parametrize("earliest", [0.0, 0.3, 0.61, 1.2, 1.99])
def test_number_segments_are_pressed_at_the_phase_from_the_period_start(earliest):
    # $Number$ segments of 2 s start at the period's start (AST + 10 s), whatever the offset
    press_at = segment_phase(live_mpd(NUMBER), "http://127.0.0.1/live.mpd")
    moment = AST_EPOCH + 10 + 6 + earliest
    pressed = press_at(moment)
    assert moment <= pressed < moment + 2
    assert (pressed - AST_EPOCH - 10) % 2 == pytest.approx(PRESS_PHASE * 2)


def test_a_timeline_is_reckoned_from_its_last_entry():
    # the last S starts at t=95 (PTO 30): 6.5 s into the period; its segments last 1.5 s
    press_at = segment_phase(live_mpd(TIMELINE), "http://127.0.0.1/live.mpd")
    boundary = AST_EPOCH + 10 + 6.5
    pressed = press_at(boundary + 40.0)
    assert boundary + 40.0 <= pressed < boundary + 41.5
    assert (pressed - boundary) % 1.5 == pytest.approx(PRESS_PHASE * 1.5)


def test_a_moment_already_at_the_phase_is_kept():
    press_at = segment_phase(live_mpd(NUMBER), "http://127.0.0.1/live.mpd")
    at_phase = AST_EPOCH + 10 + 4 + PRESS_PHASE * 2
    assert press_at(at_phase) == pytest.approx(at_phase)


def test_hls_and_a_static_mpd_are_pressed_at_once():
    assert segment_phase("#EXTM3U\n#EXT-X-TARGETDURATION:2\n", "http://127.0.0.1/a.m3u8") is None
    assert segment_phase(live_mpd(NUMBER, "static"), "http://127.0.0.1/vod.mpd") is None


def test_a_broken_mpd_says_what_is_wrong():
    with pytest.raises(ManifestError):
        segment_phase("<MPD", "http://127.0.0.1/live.mpd")
