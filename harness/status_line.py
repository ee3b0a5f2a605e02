"""The live status line of a run: on a terminal one line redrawn every
second; elsewhere (CI logs) a plain line every few seconds."""

from __future__ import annotations

import sys
from typing import TextIO

from harness.aggregate import metrics_of
from harness.quantities import match_clock
from harness.recorder import Second

PLAIN_EVERY = 5  # seconds between lines when not on a terminal


def describe(second: Second) -> str:
    w = second.window
    metrics = metrics_of([w])
    errors = metrics["error_ratio"]
    return (f"{match_clock(second.match_s)} {second.phase:<12} viewers {second.viewers}/"
            f"{second.target_viewers} (joining {w.joining}, playing {w.playing}, stalled "
            f"{w.stalled})  {metrics['requests_per_second'] or 0:.0f} req/s  errors "
            + ("-" if errors is None else f"{errors:.1%}")
            + ("  LOAD GENERATOR SATURATED" if w.generator and w.generator.saturated else ""))


class StatusLine:
    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def show(self, second: Second) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + describe(second))
        elif second.window.second % PLAIN_EVERY == 0:
            self.stream.write(describe(second) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
