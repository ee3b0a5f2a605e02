"""A player's buffer and playback state, on a clock the caller passes in.

Downloaded segments go into the buffer; once playing, the buffer drains in
real time. Playback starts when the startup buffer is full (a buffer of 0:
as soon as any media is in), the first frame `first_frame_s` later (a
browser's demuxing, appending and decoding); an empty buffer is a stall that
lasts until the resume buffer is full again (0: until any media is in). A
browser raises its resume buffer after every stall (`resume_most`: twice the
last, up to that).
Everything is exact arithmetic on the times given, so it is tested with
hand-made clocks.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import pairwise

JOINING, PLAYING, STALLED, ENDED = "joining", "playing", "stalled", "ended"
EPSILON = 1e-9  # seconds: sums of floats that should meet may miss by this much


@dataclass
class Totals:
    """Cumulative figures of one playback, for per-second deltas."""

    played_s: float = 0.0
    stalled_s: float = 0.0
    stalls: int = 0
    bitrate_kbps_s: float = 0.0
    switches: int = 0

    def minus(self, earlier: Totals) -> Totals:
        return Totals(
            self.played_s - earlier.played_s,
            self.stalled_s - earlier.stalled_s,
            self.stalls - earlier.stalls,
            self.bitrate_kbps_s - earlier.bitrate_kbps_s,
            self.switches - earlier.switches,
        )


class Playback:
    def __init__(
        self, now: float, startup_buffer: float, resume_buffer: float, first_frame_s: float = 0.0
    ) -> None:
        self.startup_buffer = startup_buffer
        self.resume_buffer = resume_buffer
        self.first_frame_s = first_frame_s
        self.resume_most: float | None = None  # the resume buffer doubles after each stall, to it
        self.joined_at = now
        self.clock = now
        self.state = JOINING
        self.protocol: str | None = None  # "hls" or "dash", once the player has read the stream
        self.started_at: float | None = None
        self.totals = Totals()
        self._queue: deque[list] = deque()  # [seconds left, kbps, rung] per buffered segment
        self._level = 0.0
        self.rung_on_screen: int | None = None  # the rendition (index) playing, once one has

    @property
    def level(self) -> float:
        """Seconds of media buffered ahead of the playhead (as of the last advance)."""
        return self._level

    @property
    def startup_time(self) -> float | None:
        return None if self.started_at is None else self.started_at - self.joined_at

    def advance(self, now: float) -> None:
        """Play the buffer up to `now`; running dry mid-way starts a stall there."""
        if self.started_at is not None and self.clock < self.started_at:
            self.clock = min(now, self.started_at)  # no picture yet: nothing plays
        elapsed = now - self.clock
        if elapsed <= 0:
            return
        self.clock = now
        if self.state == STALLED:
            self.totals.stalled_s += elapsed
        elif self.state == PLAYING:
            played = self._drain(elapsed)
            self.totals.played_s += played
            if played < elapsed - EPSILON:  # ran dry (not a float's last bit short)
                self.state = STALLED
                self.totals.stalls += 1
                if self.resume_most is not None:
                    self.resume_buffer = min(2 * self.resume_buffer, self.resume_most)
                self.totals.stalled_s += elapsed - played

    def _drain(self, seconds: float) -> float:
        played = 0.0
        while self._queue and played < seconds:
            segment = self._queue[0]
            take = min(segment[0], seconds - played)
            self._play(segment[1], segment[2], take)
            played += take
            segment[0] -= take
            if segment[0] <= EPSILON:
                self._queue.popleft()
        self._level = max(0.0, self._level - played)
        return played

    def _play(self, kbps: float, rung: int, seconds: float) -> None:
        if self.rung_on_screen is not None and rung != self.rung_on_screen:
            self.totals.switches += 1
        self.rung_on_screen = rung
        self.totals.bitrate_kbps_s += kbps * seconds

    def add(self, seconds: float, kbps: float, now: float, rung: int = 0) -> None:
        """A segment of `seconds` at `kbps` of rendition `rung` (an index, lowest
        first) finished downloading at `now`."""
        self.advance(now)
        self._queue.append([seconds, kbps, rung])
        self._level += seconds
        if self.state == JOINING and self._level >= self.startup_buffer:
            self.state, self.started_at = PLAYING, now + self.first_frame_s
        elif self.state == STALLED and self._level >= self.resume_buffer:
            self.state = PLAYING

    def replace(self, kbps: float, rung: int, now: float) -> None:
        """A copy at rendition `rung` of what is buffered came in at `now`: what
        is still to play plays at it (hls.js appends it over the same media)."""
        self.advance(now)
        self.replace_span(0.0, self._level, kbps, rung)

    def replace_span(self, ahead: float, seconds: float, kbps: float, rung: int) -> None:
        """The buffered media from `ahead` seconds past the playhead, for
        `seconds`, plays at `kbps` of rendition `rung` (a copy of it came in;
        what of it was played already stays as it was). As of the last advance."""
        queue: deque[list] = deque()
        offset = 0.0
        for left, old_kbps, old_rung in self._queue:
            cuts = sorted(
                {
                    offset,
                    offset + left,
                    *(c for c in (ahead, ahead + seconds) if offset < c < offset + left),
                }
            )
            for begin, end in pairwise(cuts):
                if end - begin <= EPSILON:
                    continue
                inside = ahead - EPSILON <= begin and end <= ahead + seconds + EPSILON
                queue.append(
                    [end - begin, kbps if inside else old_kbps, rung if inside else old_rung]
                )
            offset += left
        self._queue = queue

    def end(self, now: float) -> None:
        """The viewer stopped watching (left, gave up or failed)."""
        self.advance(now)
        self.state = ENDED
