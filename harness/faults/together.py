"""Several changes at once: the faults due at one moment are reverted together
at a run's end, and a zone fault changes its containers together, so the last
one lands about as soon as the first (one Docker engine call takes tens of
milliseconds, hundreds on a busy machine)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gevent


def _outcome(action: Callable[[], None]) -> Exception | None:
    try:
        action()
    except Exception as error:  # handed to the caller, who decides what it means
        return error
    return None


def at_once(actions: Sequence[Callable[[], None]]) -> list[Exception | None]:
    """Run every action concurrently and wait for all of them: each one's
    error (None: it went through), in order. Every action runs, whatever
    the others do."""
    greenlets = [gevent.spawn(_outcome, action) for action in actions]
    try:
        gevent.joinall(greenlets)
    finally:
        gevent.killall(greenlets)  # a caller killed while waiting takes its actions with it
    return [greenlet.value for greenlet in greenlets]


def all_at_once(actions: Sequence[Callable[[], None]]) -> None:
    """Run every action concurrently; once all are done, raise the first error."""
    for error in at_once(actions):
        if error is not None:
            raise error
