"""Adaptive bitrate: which rendition to fetch next, from measured throughput
and the buffer. One ABR object per attempt; a player model
(harness/load/clients.py) names which kind:

- StepAbr, kickoff's own for apps and TVs: two moving averages over segments,
  the lower one trusted; down at once, up one rung at a time and only with
  buffer to spare.
- HlsJsAbr, as hls.js 1.x (abr-controller.ts, ewma-bandwidth-estimator.ts):
  two moving averages weighted by download seconds (half-lives 3 and 9 s),
  the lower one trusted, 500 kbit/s before the first download; the highest
  rendition whose BANDWIDTH fits 95% of it (70% when above the rendition of
  the last download); on a live stream the buffer does not enter into it.
- DashJsAbr, as dash.js 5 on a live stream (ThroughputRule,
  InsufficientBufferRule, SwitchHistoryRule, ThroughputModel): moving averages
  weighted by 1.5 x download seconds (half-lives 3 and 8 s), the lower one
  trusted, times 0.9; the highest video Representation whose bandwidth fits
  it, but the lowest while the buffer is empty (0.3 s or less), at most what
  70% of the estimate brings in while the buffered time plays, and below a
  rendition it dropped from while that drop is among its last 8 choices; it
  starts at the highest at or below 1000 kbit/s. (Its buffer-based BOLA takes over only with more
  buffered than the live delay, which a live viewer near the edge never has.
  Its fast switching, which fetches buffered segments again after a switch
  up, is the player's: fast_switch.py.)
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence


class ThroughputEstimate:
    """Bits per second from segment downloads, as min(fast, slow) averages
    whose half-lives count segments (kickoff's own)."""

    FAST_HALF_LIFE = 2.0  # segments
    SLOW_HALF_LIFE = 6.0

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
        self._fast = self._blend(self._fast, sample, self.FAST_HALF_LIFE)
        self._slow = self._blend(self._slow, sample, self.SLOW_HALF_LIFE)

    @property
    def bps(self) -> float | None:
        if self._fast is None or self._slow is None:
            return None
        return min(self._fast, self._slow)


class TimedEstimate:
    """Bits per second as min(fast, slow) exponentially weighted averages whose
    weights are download seconds (times `weight_per_s`), corrected for their
    zero start, as hls.js and dash.js keep them."""

    def __init__(
        self, fast_s: float, slow_s: float, weight_per_s: float = 1.0, shortest_s: float = 0.0
    ) -> None:
        self._half_lives = (fast_s, slow_s)
        self._weight_per_s, self._shortest_s = weight_per_s, shortest_s
        self._averages = [0.0, 0.0]
        self._weight = 0.0

    def add(self, size_bytes: int, seconds: float) -> None:
        if size_bytes <= 0:
            return
        seconds = max(seconds, self._shortest_s, 1e-4)
        weight = seconds * self._weight_per_s
        sample = size_bytes * 8 / seconds
        for index, half_life in enumerate(self._half_lives):
            keep = 0.5 ** (weight / half_life)
            self._averages[index] = sample * (1 - keep) + keep * self._averages[index]
        self._weight += weight

    @property
    def bps(self) -> float | None:
        if self._weight <= 0:
            return None
        return min(
            average / (1 - 0.5 ** (self._weight / half_life))
            for average, half_life in zip(self._averages, self._half_lives, strict=True)
        )


class Abr:
    """A player's rendition choice over `bitrates` (what it compares, lowest first)."""

    video_only = False  # True: only video (or muxed) downloads are measured, and video
    #                     bitrates compared (a DASH Representation's own, without the audio)

    def __init__(self, estimate: ThroughputEstimate | TimedEstimate) -> None:
        self.estimate = estimate

    @property
    def bps(self) -> float | None:
        """The throughput estimate (None: nothing measured yet)."""
        return self.estimate.bps

    def add(self, size_bytes: int, seconds: float) -> None:
        """A download of `size_bytes` that took `seconds`."""
        self.estimate.add(size_bytes, seconds)

    def first(self, bitrates: Sequence[int]) -> int:
        raise NotImplementedError

    def next(
        self, bitrates: Sequence[int], current: int, buffer_s: float, segment_s: float = 0.0
    ) -> int:
        """The rendition for the next segment; `current` was the last one's,
        `buffer_s` is buffered ahead, `segment_s` the segments' duration."""
        raise NotImplementedError


def _highest_within(bitrates: Sequence[int], budget: float) -> int | None:
    return max((i for i, bitrate in enumerate(bitrates) if bitrate <= budget), default=None)


class StepAbr(Abr):
    """kickoff's own (apps, TVs): start at the lowest or the middle rendition;
    down at once to what `safety` of the throughput sustains, up one rung at a
    time and only with `up_buffer` seconds buffered."""

    def __init__(self, start: str, up_buffer: float, safety: float) -> None:
        super().__init__(ThroughputEstimate())
        self.start, self.up_buffer, self.safety = start, up_buffer, safety

    def first(self, bitrates: Sequence[int]) -> int:
        return 0 if self.start == "lowest" else (len(bitrates) - 1) // 2

    def next(
        self, bitrates: Sequence[int], current: int, buffer_s: float, segment_s: float = 0.0
    ) -> int:
        if self.bps is None:
            return current
        sustainable = _highest_within(bitrates, self.bps * self.safety) or 0
        if sustainable < current:
            return sustainable
        if sustainable > current and buffer_s >= self.up_buffer:
            return current + 1  # one step at a time, to avoid oscillation
        return current


class HlsJsAbr(Abr):
    """hls.js 1.x's choice on a live stream (see the module's docstring)."""

    video_only = True  # main fragments only (ignoreFragment); BANDWIDTH is audio included
    DEFAULT_BPS = 500_000  # abrEwmaDefaultEstimate: the estimate before any download
    FACTOR, UP_FACTOR = 0.95, 0.7  # abrBandWidthFactor, abrBandWidthUpFactor

    def __init__(self) -> None:
        # abrEwmaFastLive 3 s, abrEwmaSlowLive 9 s; a sample lasts at least 50 ms (minDelayMs)
        super().__init__(TimedEstimate(3.0, 9.0, shortest_s=0.05))

    def first(self, bitrates: Sequence[int]) -> int:
        """firstAutoLevel: the highest the default estimate carries in full, else the lowest."""
        return _highest_within(bitrates, self.DEFAULT_BPS) or 0

    def next(
        self, bitrates: Sequence[int], current: int, buffer_s: float, segment_s: float = 0.0
    ) -> int:
        if self.bps is None:
            return current
        for index in range(len(bitrates) - 1, -1, -1):
            factor = self.UP_FACTOR if index > current else self.FACTOR
            if bitrates[index] <= factor * self.bps:
                return index
        return 0


class DashJsAbr(Abr):
    """dash.js 5's ThroughputRule and InsufficientBufferRule on a live stream
    (see the module's docstring): the lower of the two choices."""

    video_only = True  # the video ABR measures and compares video
    INITIAL_KBPS = 1000  # DEFAULT_VIDEO_BITRATE, with initialBitrate unset
    SAFETY = 0.9  # bandwidthSafetyFactor
    BUFFER_SAFETY = 0.7  # insufficientBufferRule throughputSafetyFactor
    IGNORED = 2  # insufficientBufferRule segmentIgnoreCount: segments before it applies
    EMPTY_S = 0.3  # buffer.stallThreshold: at or below it the buffer counts as empty
    HISTORY = 8  # switchHistoryRule sampleSize: the choices it looks back on
    DROP_SHARE = 0.075  # switchHistoryRule switchPercentageThreshold: drops over the others

    def __init__(self) -> None:
        # throughputFastHalfLifeSeconds 3, throughputSlowHalfLifeSeconds 8, and the weight
        # of a sample weightDownloadTimeMultiplicationFactor (0.0015) x download ms
        super().__init__(TimedEstimate(3.0, 8.0, weight_per_s=1.5))
        self._downloads = 0
        # (the rendition a choice was made on, whether it chose a lower one), the last HISTORY
        self._history: deque[tuple[int, bool]] = deque(maxlen=self.HISTORY)

    def add(self, size_bytes: int, seconds: float) -> None:
        super().add(size_bytes, seconds)
        self._downloads += 1

    def first(self, bitrates: Sequence[int]) -> int:
        return _highest_within(bitrates, self.INITIAL_KBPS * 1000) or 0

    def next(
        self, bitrates: Sequence[int], current: int, buffer_s: float, segment_s: float = 0.0
    ) -> int:
        if self.bps is None:
            return current
        choice = _highest_within(bitrates, self.bps * self.SAFETY) or 0
        if self._downloads > self.IGNORED and segment_s > 0:
            # an empty buffer: the lowest; else what the buffer lets arrive in time
            limit = (
                0.0
                if buffer_s <= self.EMPTY_S
                else self.bps * self.BUFFER_SAFETY * buffer_s / segment_s
            )
            choice = min(choice, _highest_within(bitrates, limit) or 0)
        cap = self._history_cap()
        if cap is not None:
            choice = min(choice, cap)
        self._history.append((current, choice < current))
        return choice

    def _history_cap(self) -> int | None:
        """SwitchHistoryRule: over the last HISTORY choices, each counted at the
        rendition it was made on, rendition by rendition from the lowest, the first
        at which every choice is counted and the drops are above DROP_SHARE of the
        rest caps the next: the one below it if the drops were made from it."""
        if len(self._history) < self.HISTORY:
            return None
        drops, stays = 0, 0
        for rung in range(max(made_on for made_on, _ in self._history) + 1):
            dropped_here = sum(1 for made_on, drop in self._history if made_on == rung and drop)
            drops += dropped_here
            stays += sum(1 for made_on, drop in self._history if made_on == rung and not drop)
            if drops + stays >= self.HISTORY and (stays == 0 or drops / stays > self.DROP_SHARE):
                return rung - 1 if rung > 0 and dropped_here else rung
        return None
