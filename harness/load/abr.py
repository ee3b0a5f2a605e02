"""Adaptive bitrate: which rendition to fetch next, from measured throughput
and the buffer, the way common players decide (hls.js: two moving averages,
trust the lower; step down at once, step up only with buffer to spare)."""

from __future__ import annotations

import math

from harness.load.clients import ClientProfile

FAST_HALF_LIFE = 2.0  # segments
SLOW_HALF_LIFE = 6.0


class ThroughputEstimate:
    """Bits per second from segment downloads, as min(fast, slow) averages."""

    def __init__(self) -> None:
        self._fast: float | None = None
        self._slow: float | None = None

    @staticmethod
    def _blend(average: float | None, sample: float, half_life: float) -> float:
        if average is None:
            return sample
        keep = math.exp(math.log(0.5) / half_life)
        return keep * average + (1 - keep) * sample

    def add(self, size_bytes: int, seconds: float) -> None:
        sample = size_bytes * 8 / max(seconds, 1e-4)
        self._fast = self._blend(self._fast, sample, FAST_HALF_LIFE)
        self._slow = self._blend(self._slow, sample, SLOW_HALF_LIFE)

    @property
    def bps(self) -> float | None:
        if self._fast is None or self._slow is None:
            return None
        return min(self._fast, self._slow)


def first_rendition(bandwidths: list[int], profile: ClientProfile) -> int:
    """Index (bandwidths ascending) of the rendition to start with."""
    return 0 if profile.start_rendition == "lowest" else (len(bandwidths) - 1) // 2


def next_rendition(bandwidths: list[int], current: int, throughput_bps: float | None,
                   buffer_s: float, profile: ClientProfile) -> int:
    """Index of the rendition for the next segment."""
    if throughput_bps is None:
        return current
    usable = throughput_bps * profile.throughput_safety
    sustainable = max((i for i, b in enumerate(bandwidths) if b <= usable), default=0)
    if sustainable < current:
        return sustainable
    if sustainable > current and buffer_s >= profile.up_switch_buffer:
        return current + 1  # one step at a time, as players do to avoid oscillation
    return current
