"""What a player needs from a stream, whatever its protocol: renditions to
choose among and, per track, a window of segments it may fetch now.

HLS (hls.py) and DASH (dash.py) both produce this model, so one player loop,
one ABR and one buffer model (player.py, abr.py, playback.py) serve both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")

# load(url, parse, object_type): the document at url, parsed by parse(text, url),
# retried like any player request; object_type is CMCD's (m: manifest, o: other).
Load = Callable[[str, Callable[[str, str], T], str], T]

VIDEO, AUDIO, MUXED = "video", "audio", "muxed"  # what a track carries


class ManifestError(ValueError):
    """The text is not a playlist or MPD a player could use."""


@dataclass(frozen=True)
class Resource:
    """Fetched once per track and attempt: an init segment or a key."""

    uri: str
    byterange: tuple[int, int] | None = None  # first and last byte, inclusive


@dataclass(frozen=True)
class Segment:
    uri: str
    position: int  # in order; the same media time across renditions (HLS sequence, DASH number)
    duration: float  # seconds
    byterange: tuple[int, int] | None = None  # first and last byte, inclusive
    init: Resource | None = None  # fMP4/CMAF initialization segment
    key: Resource | None = None  # decryption key (fetched, never used)
    discontinuity: bool = False
    program_date_time: float | None = None  # UTC epoch seconds of its first frame
    discontinuity_sequence: int = 0  # HLS: RFC 8216 6.2.2's number (DASH: 0)
    start_s: float | None = None  # DASH: seconds after its Period's start where it begins


@dataclass(frozen=True)
class Track:
    """One media timeline a player follows: an HLS media playlist or a DASH Representation."""

    id: str  # HLS: the media playlist URL; DASH: the Representation id
    kind: str  # VIDEO, AUDIO or MUXED
    bandwidth: int  # bits per second, as announced


@dataclass(frozen=True)
class Rendition:
    """A choice the ABR makes: a video (or muxed) track and the audio that goes with it."""

    video: Track
    audio: Track | None  # None: the audio is in the video track (or there is none)
    bandwidth: int  # bits per second the rendition needs in all

    @property
    def tracks(self) -> tuple[Track, ...]:
        return (self.video,) if self.audio is None else (self.video, self.audio)


@dataclass(frozen=True)
class Listing:
    """What a track offers at one moment."""

    segments: tuple[Segment, ...]  # by position
    ended: bool  # no segment will be added (HLS ENDLIST, a static MPD)
    live_start: int  # the position a newcomer starts at
    refresh_at: float  # player clock time when a newer window may exist
    # Seconds into the live_start segment where a newcomer's playhead starts.
    live_offset: float = 0.0


@dataclass(frozen=True)
class LiveStart:
    """Where a player starts in a live window, when it asks for a DASH segment
    and how it keeps its MPD. The protocol modules follow it; a player model
    (harness/load/clients.py) gives it."""

    # HLS: this many target durations before the end of the playlist (RFC 8216 6.3.3
    # asks for at least three); DASH without a delay in the MPD: this many segment
    # durations behind the live edge
    segments_behind: int = 3
    # start at that point itself, inside its segment, as browser players seek there
    # (False: at the start of the segment that holds it)
    at_the_point: bool = False
    # DASH: seconds after its computed availability a segment is asked for. Encoders
    # publish a segment a moment after its last frame's time (ffmpeg: a frame or so),
    # and asking on the dot counts that moment as a 404.
    margin_s: float = 0.5
    # DASH: when the next segment is not out yet, look again after this many seconds
    # (dash.js's schedule timer); None: wait for its availability (plus margin_s)
    poll_s: float | None = None
    # DASH: a ServiceDescription's Latency@target comes before suggestedPresentationDelay,
    # and without either the delay is segments_behind x maxSegmentDuration, else four
    # times minBufferTime (dash.js); False: suggestedPresentationDelay, else
    # segments_behind x the longest segment
    dash_js_delay: bool = False
    # DASH: an MPD reload that failed for good stops the MPD's refreshes: the player goes on
    # with the MPD it has (dash.js's ManifestUpdater starts its timer again only when a load
    # succeeds), so $Number$ segments still come by the clock and a SegmentTimeline's newer
    # entries never do; False: the MPD is asked for again at the next look
    refresh_stops_on_failure: bool = False
    # a player whose next segment has left the window goes on from the oldest segment
    # still in it (dash.js: its segments are asked for by number, and a playhead behind
    # the DVR window is moved to the window's start); False: back to the live point
    # (hls.js: too far behind a sliding playlist, it seeks to its live sync point)
    behind_goes_on_from_oldest: bool = False


class Stream(Protocol):
    protocol: str  # "hls" or "dash"
    live: bool
    renditions: list[Rendition]  # video renditions, lowest bandwidth first

    def window(self, track: Track) -> Listing:
        """The track's window now (loading a playlist or MPD when one is due)."""


def ascending(renditions: list[Rendition]) -> list[Rendition]:
    return sorted(renditions, key=lambda r: r.bandwidth)
