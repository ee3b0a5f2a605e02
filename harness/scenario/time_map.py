"""Match time and wall time: a piecewise-linear map between the two.

`time_scale` compresses the calm parts of a match, which makes its ramps
steeper (the point of it). Players live in real seconds, though: a buffer of
a few segments, retry backoff, a token's lifetime, an API user's interval.
A fault compressed 16 times is another fault to them (a 60 s Redis outage
becomes 3.75 s, which retries ride over). So each fault and the spans
judged around it (its `for`, then its recovery budget) run at
`fault_time_scale` (default 1: real time), and the rest of the timeline at
`time_scale`. `timeline.real_time` adds stretches of its own (a control run
keeps its experiment's, without the faults).

A fault in force from the timeline's start to its end (a component absent
for the whole run, as `harness capacity --without` makes) has no moment a
player could ride over: it leaves the timeline's scale alone, so the rush
stays as steep as in the runs it is compared with.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

Span = tuple[float, float]  # [from, to) in match seconds


@dataclass(frozen=True)
class Stretch:
    """A part of the timeline at one rate."""

    start: float  # match seconds
    end: float  # match seconds
    wall_start: float  # wall seconds since the run's start, where it begins
    rate: float  # match seconds per wall second (the time scale in force)
    slow: bool  # one of the slow spans (faults and the spans judged around them)

    @property
    def wall_end(self) -> float:
        return self.wall_start + (self.end - self.start) / self.rate


def merged(spans: Iterable[Span], start: float, end: float) -> list[Span]:
    """The spans cut to [start, end], overlapping or touching ones joined, in order."""
    cut = sorted((max(a, start), min(b, end)) for a, b in spans if min(b, end) > max(a, start))
    joined: list[Span] = []
    for a, b in cut:
        if joined and a <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], b))
        else:
            joined.append((a, b))
    return joined


class TimeMap:
    """Match time <-> wall seconds since the run's start over a timeline whose
    `slow` spans run at `slow_scale` (never faster than `scale`) and the rest
    at `scale`. Outside the timeline the nearest stretch's rate goes on."""

    def __init__(
        self,
        start: float,
        end: float,
        scale: float,
        slow: Iterable[Span] = (),
        slow_scale: float = 1.0,
    ) -> None:
        slow_scale = min(slow_scale, scale)
        self.slow = merged(slow, start, end) if slow_scale < scale else []
        cuts = [start] + [t for span in self.slow for t in span] + [end]
        slow_starts = {a for a, _ in self.slow}
        self.stretches: list[Stretch] = []
        wall = 0.0
        for a, b in pairwise(cuts):
            if b <= a:
                continue
            is_slow = a in slow_starts
            stretch = Stretch(a, b, wall, slow_scale if is_slow else scale, is_slow)
            self.stretches.append(stretch)
            wall = stretch.wall_end
        self._starts = [s.start for s in self.stretches]
        self._wall_starts = [s.wall_start for s in self.stretches]

    @property
    def wall_duration(self) -> float:
        return self.stretches[-1].wall_end

    def wall(self, match_s: float) -> float:
        """Wall seconds since the run started when match time is `match_s`."""
        stretch = self.stretches[max(0, bisect.bisect_right(self._starts, match_s) - 1)]
        return stretch.wall_start + (match_s - stretch.start) / stretch.rate

    def match(self, wall_s: float) -> float:
        """Match time `wall_s` seconds after the run started."""
        stretch = self.stretches[max(0, bisect.bisect_right(self._wall_starts, wall_s) - 1)]
        return stretch.start + (wall_s - stretch.wall_start) * stretch.rate

    def rate_at(self, match_s: float) -> float:
        """Match seconds per wall second at `match_s`."""
        return self.stretches[max(0, bisect.bisect_right(self._starts, match_s) - 1)].rate

    def slow_wall_s(self) -> float:
        """Wall seconds the run spends in its slow spans."""
        return sum(s.wall_end - s.wall_start for s in self.stretches if s.slow)


def fault_span(
    at: float,
    duration: float | None,
    budget: float,
    heals_itself: bool,
    slow_scale: float,
    start: float,
    end: float,
) -> Span | None:
    """The match span a fault and its judged spans cover: from its injection
    through its `for` and then its recovery budget (wall seconds, so
    `budget * slow_scale` match seconds); a fault that lasts until the end and
    does not heal itself covers the rest of the run. None for a fault in force
    over the whole timeline (see the module's docstring)."""
    if duration is None and not heals_itself:
        return None if at <= start else (at, end)
    if at <= start and duration is not None and at + duration >= end:
        return None
    return at, at + (duration or 0.0) + budget * slow_scale


def spans_of(
    faults: Sequence, kinds: dict, slow_scale: float, start: float, end: float
) -> list[Span]:
    """Every fault's span (a random fault's: its whole window, where its picks fall)."""
    found = []
    for fault in faults:
        kind = kinds.get(fault.kind)
        heals = kind.heals_itself(fault.duration) if kind is not None else False
        span = fault_span(
            fault.at, fault.duration, fault.recover_within, heals, slow_scale, start, end
        )
        if span is not None:
            found.append(span)
    return found
