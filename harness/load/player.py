"""An HLS player's loop over a live stream, as RFC 8216 asks of clients.

From the master playlist it picks a rendition, starts three target durations
behind the live edge, fetches segments while the buffer has room, reloads the
media playlist every target duration (half of it after an unchanged reload)
and switches renditions by measured throughput and buffer (abr.py).

A segment download that cannot finish before the buffer runs out is
abandoned for a lower rendition, as hls.js does; at the lowest rendition a
download gets SEGMENT_TIME_LIMIT before it counts as failed.

The player knows nothing of Locust: it gets `get(url, group, time_limit) ->
bytes`, a clock and a sleep, so any HTTP client and any conformant live
stream works.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.load import abr
from harness.load.clients import ClientProfile
from harness.load.playback import Playback
from harness.load.playlist import MediaPlaylist, PlaylistError, Segment, parse_master, parse_media
from harness.load.retry import FetchError, TooSlow, with_retries

Get = Callable[[str, str, float | None], bytes]  # url, request group, time limit (s)

LIVE_EDGE_SEGMENTS = 3  # RFC 8216 6.3.3: start at least three target durations from the end
MAX_BUFFER = 30.0  # seconds of media a player fetches ahead at most
SEGMENT_TIME_LIMIT = 20.0  # seconds for a segment of the lowest rendition
ABANDON_SHARE = 0.5  # above it, a download may use this share of the buffer (or one segment's time)


class StreamEnded(Exception):
    """The playlist says #EXT-X-ENDLIST and every segment has been fetched."""


class Player:
    def __init__(self, get: Get, clock: Callable[[], float], sleep: Callable[[float], None],
                 playback: Playback, profile: ClientProfile) -> None:
        self._get, self._clock, self._sleep = get, clock, sleep
        self.playback = playback
        self.profile = profile
        self.estimate = abr.ThroughputEstimate()
        self.variants: list = []
        self.current = 0
        self.playlist: MediaPlaylist | None = None
        self.next_sequence = 0
        self._next_reload = 0.0

    # --- requests -------------------------------------------------------------

    def _playlist(self, url: str, parse: Callable):
        """A playlist, parsed; an unusable one counts as a failed try."""
        def fetch():
            try:
                return parse(self._get(url, "playlist", None).decode("utf-8", "replace"), url)
            except PlaylistError as error:
                raise FetchError(f"{url}: {error}") from None

        return with_retries(fetch, self._sleep)

    def open(self, master_url: str) -> None:
        """Read the master playlist and the first rendition's media playlist."""
        self.variants = self._playlist(master_url, parse_master)
        self.current = abr.first_rendition(self.bandwidths, self.profile)
        self._reload()
        self.next_sequence = self._live_start()

    @property
    def bandwidths(self) -> list[int]:
        return [v.bandwidth for v in self.variants]

    def _reload(self) -> None:
        before = self.playlist.last_sequence if self.playlist else None
        self.playlist = self._playlist(self.variants[self.current].uri, parse_media)
        target = self.playlist.target_duration
        changed = self.playlist.last_sequence != before
        self._next_reload = self._clock() + (target if changed else target / 2)

    def _live_start(self) -> int:
        segments = self.playlist.segments
        if not segments:
            return self.playlist.media_sequence
        return segments[max(0, len(segments) - LIVE_EDGE_SEGMENTS)].sequence

    # --- the loop -------------------------------------------------------------

    def _next_segment(self) -> Segment | None:
        segments = self.playlist.segments
        if segments and self.next_sequence < segments[0].sequence:
            self.next_sequence = self._live_start()  # fell out of the window: back to live
        return next((s for s in segments if s.sequence == self.next_sequence), None)

    def step(self) -> None:
        """One action: fetch the next segment if it is out and the buffer has
        room, else wait for the next playlist reload and reload."""
        self.playback.advance(self._clock())
        segment = self._next_segment()
        if segment is not None and self.playback.level < MAX_BUFFER:
            self._download(segment)
            return
        if segment is None and self.playlist.ended:
            raise StreamEnded()
        self._sleep(max(0.0, self._next_reload - self._clock()))
        self._reload()

    def _download(self, segment: Segment) -> None:
        lowest = self.current == 0
        limit = SEGMENT_TIME_LIMIT if lowest else \
            max(segment.duration, ABANDON_SHARE * self.playback.level)

        def fetch() -> bytes:
            try:
                return self._get(segment.uri, "segment", limit)
            except TooSlow as slow:
                if lowest:  # nowhere lower to go: a failed try
                    raise FetchError(str(slow)) from None
                raise

        started = self._clock()
        try:
            body = with_retries(fetch, self._sleep)
        except TooSlow:
            # Abandoned: it arrives no faster than this, so step down and
            # fetch the same segment from a lower rendition.
            bandwidth = self.variants[self.current].bandwidth
            self.estimate.add(int(bandwidth * segment.duration / 8), self._clock() - started)
            self._switch(min(self.current - 1, self._choice()))
            return
        finished = self._clock()
        self.estimate.add(len(body), finished - started)
        self.playback.add(segment.duration, self.variants[self.current].bandwidth / 1000, finished)
        self.next_sequence += 1
        self._switch(self._choice())

    def _choice(self) -> int:
        return abr.next_rendition(self.bandwidths, self.current, self.estimate.bps,
                                  self.playback.level, self.profile)

    def _switch(self, rendition: int) -> None:
        if rendition != self.current:
            self.current = rendition
            self._reload()  # the new rendition's window, before its next segment
