"""A mergeable histogram of durations, for percentiles that add up across
seconds, phases and worker processes (percentiles of percentiles would not).

Values fall into log-spaced buckets about 2% wide, so any percentile it
reports is within 2% of the exact one, and two histograms merge by adding
their bucket counts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

_BUCKETS_PER_E = 50  # bucket width: a factor of e^(1/50), about 2%
_FLOOR = 1e-6  # seconds; anything shorter counts as this


def _bucket(value: float) -> int:
    return round(math.log(max(value, _FLOOR)) * _BUCKETS_PER_E)


def _value(bucket: int) -> float:
    return math.exp(bucket / _BUCKETS_PER_E)


class Histogram:
    def __init__(self, counts: dict[int, int] | None = None) -> None:
        self.counts: Counter[int] = Counter(counts or {})

    def add(self, value: float) -> None:
        self.counts[_bucket(value)] += 1

    def merge(self, other: Histogram) -> None:
        self.counts.update(other.counts)

    def shortened(self, by: float) -> Histogram:
        """A copy with every value `by` seconds shorter (a delay taken out of
        what was measured), no shorter than the floor."""
        found = Histogram()
        for bucket, count in self.counts.items():
            found.counts[_bucket(_value(bucket) - by)] += count
        return found

    def buckets(self) -> Iterator[tuple[float, int]]:
        """(value, count) of every bucket holding values, each read as its bucket's value."""
        for bucket, count in self.counts.items():
            yield _value(bucket), count

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def percentile(self, fraction: float) -> float | None:
        """The nearest-rank percentile (fraction 0.95 for p95); None when empty."""
        total = self.count
        if total == 0:
            return None
        rank = max(1, math.ceil(fraction * total))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return _value(bucket)
        raise AssertionError("unreachable: rank <= total")

    def to_json(self) -> dict[str, int]:
        return {str(bucket): count for bucket, count in self.counts.items()}

    @classmethod
    def from_json(cls, data: dict[str, int]) -> Histogram:
        return cls({int(bucket): count for bucket, count in data.items()})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Histogram) and +self.counts == +other.counts
