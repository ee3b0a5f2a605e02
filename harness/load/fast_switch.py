"""dash.js's fast switching (`streaming.buffer.fastSwitchEnabled`, on by
default outside low latency): on a switch up with at least 1.5 segments
buffered, the video segment buffered 1.5 segment durations past the playhead,
if it came at a lower rendition, is asked for again at the new one, and so
is each buffered one after it, in order, before anything new, at whatever
rendition is chosen as each is asked for; a copy that comes in before its
media is played plays at its rendition
(StreamProcessor's `_prepareForFastQualitySwitch` and
`setExplicitBufferingTime`, then `getNextSegmentRequest`).

The video lane's positions are tracked in media seconds from the start of
the attempt's first segment, as the player counts what it fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

SAFE_SEGMENTS = 1.5  # dash.js's safeBufferLevel: 1.5 × the new rendition's segment duration
KEPT = 64  # video segments remembered (what a live buffer holds, many times over)


@dataclass
class Fetched:
    position: int
    start: float  # media seconds from the attempt's first segment's start
    duration: float
    rung: int  # the rendition it was last fetched at


class FastSwitch:
    """The video segments fetched in one attempt, and which are being fetched again."""

    def __init__(self) -> None:
        self._fetched: list[Fetched] = []
        self._until: int | None = None  # the last position to fetch again, while replacing

    def fetched(self, position: int, start: float, duration: float, rung: int) -> None:
        """A new video segment came in (not a copy)."""
        self._fetched = [*self._fetched[-(KEPT - 1) :], Fetched(position, start, duration, rung)]

    def copy_of(self, position: int) -> Fetched | None:
        """The segment at `position` if it is being fetched again, else None."""
        if self._until is None or position > self._until:
            return None
        return next((f for f in self._fetched if f.position == position), None)

    def copied(self, fetched: Fetched, rung: int) -> None:
        """Its copy at `rung` came in."""
        fetched.rung = rung
        if fetched.position == self._until:
            self._until = None

    def switched_up(self, playhead: float, buffered: float, rung: int) -> int | None:
        """The switch up to `rung` at `playhead` with `buffered` seconds ahead:
        the position to fetch again from, or None (nothing is replaced)."""
        if not self._fetched:
            return None
        safe = SAFE_SEGMENTS * self._fetched[-1].duration
        at = playhead + safe
        there = next((f for f in self._fetched if f.start <= at < f.start + f.duration), None)
        if there is None or there.rung >= rung or buffered < safe:
            return None
        self._until = self._fetched[-1].position
        return there.position
