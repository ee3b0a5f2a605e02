"""Live and on-demand DASH as a player follows it (ISO/IEC 23009-1, DASH-IF live).

The MPD (mpd.py) says how segments are named; which exist is worked out from
the wall clock: a segment exists from the end of its duration after
availabilityStartTime (on the clock UTCTiming gives; asked for EDGE_MARGIN
later) for timeShiftBufferDepth. The MPD is reloaded every
minimumUpdatePeriod. A newcomer starts suggestedPresentationDelay behind the
live edge, as dash.js does, else three segment durations (as HLS does).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from urllib.parse import urljoin

from harness.load.protocol.model import (AUDIO, VIDEO, Listing, Load, ManifestError, Rendition,
                                         Resource, Segment, Track, ascending)
from harness.load.protocol.mpd import Mpd, Representation, Template, date, expand, parse_mpd
from harness.load.retry import FetchError

PROTOCOL = "dash"
LIVE_EDGE_SEGMENTS = 3  # segments behind the edge a newcomer starts without a suggested delay
MAX_SEGMENTS = 300  # the newest segments of a window a player is offered
MIN_UPDATE = 0.5  # seconds between MPD reloads at least, whatever minimumUpdatePeriod says
# Seconds after its computed availability a segment is asked for: encoders
# publish a segment a moment after its last frame's time (ffmpeg: a frame or
# so), and asking on the dot would count that moment as a 404.
EDGE_MARGIN = 0.5
UTC_HTTP = ("urn:mpeg:dash:utc:http-iso:2014", "urn:mpeg:dash:utc:http-xsdate:2014",
            "urn:mpeg:dash:utc:http-iso:2012", "urn:mpeg:dash:utc:http-xsdate:2012")
UTC_DIRECT = ("urn:mpeg:dash:utc:direct:2014", "urn:mpeg:dash:utc:direct:2012")


def sniff(text: str) -> bool:
    return "<MPD" in text[:4096]


# --- segments at a moment ---------------------------------------------------------

def _entries(template: Template, until: float | None) -> list[tuple[int, int, int]]:
    """(number, media time, duration) of the timeline's segments; an open repeat
    (r=-1) runs to the next S, else up to `until` (timescale units; None: once)."""
    entries, number = [], template.start_number
    timeline = template.timeline or ()
    for index, (t, d, r) in enumerate(timeline):
        if r < 0:
            stop = timeline[index + 1][0] if index + 1 < len(timeline) else until
            r = 0 if stop is None else max(0, math.ceil((stop - t) / d) - 1)
        for k in range(r + 1):
            entries.append((number, t + k * d, d))
            number += 1
    return entries


def _numbered(template: Template, elapsed: float) -> list[tuple[int, int, int]]:
    """(number, media time, duration) of a duration template's segments that end by `elapsed`."""
    if math.isinf(elapsed):
        raise ManifestError("a static MPD without mediaPresentationDuration needs a "
                            "SegmentTimeline")
    count = math.floor(elapsed * template.timescale / template.duration + 1e-9)
    return [(template.start_number + k, template.presentation_time_offset + k * template.duration,
             template.duration) for k in range(max(0, count - MAX_SEGMENTS), count)]


def segments_at(rep: Representation, mpd: Mpd, now: float) -> list[Segment]:
    """The representation's segments available at UTC `now` (all of them for a
    static MPD), oldest first, at most MAX_SEGMENTS."""
    template, scale = rep.template, rep.template.timescale
    elapsed = now - EDGE_MARGIN - mpd.availability_start - rep.period_start if mpd.dynamic \
        else math.inf
    if rep.period_end is not None:
        elapsed = min(elapsed, rep.period_end - rep.period_start)
    oldest = elapsed - mpd.time_shift_buffer_depth \
        if mpd.dynamic and mpd.time_shift_buffer_depth is not None else -math.inf
    if template.timeline is None:
        timed = _numbered(template, elapsed)
    else:
        until = None if math.isinf(elapsed) else \
            elapsed * scale + template.presentation_time_offset
        timed = _entries(template, until)
    found = []
    for number, t, d in timed:
        end = (t + d - template.presentation_time_offset) / scale
        if oldest <= end <= elapsed + 1e-6:  # available from the end of its duration
            found.append(_segment(rep, number, t, d / scale))
    return found[-MAX_SEGMENTS:]


def _segment(rep: Representation, number: int, at: int, seconds: float) -> Segment:
    init = rep.template.initialization
    return Segment(urljoin(rep.base_url, expand(rep.template.media, rep.id, rep.bandwidth,
                                                number, at)),
                   number, seconds,
                   init=Resource(urljoin(rep.base_url, expand(init, rep.id, rep.bandwidth)))
                   if init else None)


def live_start(segments: list[Segment], mpd: Mpd) -> int:
    """The position a newcomer starts at: the segment playing `delay` behind the edge."""
    if not segments:
        return 0
    if not mpd.dynamic:
        return segments[0].position
    longest = mpd.max_segment_duration or max(s.duration for s in segments)
    delay = mpd.suggested_presentation_delay
    if delay is None:
        delay = LIVE_EDGE_SEGMENTS * longest
    behind, index = 0.0, len(segments)
    while index > 0 and behind < delay:
        index -= 1
        behind += segments[index].duration
    return segments[index].position


# --- the stream a player follows ------------------------------------------------

parse = parse_mpd


def open_stream(mpd: Mpd, url: str, load: Load, clock: Callable[[], float]) -> DashStream:
    return DashStream(mpd, url, load, clock)


class DashStream:
    """An MPD and the wall clock: windows are worked out, the MPD reloaded when due."""

    protocol = PROTOCOL

    def __init__(self, mpd: Mpd, url: str, load: Load, clock: Callable[[], float]) -> None:
        self._url, self._load, self._clock = url, load, clock
        self._mpd, self._loaded_at = mpd, clock()
        self._utc_minus_clock = self._synchronise(mpd)
        self.live = mpd.dynamic
        video = [r for r in mpd.representations if r.kind == VIDEO]
        audio = sorted((r for r in mpd.representations if r.kind == AUDIO),
                       key=lambda r: r.bandwidth)
        extra = _track(audio[0]) if audio and video else None
        self.renditions = ascending([
            Rendition(_track(rep), extra, rep.bandwidth + (extra.bandwidth if extra else 0))
            for rep in (video or audio)])

    def _synchronise(self, mpd: Mpd) -> float:
        """UTC minus the player's clock, from the first UTCTiming kickoff can use;
        the machine's own clock without one (or when its source fails, as dash.js)."""
        for scheme, value in mpd.utc_timing:
            if scheme in UTC_DIRECT:
                return date(value) - self._clock()
            if scheme in UTC_HTTP and value.split():
                source = urljoin(self._url, value.split()[0])  # the first of its sources
                try:
                    server = self._load(source, lambda text, _: date(text), "o")
                except FetchError:
                    break
                return server - self._clock()
        return time.time() - self._clock()

    def window(self, track: Track) -> Listing:
        mpd, now = self._mpd, self._clock()
        update = mpd.minimum_update_period
        if mpd.dynamic and update is not None and now >= self._loaded_at + max(update, MIN_UPDATE):
            self._mpd, self._loaded_at = self._load(self._url, parse_mpd, "m"), self._clock()
            mpd, now = self._mpd, self._loaded_at
            self.live = mpd.dynamic
        rep = next((r for r in mpd.representations if r.id == track.id), None)
        if rep is None:
            raise FetchError(f"{self._url}: Representation {track.id} is gone from the MPD")
        segments = segments_at(rep, mpd, now + self._utc_minus_clock)
        return Listing(tuple(segments), not mpd.dynamic, live_start(segments, mpd),
                      self._refresh_at(rep, mpd, segments, now))

    def _refresh_at(self, rep: Representation, mpd: Mpd, segments: list[Segment],
                    now: float) -> float:
        """When a newer window may exist: the next segment's end, or the next MPD reload."""
        if not mpd.dynamic:
            return math.inf
        reload = self._loaded_at + max(mpd.minimum_update_period or 0.0, MIN_UPDATE)
        if rep.template.timeline is not None and mpd.minimum_update_period is not None:
            return reload  # new S entries come with a new MPD
        template = rep.template
        length = (template.duration or (segments[-1].duration * template.timescale if segments
                                        else template.timescale)) / template.timescale
        origin = mpd.availability_start + rep.period_start + EDGE_MARGIN - self._utc_minus_clock
        elapsed = now - origin
        next_end = origin + (math.floor(elapsed / length + 1e-9) + 1) * length
        return min(next_end, reload) if mpd.minimum_update_period is not None else next_end


def _track(rep: Representation) -> Track:
    return Track(rep.id, rep.kind, rep.bandwidth)
