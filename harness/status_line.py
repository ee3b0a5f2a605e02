"""The live status line of a run: on a terminal one line redrawn every
second; elsewhere (CI logs) a plain line every few seconds, and on every
second the load generator struggled.

It says when the load generator struggles, knowing only the seconds so far
(harness.generator.saturation.Streak): "generator stalled 0.28 s" on a
second over the bounds, "LOAD GENERATOR SATURATED" once such seconds are
SUSTAINED_S in a row. The verdict decides later on the whole run."""

from __future__ import annotations

import sys
from typing import TextIO

from harness.aggregate import metrics_of
from harness.generator.saturation import SATURATED, STALL, Streak
from harness.quantities import match_clock
from harness.recorder import Second

PLAIN_EVERY = 5  # seconds between lines when not on a terminal


def _generator(second: Second, mark: str | None) -> str:
    if mark == SATURATED:
        return "  LOAD GENERATOR SATURATED"
    if mark == STALL:
        return f"  generator stalled {second.window.generator.lag_p99_s:.2f} s"
    return ""


def describe(second: Second, mark: str | None = None) -> str:
    """mark: the generator's mark of the second so far (SATURATED, STALL or None)."""
    w = second.window
    metrics = metrics_of([w])
    errors = metrics["error_ratio"]
    return (f"{match_clock(second.match_s)} {second.phase:<12} viewers {second.viewers}/"
            f"{second.target_viewers} (joining {w.joining}, playing {w.playing}, stalled "
            f"{w.stalled})  {metrics['requests_per_second'] or 0:.0f} req/s  errors "
            + ("-" if errors is None else f"{errors:.1%}")
            + _generator(second, mark))


class StatusLine:
    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._streak = Streak()

    def show(self, second: Second) -> None:
        mark = self._streak.add(second.window.generator)
        if self.tty:
            self.stream.write("\r\x1b[2K" + describe(second, mark))
        elif second.window.second % PLAIN_EVERY == 0 or mark is not None:
            self.stream.write(describe(second, mark) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
