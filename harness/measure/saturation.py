"""Which seconds a struggling load generator spoils: sustained saturation
versus a transient stall, computed from a run's recorded seconds (so
`harness report` computes it again from the run folder).

A second is over the bounds when a process was (harness.measure.truth:
0.9 of a core, or loop lag p99 over 100 ms). Of those seconds:
- SATURATED are the seconds of a stretch of at least SUSTAINED_S (3)
  consecutive seconds over the bounds; and, within one judged span (an SLO's
  seconds), every second over the bounds when they are at least two and more
  than SHARE (a quarter) of the span. The load was not all made there: such
  seconds are left out of a clean judgement (harness.judge.verdict).
- any other second over the bounds is a STALL, of the size of its loop lag
  p99: the loop was held up that long, once. It widens what was measured
  around it (a time figure by up to the stall; a count by what timed out or
  came late in it and the second after) but the load was there.

Why three seconds in a row: one event that holds a loop up (a garbage
collection, a process stopped and continued, a burst of scheduling delay
on a shared machine, a slow disk write) shows in the second it happened
and, as seconds closed in a burst after it share its reading, at most in
the next one; a third second in a row is no longer one event but a
generator that does not keep up. Why a quarter: stalls that often (a loop
held up in one second of four or more) are the generator's normal state in
that span, not events in it, even if never three in a row.

While a run goes, only the seconds so far are known (Streak): the status
line and the live timeseries.csv call the first seconds of a stretch stalls
until it is SUSTAINED_S long; the run folder's files are written again with
the whole run's marks at its end.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from harness.measure.cause import cause
from harness.measure.truth import CPU_BOUND, LAG_BOUND_S, GeneratorTruth

SUSTAINED_S = 3  # consecutive seconds over the bounds: saturated
SHARE = 0.25  # over the bounds in more than this share of a span: saturated there
SATURATED, STALL = "saturated", "stall"

Truths = Iterable[tuple[int, GeneratorTruth | None]]  # (second number, its truth)


@dataclass(frozen=True)
class Marks:
    """A run's seconds over the bounds (second number: its loop lag p99) and
    which of them belong to sustained stretches."""

    over: dict[int, float]
    sustained: frozenset[int]

    @property
    def stalls(self) -> dict[int, float]:
        """The run's stalls (no span's share rule): second number, its size."""
        return {n: lag for n, lag in self.over.items() if n not in self.sustained}

    def of(self, number: int) -> str | None:
        """SATURATED, STALL or None for one second of the run (no span's share rule)."""
        if number not in self.over:
            return None
        return SATURATED if number in self.sustained else STALL


def marks(truths: Truths) -> Marks:
    """The run's marks from its seconds' truths (None: not measured)."""
    over = {
        number: truth.lag_p99_s
        for number, truth in truths
        if truth is not None and truth.over_bounds
    }
    sustained: set[int] = set()
    stretch: list[int] = []
    for number in sorted(over):
        if stretch and number != stretch[-1] + 1:
            if len(stretch) >= SUSTAINED_S:
                sustained.update(stretch)
            stretch = []
        stretch.append(number)
    if len(stretch) >= SUSTAINED_S:
        sustained.update(stretch)
    return Marks(over, frozenset(sustained))


@dataclass(frozen=True)
class SpanMarks:
    """The marks of one judged span of seconds."""

    seconds: int  # how many seconds the span has
    saturated: frozenset[int]
    stalls: dict[int, float]  # second number: the stall's size (its loop lag p99)

    @property
    def largest_stall(self) -> float:
        return max(self.stalls.values(), default=0.0)

    @property
    def dropped(self) -> frozenset[int]:
        """The seconds a count or ratio is judged without: the saturated ones,
        and each stall with the second after it (what timed out or came late)."""
        return self.saturated | set(self.stalls) | {n + 1 for n in self.stalls}

    @property
    def delays(self) -> dict[int, float]:
        """How much each stall may have added to the durations measured in its
        second and the second after it (what was in flight across it)."""
        found: dict[int, float] = {}
        for number, lag in self.stalls.items():
            for touched in (number, number + 1):
                found[touched] = max(found.get(touched, 0.0), lag)
        return found

    @property
    def mostly_saturated(self) -> bool:
        """More than half of the span saturated: the load was mostly not there."""
        return 2 * len(self.saturated) > self.seconds

    def __bool__(self) -> bool:
        return bool(self.saturated or self.stalls)


def in_span(found: Marks, numbers: Collection[int]) -> SpanMarks:
    """The marks of a span made of these seconds (see the module's docstring)."""
    over = {n: found.over[n] for n in numbers if n in found.over}
    if len(over) >= 2 and len(over) > SHARE * len(numbers):
        saturated = frozenset(over)
    else:
        saturated = frozenset(n for n in over if n in found.sustained)
    return SpanMarks(
        len(numbers), saturated, {n: lag for n, lag in over.items() if n not in saturated}
    )


class Streak:
    """Marks a run's seconds as they come, knowing only those so far: a second
    over the bounds is SATURATED once it is the SUSTAINED_S-th in a row or
    later, else a STALL."""

    def __init__(self) -> None:
        self._row = 0

    def add(self, truth: GeneratorTruth | None) -> str | None:
        self._row = self._row + 1 if truth is not None and truth.over_bounds else 0
        if not self._row:
            return None
        return SATURATED if self._row >= SUSTAINED_S else STALL


def run_summary(truths: Truths) -> dict | None:
    """A run's generator truth (summary.json's "generator"); None when no
    second was measured (a run from before)."""
    pairs = list(truths)
    measured = [t for _, t in pairs if t is not None]
    if not measured:
        return None
    found = marks(pairs)
    peak = max(t.cpu_cores for t in measured)
    troubled = [t for n, t in pairs if n in found.over]
    return {
        "seconds_measured": len(measured),
        "seconds_over_bounds": len(found.over),
        "seconds_saturated": len(found.sustained),
        "stalls": len(found.stalls),
        "largest_stall_s": max(found.stalls.values(), default=0.0),
        "processes": max(t.processes for t in measured),
        "peak_cpu_cores": peak,  # the most CPU all processes used in one second
        "busiest_process_cores": max(t.cpu_max_cores for t in measured),
        "worst_lag_p99_s": max(t.lag_p99_s for t in measured),
        # Enough processes to share the peak below the CPU bound each.
        "processes_needed": math.floor(peak / CPU_BOUND) + 1,
        "cpu_bound_cores": CPU_BOUND,
        "lag_bound_s": LAG_BOUND_S,
        "sustained_s": SUSTAINED_S,
        "share": SHARE,
        "cause": cause(troubled),
    }
