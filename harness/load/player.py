"""A player's loop over a live (or ended) stream, HLS or DASH alike.

The stream (protocol/) offers video renditions, each with its audio track if
the audio is separate, and per track a window of segments. The player starts
at the window's live start, fetches the next segment of whichever track
(video or audio) has less buffered, while the buffer has room, and otherwise
waits for the next window. Playback needs both: only media buffered on every
track counts (playback.py). Init segments and keys are fetched once per
track and attempt. Renditions switch by measured throughput and buffer
(abr.py).

A video segment download that cannot finish before the buffer runs out is
abandoned for a lower rendition, as hls.js does; at the lowest rendition (and
for audio) a download gets SEGMENT_TIME_LIMIT before it counts as failed.

The player knows nothing of Locust: it gets `get(url, group, time_limit,
headers) -> bytes`, a clock and a sleep, so any HTTP client works. Media
bodies are only counted (their length measures throughput), so a client may
also give `count(...) -> int`, which reads a body as it arrives and drops it,
never holding a segment whole.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from harness.load import abr, cmcd
from harness.load.clients import ClientProfile
from harness.load.playback import JOINING, Playback
from harness.load.protocol import open_stream
from harness.load.protocol.model import (AUDIO, MUXED, ManifestError, Resource, Segment, Stream,
                                         Track, Listing)
from harness.load.retry import FetchError, TooSlow, with_retries

Get = Callable[..., bytes]  # (url, group, time_limit s, headers=None) -> body
Count = Callable[..., int]  # (url, group, time_limit s, headers=None) -> bytes received

MAX_BUFFER = 30.0  # seconds of media a player fetches ahead at most
SEGMENT_TIME_LIMIT = 20.0  # seconds for a segment of the lowest rendition
IDLE = 1.0  # seconds at most between looks at a window while waiting
ABANDON_SHARE = 0.5  # above it, a download may use this share of the buffer (or one segment's time)
_OBJECT = {AUDIO: cmcd.AUDIO, MUXED: cmcd.MUXED}  # CMCD ot of a track kind (else video)


@functools.lru_cache(maxsize=256)
def _parsed(parse: Callable, text: str, url: str):
    """parse(text, url), shared: the viewers of a process reload the same few
    playlists every target duration, and a parse is never changed after.
    (Where every viewer's playlist differs, say by a token of its own, nothing
    is shared and a miss costs only hashing the text.)"""
    return parse(text, url)


class StreamEnded(Exception):
    """The stream ended (HLS ENDLIST, a static MPD) and every segment has been fetched."""


@dataclass
class _Lane:
    """One track being followed: video (or muxed), or the separate audio."""

    track: Track
    window: Listing | None = None
    next: int | None = None  # position of the next segment to fetch
    fetched: float = 0.0  # seconds of media fetched so far

    def segment(self) -> Segment | None:
        segments = self.window.segments
        if segments and (self.next is None or self.next < segments[0].position):
            self.next = self.window.live_start  # new, or fell out of the window: back to live
        return next((s for s in segments if s.position == self.next), None)

    @property
    def exhausted(self) -> bool:
        return self.window.ended and self.segment() is None


class Player:
    def __init__(self, get: Get, clock: Callable[[], float], sleep: Callable[[float], None],
                 playback: Playback, profile: ClientProfile, cmcd: str | None = None,
                 count: Count | None = None) -> None:
        self._get, self._clock, self._sleep = get, clock, sleep
        self._count: Count = count or (lambda *args, **kwargs: len(get(*args, **kwargs)))
        self.playback = playback
        self.profile = profile
        self.estimate = abr.ThroughputEstimate()
        self.stream: Stream | None = None
        self.current = 0
        self._lanes: list[_Lane] = []
        self._credited = 0.0  # seconds of media fetched on every lane, given to playback
        self._once: set[str] = set()  # init segments and keys fetched in this attempt
        self._cmcd_mode = cmcd  # "query", "headers" or None (the parameter hides the module here)
        self._cmcd = None  # the attempt's cmcd.Session, once open() knows the content

    @property
    def protocol(self) -> str | None:
        return self.stream.protocol if self.stream else None

    @property
    def bandwidths(self) -> list[int]:
        return [r.bandwidth for r in self.stream.renditions]

    # --- requests -------------------------------------------------------------

    def _document(self, url: str, keys: dict[str, object]) -> bytes:
        """A playlist's or MPD's body."""
        url, headers = self._addressed(url, keys, None)
        return self._get(url, "playlist", None, headers=headers)

    media_group = "segment"  # the request group media bodies are counted under

    def _media(self, url: str, limit: float | None, keys: dict[str, object],
               byterange: tuple[int, int] | None) -> int:
        """A media body (segment, init segment, key): the bytes received."""
        url, headers = self._addressed(url, keys, self._media_range(byterange))
        return self._count(url, self.media_group, limit, headers=headers)

    def _media_range(self, byterange: tuple[int, int] | None) -> tuple[int, int] | None:
        """The bytes of a media body to ask for (None: all of it)."""
        return byterange

    def _addressed(self, url: str, keys: dict[str, object],
                   byterange: tuple[int, int] | None) -> tuple[str, dict[str, str] | None]:
        """The URL and headers of a request: its byte range and CMCD data."""
        headers = {"Range": f"bytes={byterange[0]}-{byterange[1]}"} if byterange else {}
        if self._cmcd is not None:
            url, extra = self._cmcd.apply(url, self._cmcd_keys(keys))
            headers.update(extra)
        return url, headers or None

    def _cmcd_keys(self, keys: dict[str, object]) -> dict[str, object]:
        stream = self.stream
        keys = {**keys, "su": self.playback.state == JOINING}
        if stream is not None:
            keys["sf"] = cmcd.STREAMING_FORMAT[stream.protocol]
            keys["st"] = "l" if stream.live else "v"
        if self.estimate.bps is not None:
            keys["mtp"] = round(self.estimate.bps / 100_000) * 100
        return keys

    def _load(self, url: str, parse: Callable, object_type: str = cmcd.MANIFEST):
        """A manifest (or other document), parsed; an unusable one counts as a failed try."""
        def fetch():
            body = self._document(url, {"ot": object_type})
            try:
                return _parsed(parse, body.decode("utf-8", "replace"), url)
            except ManifestError as error:
                raise FetchError(f"{url}: {error}") from None

        return with_retries(fetch, self._sleep)

    def open(self, url: str) -> None:
        """Read the manifest (HLS or DASH, told from its body) and the first windows."""
        if self._cmcd_mode is not None:
            self._cmcd = cmcd.Session(self._cmcd_mode, cmcd.content_id(url))
        self.stream = open_stream(url, self._load, self._clock)
        self.playback.protocol = self.stream.protocol
        self.current = abr.first_rendition(self.bandwidths, self.profile)
        self._lanes = [_Lane(track) for track in self.stream.renditions[self.current].tracks]
        for lane in self._lanes:
            lane.window = self.stream.window(lane.track)
            lane.segment()

    # --- the loop -------------------------------------------------------------

    def step(self) -> None:
        """One action: fetch the next segment of the track with the least buffered
        if it is out and the buffer has room, else wait for a newer window."""
        self.playback.advance(self._clock())
        going = [lane for lane in self._lanes if not lane.exhausted]
        if not going:
            raise StreamEnded()
        lane = min(going, key=lambda candidate: candidate.fetched)
        segment = lane.segment()
        if segment is not None and self._ahead(lane) < MAX_BUFFER:
            self._download(lane, segment)
            return
        now = self._clock()
        self._sleep(max(0.0, min(lane.window.refresh_at, now + IDLE) - now))
        lane.window = self.stream.window(lane.track)

    def _ahead(self, lane: _Lane) -> float:
        """Seconds of this lane's media buffered ahead of the playhead."""
        return self.playback.level + lane.fetched - self._credited

    def _once_per_attempt(self, resource: Resource | None, lane: _Lane, object_type: str) -> None:
        if resource is None or resource.uri in self._once:
            return
        keys = {"ot": object_type, "br": cmcd.kbps(lane.track.bandwidth)}
        with_retries(lambda: self._media(resource.uri, SEGMENT_TIME_LIMIT, keys,
                                         resource.byterange), self._sleep)
        self._once.add(resource.uri)

    def _download(self, lane: _Lane, segment: Segment) -> None:
        self._once_per_attempt(segment.key, lane, cmcd.KEY)
        self._once_per_attempt(segment.init, lane, cmcd.INIT)
        lowest = self.current == 0 or lane.track.kind == AUDIO
        limit = SEGMENT_TIME_LIMIT if lowest else \
            max(segment.duration, ABANDON_SHARE * self.playback.level)
        keys = {"ot": _OBJECT.get(lane.track.kind, cmcd.VIDEO), "d": round(segment.duration * 1000),
                "br": cmcd.kbps(lane.track.bandwidth), "bl": cmcd.rounded_ms(self._ahead(lane)),
                "tb": cmcd.kbps(lane.track.bandwidth if lane is not self._lanes[0] else
                                max(r.video.bandwidth for r in self.stream.renditions))}

        def fetch() -> int:
            try:
                return self._media(segment.uri, limit, keys, segment.byterange)
            except TooSlow as slow:
                if lowest:  # nowhere lower to go: a failed try
                    raise FetchError(str(slow)) from None
                raise

        started = self._clock()
        try:
            received = with_retries(fetch, self._sleep)
        except TooSlow:
            # Abandoned: it arrives no faster than this, so step down and
            # fetch the same segment from a lower rendition.
            self.estimate.add(int(lane.track.bandwidth * segment.duration / 8),
                              self._clock() - started)
            self._switch(min(self.current - 1, self._choice()))
            return
        finished = self._clock()
        self.estimate.add(received, finished - started)
        lane.fetched += segment.duration
        lane.next = segment.position + 1
        self._credit(finished)
        self._switch(self._choice())

    def _credit(self, now: float) -> None:
        """Media fetched on every lane is playable: give it to the buffer."""
        playable = min(lane.fetched for lane in self._lanes)
        if playable > self._credited:
            kbps = self.stream.renditions[self.current].bandwidth / 1000
            self.playback.add(playable - self._credited, kbps, now)
            self._credited = playable

    def _choice(self) -> int:
        return abr.next_rendition(self.bandwidths, self.current, self.estimate.bps,
                                  self.playback.level, self.profile)

    def _switch(self, rendition: int) -> None:
        """Follow another rendition's tracks from the same positions (each new
        track's window loaded before its next segment); the same audio stays."""
        if rendition == self.current:
            return
        self.current = rendition
        for lane, track in zip(self._lanes, self.stream.renditions[rendition].tracks):
            if lane.track != track:
                lane.track = track
                lane.window = self.stream.window(track)
