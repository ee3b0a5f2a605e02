"""What the charts plot: a run's seconds in at most MAX_POINTS bins along
match time. A bin's windows are merged before its figures are computed, so
its percentiles and rates are exact for the bin rather than averages of
per-second figures (a 2-hour run is charted 12 seconds at a time)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from harness.measure.aggregate import merged, metrics_of
from harness.runfolder.recorder import Second

MAX_POINTS = 600


@dataclass(frozen=True)
class Bin:
    match_s: float  # match time at the end of the bin's last second
    metrics: dict[str, float | None]
    failed_per_s: float
    # Gauges, averaged over the bin's seconds.
    target_viewers: float
    joining: float
    playing: float
    stalled: float
    # Viewers coming into the audience and leaving it, per second (harness/load/arrivals).
    arrivals_per_s: float = 0.0
    departures_per_s: float = 0.0
    # The platform's own figures (server.<name>), averaged over the bin's seconds that
    # have one; None: none has.
    server: dict[str, float | None] = field(default_factory=dict)


def _bin(seconds: Sequence[Second], groups: Iterable[str]) -> Bin:
    windows = [s.window for s in seconds]
    failures = sum(tally.failures for tally in merged(windows).requests.values())

    def mean(values: list[int]) -> float:
        return sum(values) / len(values)

    def server_mean(name: str) -> float | None:
        figures = [f for f in (w.server.get(name) for w in windows) if f is not None]
        return sum(figures) / len(figures) if figures else None

    return Bin(
        seconds[-1].match_s,
        metrics_of(windows, groups),
        failures / len(windows),
        mean([s.target_viewers for s in seconds]),
        mean([w.joining for w in windows]),
        mean([w.playing for w in windows]),
        mean([w.stalled for w in windows]),
        mean([w.arrivals for w in windows]),
        mean([w.departures for w in windows]),
        {name: server_mean(name) for name in windows[0].server},
    )


def bins(
    seconds: Sequence[Second], groups: Sequence[str] = (), max_points: int = MAX_POINTS
) -> list[Bin]:
    """groups: request groups every bin has figures for, requested in it or not."""
    size = max(1, math.ceil(len(seconds) / max_points))
    return [_bin(seconds[i : i + size], groups) for i in range(0, len(seconds), size)]
