"""Live and on-demand DASH as a player reads it (ISO/IEC 23009-1, DASH-IF live).

An MPD is read into representations with a SegmentTemplate ($Number$ or
$Time$, with or without a SegmentTimeline; $RepresentationID$ and $Bandwidth$;
BaseURL resolved MPD > Period > AdaptationSet > Representation). A dynamic
MPD's segments are worked out from the wall clock: a segment exists from the
end of its duration after availabilityStartTime (synchronised by UTCTiming;
asked for EDGE_MARGIN later) for timeShiftBufferDepth. The MPD is reloaded every minimumUpdatePeriod. A
newcomer starts suggestedPresentationDelay behind the live edge, as dash.js
does, else three segment durations (as HLS does). One Period is played: the
latest one that has started.
"""

from __future__ import annotations

import math
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from harness.load.protocol.model import (AUDIO, VIDEO, Load, ManifestError, Rendition, Resource,
                                         Segment, Track, Listing, ascending)
from harness.load.retry import FetchError

PROTOCOL = "dash"
LIVE_EDGE_SEGMENTS = 3  # start this many segments behind the edge without suggestedPresentationDelay
MAX_SEGMENTS = 300  # the newest segments of a window a player is offered
MIN_UPDATE = 0.5  # seconds between MPD reloads at least, whatever minimumUpdatePeriod says
# Seconds after its computed availability a segment is asked for: encoders
# publish a segment a moment after its last frame's time (ffmpeg: a frame or
# so), and asking on the dot would count that moment as a 404.
EDGE_MARGIN = 0.5
UTC_HTTP = ("urn:mpeg:dash:utc:http-iso:2014", "urn:mpeg:dash:utc:http-xsdate:2014",
            "urn:mpeg:dash:utc:http-iso:2012", "urn:mpeg:dash:utc:http-xsdate:2012")
UTC_DIRECT = ("urn:mpeg:dash:utc:direct:2014", "urn:mpeg:dash:utc:direct:2012")
_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                       r"(?:(\d+(?:\.\d+)?)S)?)?$")
_IDENTIFIER = re.compile(r"\$(RepresentationID|Number|Time|Bandwidth|)(%0(\d+)d)?\$")


@dataclass(frozen=True)
class Template:
    media: str
    initialization: str | None
    start_number: int
    timescale: int
    duration: int | None  # in timescale units; None with a timeline
    presentation_time_offset: int
    timeline: tuple[tuple[int, int, int], ...] | None  # (t, d, r); r == -1: repeat to the next t


@dataclass(frozen=True)
class Representation:
    id: str
    kind: str  # VIDEO or AUDIO
    bandwidth: int
    base_url: str
    template: Template
    period_start: float  # seconds after availabilityStartTime
    period_end: float | None  # seconds after availabilityStartTime, when known


@dataclass(frozen=True)
class Mpd:
    dynamic: bool
    availability_start: float  # UTC epoch seconds (0 for static MPDs without one)
    minimum_update_period: float | None
    suggested_presentation_delay: float | None
    time_shift_buffer_depth: float | None
    max_segment_duration: float | None
    utc_timing: tuple[tuple[str, str], ...]  # (schemeIdUri, value)
    representations: tuple[Representation, ...]


def sniff(text: str) -> bool:
    return "<MPD" in text[:4096]


# --- reading an MPD -------------------------------------------------------------

def duration(value: str | None) -> float | None:
    """xs:duration (PT1.5S, P1DT2H) in seconds."""
    if value is None:
        return None
    match = _DURATION.match(value.strip())
    if not match or value.strip() in ("P", "PT"):
        raise ManifestError(f"{value!r} is not an xs:duration such as PT2S")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def date(value: str) -> float:
    """xs:dateTime in UTC epoch seconds."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ManifestError(f"{value!r} is not an xs:dateTime") from None
    if parsed.tzinfo is None:
        raise ManifestError(f"{value!r} has no time zone (DASH times are UTC: add Z)")
    return parsed.timestamp()


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    return element.find(f"{{*}}{name}")


def _base(element: ElementTree.Element, url: str) -> str:
    base = _child(element, "BaseURL")
    return urljoin(url, base.text.strip()) if base is not None and base.text else url


def parse_mpd(text: str, url: str) -> Mpd:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise ManifestError(f"not XML: {error}") from None
    if root.tag.rpartition("}")[2] != "MPD":
        raise ManifestError(f"the root element is {root.tag}, not MPD")
    dynamic = root.get("type", "static") == "dynamic"
    if dynamic and root.get("availabilityStartTime") is None:
        raise ManifestError("a dynamic MPD without availabilityStartTime")
    start = date(root.get("availabilityStartTime")) if root.get("availabilityStartTime") else 0.0
    representations = _period(root, url, dynamic, start)
    if not any(r.kind == VIDEO for r in representations) and \
            not any(r.kind == AUDIO for r in representations):
        raise ManifestError("the MPD has no video or audio Representation with a SegmentTemplate")
    return Mpd(dynamic, start, duration(root.get("minimumUpdatePeriod")),
               duration(root.get("suggestedPresentationDelay")),
               duration(root.get("timeShiftBufferDepth")),
               duration(root.get("maxSegmentDuration")),
               tuple((u.get("schemeIdUri", ""), u.get("value", ""))
                     for u in root.findall("{*}UTCTiming")),
               tuple(representations))


def _period(root: ElementTree.Element, url: str, dynamic: bool,
            availability_start: float) -> list[Representation]:
    """The representations of the Period a player joins: the latest that has started."""
    periods = root.findall("{*}Period")
    if not periods:
        raise ManifestError("the MPD has no Period")
    starts = [duration(p.get("start")) or 0.0 for p in periods]
    total = duration(root.get("mediaPresentationDuration"))
    index = 0
    if dynamic:
        elapsed = time.time() - availability_start
        index = max((i for i, s in enumerate(starts) if s <= elapsed), default=0)
    period = periods[index]
    end = starts[index + 1] if index + 1 < len(periods) else \
        (starts[index] + duration(period.get("duration")) if period.get("duration")
         else total)
    base = _base(period, _base(root, url))
    found = []
    for adaptation in period.findall("{*}AdaptationSet"):
        found += _adaptation_set(adaptation, base, starts[index], end)
    return found


def _kind(*elements: ElementTree.Element) -> str | None:
    for element in elements:
        kind = element.get("contentType") or (element.get("mimeType") or "").partition("/")[0]
        if kind in (VIDEO, AUDIO):
            return kind
    return None


def _adaptation_set(adaptation: ElementTree.Element, base: str, start: float,
                    end: float | None) -> list[Representation]:
    base = _base(adaptation, base)
    shared = _child(adaptation, "SegmentTemplate")
    found = []
    for rep in adaptation.findall("{*}Representation"):
        kind = _kind(adaptation, rep)
        own = _child(rep, "SegmentTemplate")
        if kind is None or (own is None and shared is None):
            continue  # subtitles, thumbnails, or SegmentBase/SegmentList (not supported)
        if rep.get("id") is None or rep.get("bandwidth") is None:
            raise ManifestError("a Representation without id or bandwidth")
        found.append(Representation(rep.get("id"), kind, _int(rep.get("bandwidth")),
                                    _base(rep, base), _template(shared, own), start, end))
    return found


def _template(shared: ElementTree.Element | None, own: ElementTree.Element | None) -> Template:
    """A Representation's SegmentTemplate, its attributes inherited from the AdaptationSet's."""
    def attribute(name: str) -> str | None:
        for element in (own, shared):
            if element is not None and element.get(name) is not None:
                return element.get(name)
        return None

    media = attribute("media")
    if media is None:
        raise ManifestError("a SegmentTemplate without media")
    timeline_element = next((_child(e, "SegmentTimeline") for e in (own, shared)
                             if e is not None and _child(e, "SegmentTimeline") is not None), None)
    timeline = _timeline(timeline_element) if timeline_element is not None else None
    length = attribute("duration")
    if timeline is None and length is None:
        raise ManifestError("a SegmentTemplate with neither duration nor SegmentTimeline")
    if (timeline is None and _int(length) <= 0) or _int(attribute("timescale") or "1") <= 0:
        raise ManifestError("a SegmentTemplate with a duration or timescale that is not above 0")
    return Template(media, attribute("initialization"), _int(attribute("startNumber") or "1"),
                    _int(attribute("timescale") or "1"), _int(length) if length else None,
                    _int(attribute("presentationTimeOffset") or "0"), timeline)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ManifestError(f"{value!r} is not a whole number") from None


def _timeline(element: ElementTree.Element) -> tuple[tuple[int, int, int], ...]:
    entries, t = [], 0
    for s in element.findall("{*}S"):
        if s.get("d") is None:
            raise ManifestError("a SegmentTimeline S without d")
        t = _int(s.get("t")) if s.get("t") is not None else t
        d, r = _int(s.get("d")), _int(s.get("r", "0"))
        if d <= 0:
            raise ManifestError(f"a SegmentTimeline S with d={d} (segments last a while)")
        entries.append((t, d, r))
        t += d * (r + 1) if r >= 0 else 0
    return tuple(entries)


def expand(template: str, rep_id: str, bandwidth: int, number: int | None = None,
           at: int | None = None) -> str:
    """A URL template with its $identifiers$ filled in ($$ is a dollar)."""
    def fill(match: re.Match) -> str:
        name, width = match.group(1), int(match.group(3) or 0)
        value = {"": "$", "RepresentationID": rep_id, "Bandwidth": bandwidth, "Number": number,
                 "Time": at}[name]
        if value is None:
            raise ManifestError(f"${name}$ in {template} without a value for it")
        return str(value) if name in ("", "RepresentationID") else f"{value:0{width}d}"

    return _IDENTIFIER.sub(fill, template)


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
            if scheme in UTC_HTTP:
                try:
                    server = self._load(urljoin(self._url, value), lambda text, _: date(text), "o")
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
