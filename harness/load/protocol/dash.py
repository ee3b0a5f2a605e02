"""Live and on-demand DASH as a player follows it (ISO/IEC 23009-1, DASH-IF live).

The MPD (mpd.py) says how segments are named; which exist is worked out from
the wall clock: a segment exists from the end of its duration after
availabilityStartTime (on the clock UTCTiming gives; asked for a margin
later, the player model's) for timeShiftBufferDepth. The MPD is reloaded
every minimumUpdatePeriod. Where a newcomer starts is the player model's
(model.LiveStart): by default suggestedPresentationDelay behind the live
edge, else three segment durations, at a segment's start; as dash.js does,
the ServiceDescription's target latency, else suggestedPresentationDelay,
else four maxSegmentDurations (else four minBufferTimes) behind the edge,
at that very point.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import cast
from urllib.parse import urljoin

from harness.load.protocol.model import (
    AUDIO,
    VIDEO,
    Listing,
    LiveStart,
    Load,
    ManifestError,
    Rendition,
    Resource,
    Segment,
    Track,
    ascending,
)
from harness.load.protocol.mpd import Mpd, Representation, Template, date, expand, parse_mpd
from harness.load.retry import FetchError

PROTOCOL = "dash"
MAX_SEGMENTS = 300  # the newest segments of a window a player is offered
MIN_UPDATE = 0.5  # seconds between MPD reloads at least, whatever minimumUpdatePeriod says
EDGE_MARGIN = LiveStart().margin_s  # kickoff's own (model.LiveStart.margin_s)
UTC_HTTP = (
    "urn:mpeg:dash:utc:http-iso:2014",
    "urn:mpeg:dash:utc:http-xsdate:2014",
    "urn:mpeg:dash:utc:http-iso:2012",
    "urn:mpeg:dash:utc:http-xsdate:2012",
)
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
        raise ManifestError(
            "a static MPD without mediaPresentationDuration needs a SegmentTimeline"
        )
    length = template.duration
    assert length is not None  # mpd._template: a template without a timeline has a duration
    count = math.floor(elapsed * template.timescale / length + 1e-9)
    return [
        (template.start_number + k, template.presentation_time_offset + k * length, length)
        for k in range(max(0, count - MAX_SEGMENTS), count)
    ]


def segments_at(
    rep: Representation, mpd: Mpd, now: float, margin: float = EDGE_MARGIN
) -> list[Segment]:
    """The representation's segments available at UTC `now` to a player that
    asks `margin` seconds late (all of them for a static MPD), oldest first, at
    most MAX_SEGMENTS."""
    template, scale = rep.template, rep.template.timescale
    elapsed = now - margin - mpd.availability_start - rep.period_start if mpd.dynamic else math.inf
    if rep.period_end is not None:
        elapsed = min(elapsed, rep.period_end - rep.period_start)
    oldest = (
        elapsed - mpd.time_shift_buffer_depth
        if mpd.dynamic and mpd.time_shift_buffer_depth is not None
        else -math.inf
    )
    if template.timeline is None:
        timed = _numbered(template, elapsed)
    else:
        until = None if math.isinf(elapsed) else elapsed * scale + template.presentation_time_offset
        timed = _entries(template, until)
    found = []
    for number, t, d in timed:
        end = (t + d - template.presentation_time_offset) / scale
        if oldest <= end <= elapsed + 1e-6:  # available from the end of its duration
            found.append(_segment(rep, number, t, d / scale))
    return found[-MAX_SEGMENTS:]


def _segment(rep: Representation, number: int, at: int, seconds: float) -> Segment:
    init, template = rep.template.initialization, rep.template
    return Segment(
        urljoin(rep.base_url, expand(template.media, rep.id, rep.bandwidth, number, at)),
        number,
        seconds,
        init=Resource(urljoin(rep.base_url, expand(init, rep.id, rep.bandwidth))) if init else None,
        start_s=(at - template.presentation_time_offset) / template.timescale,
    )


def live_delay(mpd: Mpd, segments: list[Segment], live: LiveStart) -> float:
    """How far behind the live edge a newcomer starts (at most the time-shift window)."""
    longest = mpd.max_segment_duration or max(s.duration for s in segments)
    if live.dash_js_delay:
        delay = next(
            (
                d
                for d in (mpd.service_latency, mpd.suggested_presentation_delay)
                if d is not None and d > 0
            ),
            None,
        )
        if delay is None:
            delay = (
                live.segments_behind * mpd.max_segment_duration
                if mpd.max_segment_duration
                else 4 * (mpd.min_buffer_time or longest)
            )
    else:
        delay = mpd.suggested_presentation_delay
        if delay is None:
            delay = live.segments_behind * longest
    if mpd.time_shift_buffer_depth is not None:
        delay = min(delay, mpd.time_shift_buffer_depth)
    return delay


def live_start(
    segments: list[Segment], mpd: Mpd, live: LiveStart = LiveStart(), elapsed: float | None = None
) -> tuple[int, float]:
    """Where a newcomer starts: the position of the segment playing the live
    delay behind the edge, and the seconds into it (0 unless `live.at_the_point`).
    The edge is `elapsed`, seconds since the Period began on the stream's clock
    (None: the end of the last segment out)."""
    if not segments:
        return 0, 0.0
    if not mpd.dynamic:
        return segments[0].position, 0.0
    delay = live_delay(mpd, segments, live)
    if not live.at_the_point or elapsed is None or segments[-1].start_s is None:
        behind, index = 0.0, len(segments)
        while index > 0 and behind < delay:
            index -= 1
            behind += segments[index].duration
        return segments[index].position, 0.0
    point = elapsed - delay
    for segment in segments:
        start_s = cast(float, segment.start_s)  # every segment of a DASH window has one
        if point < start_s + segment.duration:
            return segment.position, max(0.0, point - start_s)
    last = segments[-1]  # the point is in a segment not out yet: start there when it is
    return last.position + 1, max(0.0, point - segments[-1].start_s - last.duration)


# --- the stream a player follows ------------------------------------------------

parse = parse_mpd


def open_stream(
    mpd: Mpd, url: str, load: Load, clock: Callable[[], float], live: LiveStart = LiveStart()
) -> DashStream:
    return DashStream(mpd, url, load, clock, live)


class DashStream:
    """An MPD and the wall clock: windows are worked out, the MPD reloaded when due."""

    protocol = PROTOCOL

    def __init__(
        self,
        mpd: Mpd,
        url: str,
        load: Load,
        clock: Callable[[], float],
        live: LiveStart = LiveStart(),
    ) -> None:
        self._url, self._load, self._clock, self._live = url, load, clock, live
        self._mpd, self._loaded_at = mpd, clock()
        # False once a reload failed for good (live.refresh_stops_on_failure)
        self._refreshing = True
        self._utc_minus_clock = self._synchronise(mpd)
        self.live = mpd.dynamic
        video = [r for r in mpd.representations if r.kind == VIDEO]
        audio = sorted(
            (r for r in mpd.representations if r.kind == AUDIO), key=lambda r: r.bandwidth
        )
        extra = _track(audio[0]) if audio and video else None
        self.renditions = ascending(
            [
                Rendition(_track(rep), extra, rep.bandwidth + (extra.bandwidth if extra else 0))
                for rep in (video or audio)
            ]
        )

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

    @property
    def reload_at(self) -> float:
        """When the MPD is due again: minimumUpdatePeriod after it was last
        loaded (never for a static MPD or one without the attribute). A player
        that keeps its own refresh timer (dash.js) loads it then, whether or not
        a track is looking for a segment."""
        update = self._mpd.minimum_update_period
        if not self._mpd.dynamic or update is None or not self._refreshing:
            return math.inf
        return self._loaded_at + max(update, MIN_UPDATE)

    def window(self, track: Track) -> Listing:
        mpd, now = self._mpd, self._clock()
        if now >= self.reload_at:
            try:
                self._mpd, self._loaded_at = self._load(self._url, parse_mpd, "m"), self._clock()
            except FetchError:
                self._refreshing = not self._live.refresh_stops_on_failure
                raise
            mpd, now = self._mpd, self._loaded_at
            self.live = mpd.dynamic
        rep = next((r for r in mpd.representations if r.id == track.id), None)
        if rep is None:
            raise FetchError(
                f"{self._url}: Representation {track.id} is gone from the MPD",
                reason="Representation gone from the MPD",
            )
        utc = now + self._utc_minus_clock
        segments = segments_at(rep, mpd, utc, self._live.margin_s)
        start, offset = live_start(
            segments, mpd, self._live, utc - mpd.availability_start - rep.period_start
        )
        return Listing(
            tuple(segments),
            not mpd.dynamic,
            start,
            self._refresh_at(rep, mpd, segments, now),
            offset,
        )

    def _refresh_at(
        self, rep: Representation, mpd: Mpd, segments: list[Segment], now: float
    ) -> float:
        """When a newer window may exist: the next segment's end, or the next MPD reload."""
        if not mpd.dynamic:
            return math.inf
        reload = self.reload_at  # never once refreshes stopped
        if rep.template.timeline is not None and mpd.minimum_update_period is not None:
            return reload  # new S entries come with a new MPD
        template = rep.template
        length = (
            template.duration
            or (segments[-1].duration * template.timescale if segments else template.timescale)
        ) / template.timescale
        origin = (
            mpd.availability_start + rep.period_start + self._live.margin_s - self._utc_minus_clock
        )
        elapsed = now - origin
        next_end = origin + (math.floor(elapsed / length + 1e-9) + 1) * length
        return min(next_end, reload) if mpd.minimum_update_period is not None else next_end


def _track(rep: Representation) -> Track:
    return Track(rep.id, rep.kind, rep.bandwidth)
