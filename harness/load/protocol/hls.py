"""HLS as a player reads it (RFC 8216): master and media playlists.

Works on any conformant stream, not only ours: attribute lists with quoted
commas, relative and absolute URIs (resolved against the playlist's own URL,
query tokens kept), MPEG-TS and fMP4/CMAF segments (EXT-X-MAP), byte ranges,
keys (fetched once, never used), program date times, discontinuities,
alternate audio (EXT-X-MEDIA) and a stream that ends (EXT-X-ENDLIST).

Renditions are the video variants, lowest first, each with its audio group's
default rendition attached: an audio-only variant is never "the lowest".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from harness.load.protocol.model import (
    AUDIO,
    MUXED,
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

PROTOCOL = "hls"
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_AUDIO_CODECS = ("mp4a", "ac-3", "ec-3", "opus", "flac", "mp3", "alac")

PlaylistError = ManifestError  # the name callers of the HLS parser know


@dataclass(frozen=True)
class Variant:
    uri: str
    bandwidth: int
    resolution: tuple[int, int] | None
    codecs: str | None
    audio: str | None = None  # GROUP-ID of its EXT-X-MEDIA audio renditions

    @property
    def audio_only(self) -> bool:
        codecs = [c.strip().lower() for c in (self.codecs or "").split(",") if c.strip()]
        return (
            self.resolution is None
            and bool(codecs)
            and all(c.startswith(_AUDIO_CODECS) for c in codecs)
        )


@dataclass(frozen=True)
class Master:
    variants: list[Variant]  # lowest bandwidth first
    audio: dict[str, str]  # audio GROUP-ID -> URI of the rendition a player picks (DEFAULT first)


@dataclass
class MediaPlaylist:
    target_duration: float
    media_sequence: int
    segments: list[Segment] = field(default_factory=list)
    ended: bool = False

    @property
    def last_sequence(self) -> int:
        return self.segments[-1].position if self.segments else self.media_sequence - 1


def attributes(text: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _ATTRIBUTE.findall(text)}


def sniff(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("#EXTM3U")


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0].lstrip("\ufeff") != "#EXTM3U":
        raise PlaylistError("does not start with #EXTM3U")
    return lines


def read_master(text: str, base_url: str) -> Master:
    """The variant streams, lowest bandwidth first, and the audio groups."""
    variants, pending, media = [], None, []
    for line in _lines(text):
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = attributes(line.partition(":")[2])
        elif line.startswith("#EXT-X-MEDIA:"):
            media.append(attributes(line.partition(":")[2]))
        elif not line.startswith("#") and pending is not None:
            if "BANDWIDTH" not in pending:
                raise PlaylistError(f"EXT-X-STREAM-INF without BANDWIDTH before {line}")
            width, _, height = pending.get("RESOLUTION", "").partition("x")
            resolution = (int(width), int(height)) if height else None
            variants.append(
                Variant(
                    urljoin(base_url, line),
                    int(pending["BANDWIDTH"]),
                    resolution,
                    pending.get("CODECS"),
                    pending.get("AUDIO"),
                )
            )
            pending = None
    if not variants:
        raise PlaylistError("master playlist lists no variant stream")
    return Master(sorted(variants, key=lambda v: v.bandwidth), _audio_groups(media, base_url))


def _audio_groups(media: list[dict[str, str]], base_url: str) -> dict[str, str]:
    """Per audio group, the rendition with a URI a player picks: DEFAULT=YES first.
    A group whose renditions have no URI is muxed into the variants: no entry."""
    groups: dict[str, str] = {}
    for entry in sorted(media, key=lambda m: m.get("DEFAULT") != "YES"):
        if entry.get("TYPE") == "AUDIO" and entry.get("URI") and "GROUP-ID" in entry:
            groups.setdefault(entry["GROUP-ID"], urljoin(base_url, entry["URI"]))
    return groups


def parse_master(text: str, base_url: str) -> list[Variant]:
    """The variant streams, lowest bandwidth first."""
    return read_master(text, base_url).variants


def parse_media(text: str, base_url: str) -> MediaPlaylist:
    reader = _MediaReader(base_url)
    for line in _lines(text):
        reader.line(line)
    if reader.target is None:
        raise PlaylistError("media playlist has no #EXT-X-TARGETDURATION")
    return MediaPlaylist(reader.target, reader.sequence, reader.segments, reader.ended)


def _byterange(value: str, previous_end: int | None, what: str) -> tuple[int, int]:
    """`length[@offset]` as (first, last); no offset: right after the previous range."""
    length, at, offset = value.partition("@")
    if at:
        first = int(offset)
    elif previous_end is not None:
        first = previous_end
    else:
        raise PlaylistError(f"{what} BYTERANGE {value} has no offset and follows no range")
    return first, first + int(length) - 1


def _date(value: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise PlaylistError(f"EXT-X-PROGRAM-DATE-TIME {value} is not an ISO 8601 date") from None


class _MediaReader:
    """A media playlist's tags, line by line: the state each tag leaves for the next URI."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.target: float | None = None
        self.sequence = self.discontinuity_sequence = 0
        self.segments: list[Segment] = []
        self.ended = False
        self.init: Resource | None = None
        self.key: Resource | None = None
        self._duration: float | None = None
        self._discontinuity = False
        self._range: str | None = None
        self._range_end: int | None = None  # last byte of the previous range
        self._date: float | None = None

    def line(self, line: str) -> None:
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-TARGETDURATION":
            self.target = _number(value, tag)
        elif tag == "#EXT-X-MEDIA-SEQUENCE":
            self.sequence = int(_number(value, tag))
        elif tag == "#EXT-X-DISCONTINUITY-SEQUENCE":
            self.discontinuity_sequence = int(_number(value, tag))
        elif tag == "#EXTINF":
            self._duration = _number(value.split(",")[0], tag)
        elif tag == "#EXT-X-DISCONTINUITY":
            self._discontinuity = True
            self.discontinuity_sequence += bool(self.segments)  # the first one's is given
        elif tag == "#EXT-X-ENDLIST":
            self.ended = True
        elif tag == "#EXT-X-BYTERANGE":
            self._range = value
        elif tag == "#EXT-X-PROGRAM-DATE-TIME":
            self._date = _date(value)
        elif tag == "#EXT-X-MAP":
            self.init = _map(attributes(value), self.base_url)
        elif tag == "#EXT-X-KEY":
            self.key = _key(attributes(value), self.base_url)
        elif tag == "#EXT-X-STREAM-INF":
            raise PlaylistError("this is a master playlist, not a media playlist")
        elif not line.startswith("#"):
            self._segment(line)

    def _segment(self, uri: str) -> None:
        if self._duration is None:
            raise PlaylistError(f"segment {uri} has no #EXTINF")
        byterange = None
        if self._range is not None:
            byterange = _byterange(self._range, self._range_end, f"segment {uri}")
            self._range_end = byterange[1] + 1
        self.segments.append(
            Segment(
                urljoin(self.base_url, uri),
                self.sequence + len(self.segments),
                self._duration,
                byterange,
                self.init,
                self.key,
                self._discontinuity,
                self._date,
                self.discontinuity_sequence,
            )
        )
        if self._date is not None:
            self._date += self._duration
        self._duration, self._discontinuity, self._range = None, False, None


def _number(value: str, tag: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise PlaylistError(f"{tag}:{value}: not a number") from None


def _map(attrs: dict[str, str], base_url: str) -> Resource:
    if "URI" not in attrs:
        raise PlaylistError("EXT-X-MAP without URI")
    byterange = _byterange(attrs["BYTERANGE"], 0, "EXT-X-MAP") if "BYTERANGE" in attrs else None
    return Resource(urljoin(base_url, attrs["URI"]), byterange)


def _key(attrs: dict[str, str], base_url: str) -> Resource | None:
    """The key to fetch (once), or None when segments are in the clear."""
    method = attrs.get("METHOD", "NONE")
    if method == "NONE":
        return None
    if "URI" not in attrs:
        raise PlaylistError(f"EXT-X-KEY METHOD={method} without URI")
    return Resource(urljoin(base_url, attrs["URI"]))


# --- the stream a player follows ------------------------------------------------


def parse(text: str, url: str) -> Master | MediaPlaylist:
    """A master playlist, or a media playlist given as the stream."""
    return read_master(text, url) if "#EXT-X-STREAM-INF" in text else parse_media(text, url)


def open_stream(
    master: Master | MediaPlaylist,
    url: str,
    load: Load,
    clock: Callable[[], float],
    live: LiveStart = LiveStart(),
) -> HlsStream:
    """The stream of a master playlist, or of a bare media playlist (one rendition)."""
    if isinstance(master, MediaPlaylist):
        return HlsStream([Rendition(Track(url, MUXED, 0), None, 0)], load, clock, live)
    video = [v for v in master.variants if not v.audio_only] or master.variants
    # EXT-X-MEDIA announces no bitrate; an audio-only variant of the same URI does
    audio_bandwidth = {v.uri: v.bandwidth for v in master.variants if v.audio_only}
    renditions = []
    for variant in video:
        audio_uri = master.audio.get(variant.audio or "")
        audio = Track(audio_uri, AUDIO, audio_bandwidth.get(audio_uri, 0)) if audio_uri else None
        kind = VIDEO if audio is not None else MUXED
        renditions.append(
            Rendition(Track(variant.uri, kind, variant.bandwidth), audio, variant.bandwidth)
        )
    return HlsStream(ascending(renditions), load, clock, live)


def live_start(playlist: MediaPlaylist, live: LiveStart) -> tuple[int, float]:
    """The segment a newcomer starts in, `live.segments_behind` target durations
    before the end of the playlist, and the seconds into it where the playhead
    starts (0 unless `live.at_the_point`)."""
    segments = playlist.segments
    point = sum(s.duration for s in segments) - live.segments_behind * playlist.target_duration
    start = 0.0
    for segment in segments:
        if point < start + segment.duration - 1e-6:
            return segment.position, max(0.0, point - start) if live.at_the_point else 0.0
        start += segment.duration
    return segments[-1].position, 0.0


class HlsStream:
    """Media playlists, each reloaded every target duration (half of it after an
    unchanged reload, RFC 8216 6.3.4) when the player asks for a newer window."""

    protocol = PROTOCOL

    def __init__(
        self,
        renditions: list[Rendition],
        load: Load,
        clock: Callable[[], float],
        live: LiveStart = LiveStart(),
    ) -> None:
        self.renditions = renditions
        self.live = True
        self._load, self._clock, self._start = load, clock, live
        self._windows: dict[str, Listing] = {}

    def window(self, track: Track) -> Listing:
        known = self._windows.get(track.id)
        if known is not None and (known.ended or self._clock() < known.refresh_at):
            return known
        playlist = self._load(track.id, parse_media, "m")
        changed = (
            known is None
            or not known.segments
            or playlist.last_sequence != known.segments[-1].position
        )
        target = playlist.target_duration
        segments = tuple(playlist.segments)
        offset = 0.0
        if not segments:
            start = playlist.media_sequence
        elif playlist.ended and known is None:  # ended before the viewer came: from the start
            start = segments[0].position
        else:
            start, offset = live_start(playlist, self._start)
        window = Listing(
            segments,
            playlist.ended,
            start,
            self._clock() + (target if changed else target / 2),
            offset,
        )
        self._windows[track.id] = window
        self.live = not playlist.ended
        return window
