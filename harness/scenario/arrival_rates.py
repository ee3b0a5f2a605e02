"""Arrival rates over match time and the arrival moments they make.

Rates are given at points (per match second here; the format also reads per
minute), linear in between, held before the first point and after the last.
Arrivals are spaced evenly by the rate: the k-th (from 0) arrives when the
rate's integral from the run's start reaches k + 1/2. So any second of the run
gets the written rate within one viewer, and the randomness of an audience is
in who arrives and how long they stay (harness/generator/schedule.py), not in
when.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from itertools import pairwise

from harness.scenario.model import ArrivalPoint


def _at(point: ArrivalPoint) -> float:
    return point.at


def rate_at(points: Sequence[ArrivalPoint], match_s: float) -> float:
    """Arrivals per match second (full scale) the points give at `match_s`."""
    if match_s <= points[0].at:
        return points[0].per_second
    if match_s >= points[-1].at:
        return points[-1].per_second
    right = bisect_left(points, match_s, key=_at)  # points are in time order: log n, not n
    a, b = points[right - 1], points[right]
    return a.per_second + (b.per_second - a.per_second) * (match_s - a.at) / (b.at - a.at)


def _segments(
    points: Sequence[ArrivalPoint], start: float, end: float
) -> list[tuple[float, float, float, float]]:
    """(from, to, rate at from, rate at to) pieces of [start, end], linear within each."""
    knots = [start, *(p.at for p in points if start < p.at < end), end]
    return [(a, b, rate_at(points, a), rate_at(points, b)) for a, b in pairwise(knots)]


def arrivals_between(points: Sequence[ArrivalPoint], start: float, end: float) -> float:
    """Viewers (full scale) the rate brings in [start, end]: its integral."""
    return sum((b - a) * (ra + rb) / 2 for a, b, ra, rb in _segments(points, start, end))


def arrival_times(
    points: Sequence[ArrivalPoint], scale: float, start: float, end: float
) -> list[float]:
    """Match times of the arrivals in [start, end), in order (see the module's docstring)."""
    times: list[float] = []
    done, k = 0.0, 0  # scaled arrivals due before the current piece; the next to place
    for a, b, ra, rb in _segments(points, start, end):
        ra, rb = ra * scale, rb * scale
        area = (b - a) * (ra + rb) / 2
        slope = (rb - ra) / (b - a)
        while k + 0.5 <= done + area:
            need = k + 0.5 - done  # arrivals to accumulate within the piece
            # area(x) = ra x + slope x^2 / 2 = need, in the form stable for any slope
            x = 2 * need / (ra + math.sqrt(max(0.0, ra * ra + 2 * slope * need)))
            if a + x < end:
                times.append(a + x)
            k += 1
        done += area
    return times
