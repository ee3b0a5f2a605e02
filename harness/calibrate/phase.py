"""When to press play on a live DASH stream so that players compared side by
side start in the same place.

dash.js and kickoff's web viewer start a fixed delay behind the present
moment, at that point inside its segment; one starting in the last 0.2 s of
a segment waits about a second for the next one before its first frame
(docs/calibration.md). Two players fixing their start a few hundred
milliseconds apart near that edge draw different sides of it, and their
startup, stalls and latency then differ for no reason of the model's. Pressed
PRESS_PHASE into a segment, both fix their start well clear of it.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.load.protocol import dash, mpd
from harness.load.protocol.model import VIDEO

PRESS_PHASE = 0.3  # of a segment's duration, from its start
Aligner = Callable[[float], float]  # the earliest moment play can be pressed -> the moment it is


def segment_phase(text: str, url: str) -> Aligner | None:
    """For a live MPD (`text`, read from `url`), the first moment from a given
    one (epoch seconds) at PRESS_PHASE of a video segment, its segments
    reckoned from availabilityStartTime on this machine's clock; None for
    anything else (an HLS playlist, a static MPD), which is pressed at once."""
    if not dash.sniff(text):
        return None
    parsed = mpd.parse_mpd(text, url)
    video = next((r for r in parsed.representations if r.kind == VIDEO), None)
    if not parsed.dynamic or video is None:
        return None
    template = video.template
    if template.timeline:  # the last entry's first segment: a boundary, and the duration now
        start, length, _ = template.timeline[-1]
    else:
        start, length = template.presentation_time_offset, template.duration or 0
    if length <= 0:
        return None
    boundary = (
        parsed.availability_start
        + video.period_start
        + (start - template.presentation_time_offset) / template.timescale
    )
    seconds = length / template.timescale

    def press_at(earliest: float) -> float:
        into = (earliest - boundary) % seconds
        return earliest + (PRESS_PHASE * seconds - into) % seconds

    return press_at
