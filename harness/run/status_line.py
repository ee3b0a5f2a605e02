"""The live status line of a run: on a terminal one line redrawn every
second; elsewhere (CI logs) a plain line every few seconds, and on every
second the load generator struggled.

Viewers are shown by state: joining, playing, stalled, and those whose
stream broke (Window.waiting_to_retry and recovering), so an outage does not
read "playing 0, stalled 0". Requests per second and the error ratio are
over the last SMOOTH_S seconds: viewers fetch in step on 2 s segments, so a
single second swings between many requests and none.

It says when the load generator struggles, knowing only the seconds so far
(harness.measure.saturation.Streak): "generator stalled 0.28 s" on a
second over the bounds, "LOAD GENERATOR SATURATED" once such seconds are
SUSTAINED_S in a row. The verdict decides later on the whole run."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Sequence
from typing import TextIO

from harness.measure.aggregate import metrics_of
from harness.measure.saturation import SATURATED, STALL, Streak
from harness.measure.window import Window
from harness.runfolder.recorder import Second
from harness.spec.quantities import match_clock
from harness.spec.shown import escaped

PLAIN_EVERY = 5  # seconds between lines when not on a terminal
SMOOTH_S = 4  # seconds of requests behind req/s and errors: two 2 s segments' worth


def _generator(second: Second, mark: str | None) -> str:
    if mark == SATURATED:
        return "  LOAD GENERATOR SATURATED"
    truth = second.window.generator
    if mark == STALL and truth is not None:  # a stall is marked from the generator's truth
        return f"  generator stalled {truth.lag_p99_s:.2f} s"
    return ""


def _broken(w: Window) -> str:
    """ ", 12 waiting to retry, 3 recovering" (or "" when no viewer's stream broke)."""
    parts = [
        f"{n} {what}"
        for n, what in ((w.waiting_to_retry, "waiting to retry"), (w.recovering, "recovering"))
        if n
    ]
    return "".join(f", {part}" for part in parts)


def describe(second: Second, mark: str | None = None, recent: Sequence[Window] = ()) -> str:
    """mark: the generator's mark of the second so far (SATURATED, STALL or
    None); recent: the windows req/s and errors are over (default: this one)."""
    w = second.window
    metrics = metrics_of(recent or [w])
    errors = metrics["error_ratio"]
    line = (
        f"{match_clock(second.match_s)} {second.phase:<12} viewers {second.viewers}/"
        f"{second.target_viewers} (joining {w.joining - w.recovering}, playing {w.playing}, "
        f"stalled {w.stalled}{_broken(w)})  {metrics['requests_per_second'] or 0:.0f} req/s"
        f"  errors " + ("-" if errors is None else f"{errors:.1%}") + _generator(second, mark)
    )
    return escaped(line)  # the phase's name is the scenario's


class StatusLine:
    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._streak = Streak()
        self._recent: deque[Window] = deque(maxlen=SMOOTH_S)

    def show(self, second: Second) -> None:
        mark = self._streak.add(second.window.generator)
        self._recent.append(second.window)
        if self.tty:
            self.stream.write("\r\x1b[2K" + describe(second, mark, self._recent))
        elif second.window.second % PLAIN_EVERY == 0 or mark is not None:
            self.stream.write(describe(second, mark, self._recent) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
