"""An HLS player's loop over a live stream, as RFC 8216 asks of clients.

From the master playlist it picks a rendition, starts three target durations
behind the live edge, fetches segments while the buffer has room, reloads the
media playlist every target duration (half of it after an unchanged reload)
and switches renditions by measured throughput and buffer (abr.py).

The player knows nothing of Locust: it gets `get(url, group) -> bytes`, a
clock and a sleep, so any HTTP client, and any conformant live stream, works.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.load import abr
from harness.load.clients import ClientProfile
from harness.load.playback import Playback
from harness.load.playlist import MediaPlaylist, PlaylistError, Segment, parse_master, parse_media
from harness.load.retry import FetchError, with_retries

Get = Callable[[str, str], bytes]

LIVE_EDGE_SEGMENTS = 3  # RFC 8216 6.3.3: start at least three target durations from the end
MAX_BUFFER = 30.0  # seconds of media a player fetches ahead at most


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
                return parse(self._get(url, "playlist").decode("utf-8", "replace"), url)
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
        started = self._clock()
        body = with_retries(lambda: self._get(segment.uri, "segment"), self._sleep)
        finished = self._clock()
        self.estimate.add(len(body), finished - started)
        self.playback.add(segment.duration, self.variants[self.current].bandwidth / 1000, finished)
        self.next_sequence += 1
        choice = abr.next_rendition(self.bandwidths, self.current, self.estimate.bps,
                                    self.playback.level, self.profile)
        if choice != self.current:
            self.current = choice
            self._reload()  # the new rendition's window, before its next segment
