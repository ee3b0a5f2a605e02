"""HLS playlists as a player reads them (RFC 8216): master and media.

Works on any conformant live stream, not only ours: attribute lists with
quoted commas, relative and absolute URIs (resolved against the playlist's
own URL, query tokens kept), discontinuities and their sequence numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


class PlaylistError(ValueError):
    """The text is not an HLS playlist a player could use."""


@dataclass(frozen=True)
class Variant:
    uri: str
    bandwidth: int
    resolution: tuple[int, int] | None
    codecs: str | None


@dataclass(frozen=True)
class Segment:
    uri: str
    sequence: int
    duration: float
    discontinuity: bool
    discontinuity_sequence: int


@dataclass
class MediaPlaylist:
    target_duration: float
    media_sequence: int
    segments: list[Segment] = field(default_factory=list)
    ended: bool = False

    @property
    def last_sequence(self) -> int:
        return self.segments[-1].sequence if self.segments else self.media_sequence - 1


def attributes(text: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _ATTRIBUTE.findall(text)}


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise PlaylistError("does not start with #EXTM3U")
    return lines


def parse_master(text: str, base_url: str) -> list[Variant]:
    """The variant streams, lowest bandwidth first."""
    variants, pending = [], None
    for line in _lines(text):
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = attributes(line.partition(":")[2])
        elif not line.startswith("#") and pending is not None:
            if "BANDWIDTH" not in pending:
                raise PlaylistError(f"EXT-X-STREAM-INF without BANDWIDTH before {line}")
            width, _, height = pending.get("RESOLUTION", "").partition("x")
            resolution = (int(width), int(height)) if height else None
            variants.append(Variant(urljoin(base_url, line), int(pending["BANDWIDTH"]),
                                    resolution, pending.get("CODECS")))
            pending = None
    if not variants:
        raise PlaylistError("master playlist lists no variant stream")
    return sorted(variants, key=lambda v: v.bandwidth)


def parse_media(text: str, base_url: str) -> MediaPlaylist:
    lines = _lines(text)
    target = sequence = discontinuity_sequence = None
    segments, duration, discontinuity, ended = [], None, False, False
    for line in lines:
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-TARGETDURATION":
            target = float(value)
        elif tag == "#EXT-X-MEDIA-SEQUENCE":
            sequence = int(value)
        elif tag == "#EXT-X-DISCONTINUITY-SEQUENCE":
            discontinuity_sequence = int(value)
        elif tag == "#EXTINF":
            duration = float(value.split(",")[0])
        elif tag == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif tag == "#EXT-X-ENDLIST":
            ended = True
        elif tag == "#EXT-X-STREAM-INF":
            raise PlaylistError("this is a master playlist, not a media playlist")
        elif not line.startswith("#"):
            if duration is None:
                raise PlaylistError(f"segment {line} has no #EXTINF")
            first = sequence or 0
            number = (discontinuity_sequence or 0) + sum(s.discontinuity for s in segments) + discontinuity
            segments.append(Segment(urljoin(base_url, line), first + len(segments), duration,
                                    discontinuity, number))
            duration, discontinuity = None, False
    if target is None:
        raise PlaylistError("media playlist has no #EXT-X-TARGETDURATION")
    return MediaPlaylist(target, sequence or 0, segments, ended)
