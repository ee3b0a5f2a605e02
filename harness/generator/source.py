"""Window sources: where the run gets the window of second N.

A source starts the audience (Locust's shape) and sets the run's zero;
window(N), asked once second N is over, gives that second's window and the
viewers running at its end, plus what the generator itself saw happen (a
worker lost) for the run's event log. One process (LocalSource) closes its
own collector; a master (master.MasterSource) merges its workers' windows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from locust.env import Environment

from harness.generator import audience
from harness.load.collector import Collector
from harness.measure.window import Window


@dataclass(frozen=True)
class Note:
    """Something the generator saw, for events.jsonl: kind and fields."""

    kind: str
    fields: dict


@dataclass(frozen=True)
class Measured:
    window: Window
    viewers: int  # viewers running at the end of the second
    notes: list[Note] = field(default_factory=list)


class WindowSource(Protocol):
    def start(self) -> float:
        """Start the audience shape; the run's zero (time.perf_counter())."""

    def window(self, second: int) -> Measured:
        """Second `second` (0 is the first) of the run, once it is over."""

    def stop(self) -> None:
        """Stop every viewer; the source is done."""


class LocalSource:
    """Every viewer in this process, on Locust's local runner (the default)."""

    def __init__(self, env: Environment, collector: Collector, api_users: int) -> None:
        self._runner = env.create_local_runner()
        self._collector = collector
        self._api_users = api_users

    def start(self) -> float:
        self._runner.start_shape()
        zero = time.perf_counter()
        audience.begin(self._runner.environment.user_classes, time.monotonic())
        return zero

    def window(self, second: int) -> Measured:
        return Measured(
            self._collector.close(second, time.monotonic()),
            max(0, self._runner.user_count - self._api_users),
        )

    def stop(self) -> None:
        self._runner.quit()
        self._collector.stop()
