"""The master's side of windows: workers' windows of the same second merged
exactly, and when a second may be written.

Second N is ready once every live worker has sent its window of N (the
master writes it then, or when its grace has passed, without the missing
ones). A window that arrives for a second not yet written lands in that
second; one for a second already written cannot change the record: it is
dropped and said so (a "window_late" note). A lost worker is no longer
waited for; the windows it sent before count.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.measure.window import Window


@dataclass(frozen=True)
class Late:
    """A window that came after its second was written."""

    worker: int
    second: int
    attempts: int
    requests: int


class Merger:
    def __init__(self) -> None:
        self._live: dict[int, int] = {}  # worker index -> viewers it last reported
        self._windows: dict[int, dict[int, tuple[Window, int]]] = {}  # second -> worker -> ...
        self._written = -1  # the last second taken

    def join(self, worker: int) -> None:
        self._live.setdefault(worker, 0)

    def add(self, worker: int, window: Window, viewers: int) -> Late | None:
        """A worker's window of window.second with the viewers it ran at its
        end; a Late when that second is written already."""
        if window.second <= self._written:
            return Late(
                worker,
                window.second,
                window.attempts,
                sum(t.count for t in window.requests.values()),
            )
        if worker in self._live:
            self._live[worker] = viewers
        self._windows.setdefault(window.second, {})[worker] = (window, viewers)
        return None

    def missing(self, second: int) -> list[int]:
        """Live workers whose window of `second` has not come (yet)."""
        return sorted(set(self._live) - set(self._windows.get(second, {})))

    def lose(self, worker: int) -> int:
        """Stop waiting for `worker`; the viewers it last reported."""
        return self._live.pop(worker, 0)

    def take(self, second: int) -> tuple[Window, int]:
        """Second `second` as merged from what arrived: its window and viewers."""
        merged, viewers = Window(second), 0
        for window, count in self._windows.pop(second, {}).values():
            merged.merge(window)
            viewers += count
        self._written = max(self._written, second)
        return merged, viewers
