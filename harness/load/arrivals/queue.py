"""The run's clock in match time, and the queue a process's arrivals wait in.

Viewers run on time.monotonic(); stays are in match time. The clock learns
the run's zero once it starts (one process: when the shape starts; a worker:
from the master's start message) and maps match time onto this process's
monotonic clock through the scenario's time map (harness/scenario/time_map.py). The
queue hands this process's arrivals, in time order, to whichever pool user is free
first (free users take the next arrival, so a pool as big as the most arrivals
present at once starts each on time).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import gevent.event

from harness.load.arrivals.leaving import Stay

WAIT_FOR_START_S = 120.0  # a viewer spawned before the run's zero waits at most this long


@dataclass(frozen=True)
class Arrival:
    """An arriving viewer: who, of which client type, and when in the audience."""

    number: int  # the viewer's number in the run
    client: str  # its client type
    stays: tuple[Stay, ...]  # in time order, at least one

    @property
    def arrives(self) -> float:
        return self.stays[0].start


class TimeMapping(Protocol):
    """Match time <-> wall seconds since the run's zero: the scenario's
    (harness/scenario/time_map.py) or any map with these two."""

    def wall(self, match_s: float) -> float: ...

    def match(self, wall_s: float) -> float: ...


class RunClock:
    def __init__(self, time_map: TimeMapping) -> None:
        self.time_map = time_map  # the scenario's match <-> wall time
        self._zero: float | None = None
        self._started = gevent.event.Event()

    def begin(self, zero: float) -> None:
        """The run's zero, as time.monotonic() of this process."""
        self._zero = zero
        self._started.set()

    def wait(self) -> bool:
        """Until the run has its zero (bounded); whether it has."""
        return self._started.wait(WAIT_FOR_START_S)

    def monotonic(self, match_s: float) -> float:
        """time.monotonic() when match time is `match_s` (math.inf stays math.inf)."""
        if self._zero is None:
            raise RuntimeError("the run's clock has no zero yet")
        if math.isinf(match_s):
            return match_s
        return self._zero + self.time_map.wall(match_s)

    def match(self, monotonic: float | None = None) -> float:
        """Match time now (or at `monotonic`)."""
        if self._zero is None:
            raise RuntimeError("the run's clock has no zero yet")
        return self.time_map.match(
            (time.monotonic() if monotonic is None else monotonic) - self._zero
        )


class ArrivalQueue:
    """This process's arrivals, taken in time order by the pool's users."""

    def __init__(self, arrivals: list[Arrival], clock: RunClock) -> None:
        self.clock = clock
        self._next: Iterator[Arrival] = iter(arrivals)
        self.size = len(arrivals)

    def take(self) -> Arrival | None:
        """The next arrival not yet taken; None when all are."""
        return next(self._next, None)


def until(clock: RunClock, match_s: float) -> float | None:
    """Seconds from now until match time `match_s` (0 when past; None for math.inf)."""
    if math.isinf(match_s):
        return None
    return max(0.0, clock.monotonic(match_s) - time.monotonic())
