"""A run's events, in Locust's manner (locust/event.py): each is an EventHook
that listeners add themselves to and the run session fires. The recorder,
the status line, the halt watch, the component usage meter and every output
(harness/outputs/registry.py) are listeners; a new output is one module that
listens.

A listener's exception goes to whoever fired the hook: a listener that must
never stop a run (an optional output) catches its own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Listener = Callable[..., Any]


class EventHook:
    """Listeners called in the order they were added, with the keywords fired."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> Listener:
        self._listeners.append(listener)
        return listener

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def fire(self, **keywords: Any) -> None:
        for listener in list(self._listeners):
            listener(**keywords)


@dataclass
class RunEvents:
    """What a run session fires, in the order of a run:

    - run_started(): the viewers are about to come (the run_started event is
      in events.jsonl already);
    - event_recorded(kind, match_s, **fields): an event of events.jsonl (the
      run started or ended, a phase began, a fault was injected or reverted, a
      health check changed, a halt condition held ...);
    - second_recorded(second): a second's window (harness.runfolder.recorder.Second);
    - run_stopping(): every fault is reverted, nothing more is measured;
    - run_ended(run_dir, outcome, summary): the folder holds everything, judged.
    """

    run_started: EventHook = field(default_factory=EventHook)
    event_recorded: EventHook = field(default_factory=EventHook)
    second_recorded: EventHook = field(default_factory=EventHook)
    run_stopping: EventHook = field(default_factory=EventHook)
    run_ended: EventHook = field(default_factory=EventHook)


@dataclass(frozen=True)
class Output:
    """An output: its name and `attach(events, run_dir, groups)`, which adds its
    listeners to a run's events (groups: the request groups the run declares)."""

    name: str
    attach: Callable[[RunEvents, Path, Iterable[str]], None]
