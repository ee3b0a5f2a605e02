"""A DASH MPD as data (ISO/IEC 23009-1): the attributes a live player needs and
the Representations of the Period it joins, each with its SegmentTemplate
($Number$ or $Time$, with or without a SegmentTimeline) inherited from its
AdaptationSet and its BaseURL resolved MPD > Period > AdaptationSet >
Representation. SegmentBase and SegmentList are not read (rare in live).
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import datetime
from typing import overload
from urllib.parse import urljoin

from harness.load.protocol.model import AUDIO, VIDEO, ManifestError

_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
    r"(?:(\d+(?:\.\d+)?)S)?)?$"
)
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
    min_buffer_time: float | None
    service_latency: float | None  # ServiceDescription Latency@target, in seconds
    utc_timing: tuple[tuple[str, str], ...]  # (schemeIdUri, value)
    representations: tuple[Representation, ...]


@overload
def duration(value: str) -> float: ...
@overload
def duration(value: None) -> None: ...
@overload
def duration(value: str | None) -> float | None: ...
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
    available = root.get("availabilityStartTime")
    if dynamic and available is None:
        raise ManifestError("a dynamic MPD without availabilityStartTime")
    start = date(available) if available else 0.0
    representations = _period(root, url, dynamic, start)
    if not any(r.kind == VIDEO for r in representations) and not any(
        r.kind == AUDIO for r in representations
    ):
        raise ManifestError("the MPD has no video or audio Representation with a SegmentTemplate")
    return Mpd(
        dynamic,
        start,
        duration(root.get("minimumUpdatePeriod")),
        duration(root.get("suggestedPresentationDelay")),
        duration(root.get("timeShiftBufferDepth")),
        duration(root.get("maxSegmentDuration")),
        duration(root.get("minBufferTime")),
        _service_latency(root),
        tuple((u.get("schemeIdUri", ""), u.get("value", "")) for u in root.findall("{*}UTCTiming")),
        tuple(representations),
    )


def _service_latency(root: ElementTree.Element) -> float | None:
    """The target latency a ServiceDescription asks players for (Latency@target, ms)."""
    for service in root.findall("{*}ServiceDescription"):
        latency = _child(service, "Latency")
        target = latency.get("target") if latency is not None else None
        if target is not None:
            return _int(target) / 1000
    return None


def _period(
    root: ElementTree.Element, url: str, dynamic: bool, availability_start: float
) -> list[Representation]:
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
    length = period.get("duration")
    end = (
        starts[index + 1]
        if index + 1 < len(periods)
        else (starts[index] + duration(length) if length else total)
    )
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


def _adaptation_set(
    adaptation: ElementTree.Element, base: str, start: float, end: float | None
) -> list[Representation]:
    base = _base(adaptation, base)
    shared = _child(adaptation, "SegmentTemplate")
    found = []
    for rep in adaptation.findall("{*}Representation"):
        kind = _kind(adaptation, rep)
        own = _child(rep, "SegmentTemplate")
        if kind is None or (own is None and shared is None):
            continue  # subtitles, thumbnails, or SegmentBase/SegmentList (not supported)
        rep_id, bandwidth = rep.get("id"), rep.get("bandwidth")
        if rep_id is None or bandwidth is None:
            raise ManifestError("a Representation without id or bandwidth")
        found.append(
            Representation(
                rep_id, kind, _int(bandwidth), _base(rep, base), _template(shared, own), start, end
            )
        )
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
    timeline_element = next(
        (
            _child(e, "SegmentTimeline")
            for e in (own, shared)
            if e is not None and _child(e, "SegmentTimeline") is not None
        ),
        None,
    )
    timeline = _timeline(timeline_element) if timeline_element is not None else None
    length = attribute("duration")
    if timeline is None and length is None:
        raise ManifestError("a SegmentTemplate with neither duration nor SegmentTimeline")
    if (timeline is None and length is not None and _int(length) <= 0) or _int(
        attribute("timescale") or "1"
    ) <= 0:
        raise ManifestError("a SegmentTemplate with a duration or timescale that is not above 0")
    return Template(
        media,
        attribute("initialization"),
        _int(attribute("startNumber") or "1"),
        _int(attribute("timescale") or "1"),
        _int(length) if length else None,
        _int(attribute("presentationTimeOffset") or "0"),
        timeline,
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ManifestError(f"{value!r} is not a whole number") from None


def _timeline(element: ElementTree.Element) -> tuple[tuple[int, int, int], ...]:
    entries, t = [], 0
    for s in element.findall("{*}S"):
        written_t, written_d = s.get("t"), s.get("d")
        if written_d is None:
            raise ManifestError("a SegmentTimeline S without d")
        t = _int(written_t) if written_t is not None else t
        d, r = _int(written_d), _int(s.get("r", "0"))
        if d <= 0:
            raise ManifestError(f"a SegmentTimeline S with d={d} (segments last a while)")
        entries.append((t, d, r))
        t += d * (r + 1) if r >= 0 else 0
    return tuple(entries)


def expand(
    template: str, rep_id: str, bandwidth: int, number: int | None = None, at: int | None = None
) -> str:
    """A URL template with its $identifiers$ filled in ($$ is a dollar)."""

    def fill(match: re.Match) -> str:
        name, width = match.group(1), int(match.group(3) or 0)
        value = {
            "": "$",
            "RepresentationID": rep_id,
            "Bandwidth": bandwidth,
            "Number": number,
            "Time": at,
        }[name]
        if value is None:
            raise ManifestError(f"${name}$ in {template} without a value for it")
        return str(value) if name in ("", "RepresentationID") else f"{value:0{width}d}"

    return _IDENTIFIER.sub(fill, template)
